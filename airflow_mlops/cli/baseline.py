"""``airflow-mlops baseline``: list, pin and unpin baselines; own keys; steer learned bands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from airflow_mlops.cli._common import print_rows, store_for, unknown_key_hint, user

__all__ = ["add_baseline_parser"]


def add_baseline_parser(sub: Any) -> None:
    """Register ``baseline list|pin|unpin|keys|exclude|expected|owner``."""
    baseline = sub.add_parser("baseline", help="list, pin and unpin baselines").add_subparsers(
        dest="baseline_command", required=True
    )
    _add_list(baseline)
    _add_pin_unpin(baseline)
    b_keys = baseline.add_parser(
        "keys", help="every baseline key with its DAG, profiles, latest run and pins"
    )
    b_keys.add_argument("--limit", type=int, default=200)
    b_keys.add_argument("--json", action="store_true")
    b_keys.set_defaults(func=_cmd_baseline_keys)
    _add_training(baseline)
    _add_owner(baseline)


def _add_list(baseline: Any) -> None:
    b_list = baseline.add_parser(
        "list", help="active pins (or, with --key K --profiles, K's recorded profiles)"
    )
    b_list.add_argument("--key")
    b_list.add_argument("--profiles", action="store_true", help="list the key's profiles instead of its pins")
    b_list.add_argument("--all", action="store_true", help="include retired pins")
    b_list.add_argument("--limit", type=int, default=50)
    b_list.add_argument("--json", action="store_true")
    b_list.set_defaults(func=_cmd_baseline_list)


def _add_pin_unpin(baseline: Any) -> None:
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


def _add_training(baseline: Any) -> None:
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


def _add_owner(baseline: Any) -> None:
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


def _pin_row(pin: Any) -> dict[str, Any]:
    return {key: "" if value is None else value for key, value in pin.summary().items()}


def _cmd_baseline_list(args: argparse.Namespace) -> int:
    store = store_for(args)
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
    print_rows(rows, as_json=args.json, columns=columns)
    return 0


def _cmd_baseline_keys(args: argparse.Namespace) -> int:
    store = store_for(args)
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
    print_rows(rows, as_json=args.json, columns=("key", "dag_id", "kind", "profiles", "latest", "pins"))
    return 0


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
    print_rows(
        [_pin_row(pin)],
        as_json=args.json,
        columns=("key", "label", "profile_id", "run_id", "pinned_by", "reason"),
    )
    return 0


def _cmd_baseline_unpin(args: argparse.Namespace) -> int:
    from airflow_mlops import baselines

    pin = baselines.unpin(args.key, label=args.label, reason=args.reason, user=args.user, url=args.url)
    print_rows(
        [_pin_row(pin)], as_json=args.json, columns=("key", "label", "active", "unpinned_by", "reason")
    )
    return 0


def _cmd_baseline_exclude(args: argparse.Namespace) -> int:
    from datetime import datetime

    from airflow_mlops.exceptions import InputError

    try:
        start, end = datetime.fromisoformat(args.from_), datetime.fromisoformat(args.to)
    except ValueError as exc:
        raise InputError(f"--from/--to must be ISO dates or times such as 2026-12-24 ({exc}).") from None
    store_for(args).exclude_from_training(
        key=args.key, starts_at=start, ends_at=end, reason=args.reason, user=user(args)
    )
    print(f"runs of '{args.key}' from {args.from_} to {args.to} no longer train its learned bands (audited)")
    return 0


def _cmd_baseline_expected(args: argparse.Namespace) -> int:
    store_for(args).mark_expected(key=args.key, run_id=args.run_id, reason=args.reason, user=user(args))
    print(f"run '{args.run_id}' of '{args.key}' was expected: it trains the key's learned bands (audited)")
    return 0


def _cmd_baseline_owner(args: argparse.Namespace) -> int:
    store = store_for(args)
    if args.dag_id is not None:
        if not args.reason:
            print("airflow-mlops: error: handing a key to another DAG needs --reason", file=sys.stderr)
            return 2
        row = store.set_baseline_key_owner(
            key=args.key, dag_id=args.dag_id, user=user(args), reason=args.reason
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
    print_rows([owner], as_json=args.json, columns=("key", "owner", "shared_with", "declared_by"))
    return 0
