"""The ``airflow-mlops`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC
from typing import Any

__all__ = ["build_parser", "main", "unknown_key_hint"]


def _store(args: argparse.Namespace) -> Any:
    from airflow_mlops.config import get_store

    return get_store(args.url)


def _print(rows: list[dict[str, Any]], *, as_json: bool, columns: Sequence[str]) -> None:
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    store = _store(args)
    before = store.current_revision()
    store.upgrade(args.revision)
    after = store.current_revision()
    print(f"results store {store.safe_url}: {before or 'empty'} -> {after}")
    return 0


def _cmd_db_current(args: argparse.Namespace) -> int:
    from airflow_mlops.store.engine import head_revision

    store = _store(args)
    current = store.current_revision()
    print(f"results store {store.safe_url}: revision {current or 'empty'} (head {head_revision()})")
    return 0 if current == head_revision() else 1


def _cmd_db_prune(args: argparse.Namespace) -> int:
    from datetime import datetime

    from airflow_mlops.core.owners import OwnersError, parse_duration

    try:
        cutoff = datetime.now(UTC) - parse_duration(args.older_than, where="--older-than")
    except OwnersError as exc:
        print(f"airflow-mlops: {exc}", file=sys.stderr)
        return 2
    store = _store(args)
    counts = store.prune(older_than=cutoff, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    listed = ", ".join(f"{n} {table.replace('_', ' ')}" for table, n in counts.items())
    print(f"results store {store.safe_url}: {verb} {listed} older than {cutoff:%Y-%m-%d %H:%M} UTC")
    return 0


def _cmd_runs_list(args: argparse.Namespace) -> int:
    store = _store(args)
    rows = [
        {
            "id": r.id,
            "dag_id": r.dag_id,
            "task_id": r.task_id,
            "run_id": r.run_id,
            "try": r.try_number,
            "kind": r.kind,
            "status": r.status,
            "owner": r.owner,
            "finished_at": r.finished_at.isoformat(timespec="seconds") if r.finished_at else "",
            "message": (r.message or "")[: 80 if not args.json else None],
        }
        for r in store.check_runs(dag_id=args.dag_id, run_id=args.run_id, limit=args.limit)
    ]
    _print(rows, as_json=args.json, columns=("id", "dag_id", "task_id", "run_id", "try", "status", "message"))
    return 0


def _pin_row(pin: Any) -> dict[str, Any]:
    return {key: "" if value is None else value for key, value in pin.summary().items()}


def _cmd_baseline_list(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.key and args.profiles:
        if not store.profiles(key=args.key, limit=1):
            from airflow_mlops.exceptions import InputError

            raise InputError(f"baseline key '{args.key}' has no profiles{unknown_key_hint(store, args.key)}.")
        rows = [
            {
                "profile_id": p.id,
                "kind": p.kind,
                "run_id": p.run_id or p.source,
                "try": p.try_number,
                "run_status": p.run_status,
                "gate_status": p.gate_status or "",
                "rows": p.row_count if p.row_count is not None else "",
                "run_after": p.run_after.isoformat(timespec="seconds") if p.run_after else "",
            }
            for p in store.profiles(key=args.key, limit=args.limit)
        ]
        columns: Sequence[str] = (
            "profile_id",
            "kind",
            "run_id",
            "try",
            "run_status",
            "gate_status",
            "rows",
            "run_after",
        )
    else:
        rows = [_pin_row(p) for p in store.pins(key=args.key, include_inactive=args.all)]
        columns = ("key", "label", "active", "profile_id", "run_id", "pinned_by", "pinned_at", "reason")
    _print(rows, as_json=args.json, columns=columns)
    return 0


def _cmd_baseline_keys(args: argparse.Namespace) -> int:
    store = _store(args)
    pins: dict[str, list[str]] = {}
    for pin in store.pins():
        pins.setdefault(pin.baseline_key, []).append(pin.label)
    rows = [
        {
            "key": k["baseline_key"],
            "dag_id": k["dag_id"] or "",
            "kind": k["kind"],
            "profiles": k["profiles"],
            "latest": k["latest"].isoformat(timespec="seconds") if k["latest"] else "",
            "pins": ", ".join(sorted(pins.get(k["baseline_key"], []))),
        }
        for k in store.baseline_keys(limit=args.limit)
    ]
    _print(rows, as_json=args.json, columns=("key", "dag_id", "kind", "profiles", "latest", "pins"))
    return 0


def unknown_key_hint(store: Any, key: str) -> str:
    """``; known keys near it: a.b, a.c`` (or every key when none is near), for an error about ``key``."""
    import difflib

    known = sorted({k["baseline_key"] for k in store.baseline_keys(limit=1000)})
    near = difflib.get_close_matches(key, known, n=5, cutoff=0.5) or known[:5]
    return (
        f"; known keys{' near it' if near and near != known[:5] else ''}: {', '.join(near)}" if near else ""
    )


def _cmd_baseline_pin(args: argparse.Namespace) -> int:
    from airflow_mlops import baselines

    pin = baselines.pin(
        args.key,
        label=args.label,
        run_id=args.run_id,
        profile_id=args.profile_id,
        latest=args.latest,
        reason=args.reason,
        user=args.user,
        url=args.url,
    )
    _print(
        [_pin_row(pin)],
        as_json=args.json,
        columns=("key", "label", "profile_id", "run_id", "pinned_by", "reason"),
    )
    return 0


def _cmd_baseline_unpin(args: argparse.Namespace) -> int:
    from airflow_mlops import baselines

    pin = baselines.unpin(args.key, label=args.label, reason=args.reason, user=args.user, url=args.url)
    _print([_pin_row(pin)], as_json=args.json, columns=("key", "label", "active", "unpinned_by", "reason"))
    return 0


def _cmd_baseline_exclude(args: argparse.Namespace) -> int:
    from datetime import datetime

    from airflow_mlops.exceptions import InputError

    try:
        start, end = datetime.fromisoformat(args.from_), datetime.fromisoformat(args.to)
    except ValueError as exc:
        raise InputError(f"--from/--to must be ISO dates or times such as 2026-12-24 ({exc}).") from None
    _store(args).exclude_from_training(
        key=args.key, starts_at=start, ends_at=end, reason=args.reason, user=_user(args)
    )
    print(f"runs of '{args.key}' from {args.from_} to {args.to} no longer train its learned bands (audited)")
    return 0


def _cmd_baseline_expected(args: argparse.Namespace) -> int:
    _store(args).mark_expected(key=args.key, run_id=args.run_id, reason=args.reason, user=_user(args))
    print(f"run '{args.run_id}' of '{args.key}' was expected: it trains the key's learned bands (audited)")
    return 0


def _cmd_baseline_owner(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.dag_id is not None:
        if not args.reason:
            print("airflow-mlops: error: handing a key to another DAG needs --reason", file=sys.stderr)
            return 2
        row = store.set_baseline_key_owner(
            key=args.key, dag_id=args.dag_id, user=_user(args), reason=args.reason
        )
    else:
        row = store.baseline_key_owner(args.key)
    owner = {"key": args.key, "owner": "", "shared_with": [], "declared_by": ""}
    if row is not None:
        owner |= {
            "owner": row.owner_dag_id,
            "shared_with": row.shared_with,
            "declared_by": row.declared_by or "",
        }
    if not args.json:
        owner["shared_with"] = ", ".join(owner["shared_with"])
    _print([owner], as_json=args.json, columns=("key", "owner", "shared_with", "declared_by"))
    return 0


def _audit_target(event: dict[str, Any]) -> str:
    if event["incident_id"] is not None:
        return f"incident #{event['incident_id']}"
    if event["baseline_key"] is not None:
        return event["baseline_key"] + (f" [{event['label']}]" if event["label"] else "")
    return f"{event['task_id'] or ''} run {event['run_id'] or ''}".strip()


def _cmd_audit(args: argparse.Namespace) -> int:
    events = [e.summary() for e in _store(args).audit_events(dag_id=args.dag_id, limit=args.limit)]
    if args.json:
        _print(events, as_json=True, columns=())
        return 0
    rows = [{**e, "target": _audit_target(e), "note": (e["note"] or "")[:80]} for e in events]
    _print(rows, as_json=False, columns=("id", "at", "actor", "action", "dag_id", "target", "note"))
    return 0


def _incident_row(i: Any, *, as_json: bool) -> dict[str, Any]:
    from datetime import datetime

    first = i.first_seen if i.first_seen.tzinfo else i.first_seen.replace(tzinfo=UTC)
    age = datetime.now(UTC) - first
    return {
        "id": i.id,
        "owner": i.owner,
        "status": i.status,
        "severity": i.severity,
        "dag_id": i.dag_id,
        "gate": i.gate_task_id,
        "count": i.count,
        "age": str(age).split(".")[0],
        "first_seen": i.first_seen.isoformat(timespec="seconds"),
        "last_seen": i.last_seen.isoformat(timespec="seconds"),
        "failing": i.failing_checks if as_json else ", ".join(i.failing_checks)[:60],
        "acked_by": i.acked_by or "",
        "snoozed_until": i.snoozed_until.isoformat(timespec="minutes") if i.snoozed_until else "",
        "runbook": i.runbook_url or "",
    }


def _cmd_incidents_list(args: argparse.Namespace) -> int:
    store = _store(args)
    statuses = None if args.all else ("open", "acknowledged", "snoozed")
    rows = [
        _incident_row(i, as_json=args.json)
        for i in store.incidents(owner=args.owner, status=statuses, dag_id=args.dag_id, limit=args.limit)
    ]
    _print(
        rows,
        as_json=args.json,
        columns=("id", "owner", "status", "severity", "dag_id", "gate", "count", "age", "failing"),
    )
    return 0


def _user(args: argparse.Namespace) -> str:
    import getpass

    return args.user or getpass.getuser()


def _cmd_incidents_act(args: argparse.Namespace) -> int:
    from datetime import datetime

    from airflow_mlops.core.owners import parse_duration

    until = None
    if args.incidents_command == "snooze":
        until = datetime.now(UTC) + parse_duration(args.for_, where="--for")
    action = {"ack": "ack", "snooze": "snooze", "resolve": "resolve"}[args.incidents_command]
    row = _store(args).update_incident(args.id, action=action, user=_user(args), until=until, note=args.note)
    _print(
        [_incident_row(row, as_json=args.json)],
        as_json=args.json,
        columns=("id", "owner", "status", "acked_by", "snoozed_until"),
    )
    return 0


def _cmd_gate_override(args: argparse.Namespace) -> int:
    row = _store(args).add_override(
        dag_id=args.dag_id, run_id=args.run_id, task_id=args.task_id, reason=args.reason, user=_user(args)
    )
    print(
        f"override #{row.id} recorded for {row.dag_id}.{row.task_id} run {row.run_id} by {row.created_by}: "
        f"{row.reason}\nClear the gate task of that run to re-run it; it will pass as OVERRIDDEN."
    )
    return 0


def _cmd_digest_send(args: argparse.Namespace) -> int:
    from airflow_mlops.notifications.digest import send_digests

    sent = send_digests(_store(args), owner=args.owner)
    for team, count in sent.items():
        print(f"{team}: digest of {count} warning incident(s) sent")
    if not sent:
        print("no warnings waiting for a digest")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="airflow-mlops", description=__doc__)
    parser.add_argument("--url", help="results store URL (default: [mlops] results_db_url)")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="manage the results store schema").add_subparsers(
        dest="db_command", required=True
    )
    upgrade = db.add_parser("upgrade", help="apply migrations (never drops data)")
    upgrade.add_argument("--revision", default="head")
    upgrade.set_defaults(func=_cmd_db_upgrade)
    db.add_parser("current", help="show the schema revision").set_defaults(func=_cmd_db_current)
    prune = db.add_parser(
        "prune",
        help="delete check runs, profiles, resolved incidents older than an age; keeps pinned baselines, "
        "the newest profile of each key, open incidents and what they reference",
    )
    prune.add_argument("--older-than", required=True, help="an age: 90d, 12h, 2w")
    prune.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    prune.set_defaults(func=_cmd_db_prune)

    runs = sub.add_parser("runs", help="recorded check runs").add_subparsers(
        dest="runs_command", required=True
    )
    runs_list = runs.add_parser("list", help="list check runs, newest first")
    runs_list.add_argument("--dag-id")
    runs_list.add_argument("--run-id")
    runs_list.add_argument("--limit", type=int, default=50)
    runs_list.add_argument("--json", action="store_true", help="print JSON for scripts")
    runs_list.set_defaults(func=_cmd_runs_list)

    baseline = sub.add_parser("baseline", help="list, pin and unpin baselines").add_subparsers(
        dest="baseline_command", required=True
    )
    b_list = baseline.add_parser(
        "list", help="active pins (or, with --key K --profiles, K's recorded profiles)"
    )
    b_list.add_argument("--key")
    b_list.add_argument("--profiles", action="store_true", help="list the key's profiles instead of its pins")
    b_list.add_argument("--all", action="store_true", help="include retired pins")
    b_list.add_argument("--limit", type=int, default=50)
    b_list.add_argument("--json", action="store_true")
    b_list.set_defaults(func=_cmd_baseline_list)
    b_pin = baseline.add_parser("pin", help="pin a run's profile as the key's baseline")
    b_pin.add_argument("--key", required=True)
    which = b_pin.add_mutually_exclusive_group(required=True)
    which.add_argument("--run-id")
    which.add_argument("--profile-id", type=int)
    which.add_argument("--latest", action="store_true", help="the key's most recent profile")
    b_pin.add_argument(
        "--label", default="default", help="e.g. champion; 'default' is what baseline='pinned' reads"
    )
    b_pin.add_argument("--reason", required=True)
    b_pin.add_argument("--user", help="who pins (default: the OS user)")
    b_pin.add_argument("--json", action="store_true")
    b_pin.set_defaults(func=_cmd_baseline_pin)
    b_unpin = baseline.add_parser("unpin", help="retire the key's pin of a label (kept for the audit)")
    b_unpin.add_argument("--key", required=True)
    b_unpin.add_argument("--label", default="default")
    b_unpin.add_argument("--reason", required=True)
    b_unpin.add_argument("--user")
    b_unpin.add_argument("--json", action="store_true")
    b_unpin.set_defaults(func=_cmd_baseline_unpin)
    b_keys = baseline.add_parser(
        "keys", help="every baseline key with its DAG, profiles, latest run and pins"
    )
    b_keys.add_argument("--limit", type=int, default=200)
    b_keys.add_argument("--json", action="store_true")
    b_keys.set_defaults(func=_cmd_baseline_keys)
    b_exclude = baseline.add_parser(
        "exclude", help="keep a window's runs (a holiday, an outage) out of the key's learned bands (audited)"
    )
    b_exclude.add_argument("--key", required=True)
    b_exclude.add_argument(
        "--from", dest="from_", required=True, help="start, ISO: 2026-12-24 or 2026-12-24T06:00"
    )
    b_exclude.add_argument("--to", required=True, help="end (excluded), ISO")
    b_exclude.add_argument("--reason", required=True)
    b_exclude.add_argument("--user")
    b_exclude.set_defaults(func=_cmd_baseline_exclude)
    b_expected = baseline.add_parser(
        "expected", help="a flagged run was expected: let it train the key's learned bands (audited)"
    )
    b_expected.add_argument("--key", required=True)
    b_expected.add_argument("--run-id", required=True)
    b_expected.add_argument("--reason", required=True)
    b_expected.add_argument("--user")
    b_expected.set_defaults(func=_cmd_baseline_expected)
    b_owner = baseline.add_parser(
        "owner",
        help="show which DAG owns a key (may write it) and whom it shares it with; with --dag-id, hand the "
        "key to that DAG (audited)",
    )
    b_owner.add_argument("--key", required=True)
    b_owner.add_argument("--dag-id", help="the DAG that owns the key from now on")
    b_owner.add_argument("--reason", help="why (required with --dag-id)")
    b_owner.add_argument("--user", help="who does it (default: the OS user)")
    b_owner.add_argument("--json", action="store_true")
    b_owner.set_defaults(func=_cmd_baseline_owner)

    incidents = sub.add_parser("incidents", help="list and triage incidents").add_subparsers(
        dest="incidents_command", required=True
    )
    i_list = incidents.add_parser("list", help="open incidents (acknowledged and snoozed included)")
    i_list.add_argument("--owner")
    i_list.add_argument("--dag-id")
    i_list.add_argument("--all", action="store_true", help="include resolved incidents")
    i_list.add_argument("--limit", type=int, default=100)
    i_list.add_argument("--json", action="store_true")
    i_list.set_defaults(func=_cmd_incidents_list)
    for name, text in (
        ("ack", "acknowledge: repeats stay quiet"),
        ("snooze", "silence until a time"),
        ("resolve", "close"),
    ):
        act = incidents.add_parser(name, help=text)
        act.add_argument("id", type=int)
        if name == "snooze":
            act.add_argument("--for", dest="for_", required=True, help="e.g. 30m, 4h, 1d")
        act.add_argument("--user", help="who acts (default: the OS user)")
        act.add_argument("--note")
        act.add_argument("--json", action="store_true")
        act.set_defaults(func=_cmd_incidents_act)

    gate = sub.add_parser("gate", help="gate overrides").add_subparsers(dest="gate_command", required=True)
    override = gate.add_parser("override", help="let a re-run of a gate pass as OVERRIDDEN (audited)")
    override.add_argument("--dag-id", required=True)
    override.add_argument("--run-id", required=True)
    override.add_argument("--task-id", required=True)
    override.add_argument("--reason", required=True)
    override.add_argument("--user")
    override.set_defaults(func=_cmd_gate_override)

    audit = sub.add_parser(
        "audit",
        help="the audit trail, newest first: every ack, snooze, resolve, override, rejected approval, pin, "
        "unpin and change of a key's owner, with who, when and why",
    )
    audit.add_argument("--dag", "--dag-id", dest="dag_id", help="only this DAG's events")
    audit.add_argument("--limit", type=int, default=100)
    audit.add_argument("--json", action="store_true", help="print JSON for scripts")
    audit.set_defaults(func=_cmd_audit)

    digest = sub.add_parser("digest", help="warning digests").add_subparsers(
        dest="digest_command", required=True
    )
    d_send = digest.add_parser("send", help="send each team one digest of its pending warnings")
    d_send.add_argument("--owner")
    d_send.set_defaults(func=_cmd_digest_send)

    from airflow_mlops.cli_backtest import add_backtest_parser
    from airflow_mlops.cli_report import add_report_parser

    add_backtest_parser(sub)
    add_report_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from airflow_mlops.exceptions import MlopsError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except MlopsError as exc:
        print(f"airflow-mlops: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
