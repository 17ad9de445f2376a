"""``airflow-mlops runs``, ``audit`` and ``digest``: what was recorded, who did what, warning digests."""

from __future__ import annotations

import argparse
from typing import Any

from airflow_mlops.cli._common import print_rows, store_for

__all__ = ["add_audit_parser", "add_digest_parser", "add_runs_parser"]


def add_runs_parser(sub: Any) -> None:
    """Register ``runs list``."""
    runs = sub.add_parser("runs", help="recorded check runs").add_subparsers(
        dest="runs_command", required=True
    )
    runs_list = runs.add_parser("list", help="list check runs, newest first")
    runs_list.add_argument("--dag-id")
    runs_list.add_argument("--run-id")
    runs_list.add_argument("--limit", type=int, default=50)
    runs_list.add_argument("--json", action="store_true", help="print JSON for scripts")
    runs_list.set_defaults(func=_cmd_runs_list)


def add_audit_parser(sub: Any) -> None:
    """Register ``audit``."""
    audit = sub.add_parser(
        "audit",
        help="the audit trail, newest first: every ack, snooze, resolve, override, rejected approval, pin, "
        "unpin and change of a key's owner, with who, when and why",
    )
    audit.add_argument("--dag", "--dag-id", dest="dag_id", help="only this DAG's events")
    audit.add_argument("--limit", type=int, default=100)
    audit.add_argument("--json", action="store_true", help="print JSON for scripts")
    audit.set_defaults(func=_cmd_audit)


def add_digest_parser(sub: Any) -> None:
    """Register ``digest send``."""
    digest = sub.add_parser("digest", help="warning digests").add_subparsers(
        dest="digest_command", required=True
    )
    d_send = digest.add_parser("send", help="send each team one digest of its pending warnings")
    d_send.add_argument("--owner")
    d_send.set_defaults(func=_cmd_digest_send)


def _cmd_runs_list(args: argparse.Namespace) -> int:
    from airflow_mlops.core.messages import data_date

    store = store_for(args)
    rows = [
        {
            "id": r.id,
            "dag_id": r.dag_id,
            "task_id": r.task_id,
            "data": data_date(r.logical_date, r.run_after) or "",
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
    print_rows(
        rows,
        as_json=args.json,
        columns=("id", "dag_id", "task_id", "data", "run_id", "try", "status", "message"),
    )
    return 0


def _audit_target(event: dict[str, Any]) -> str:
    if event["incident_id"] is not None:
        return f"incident #{event['incident_id']}"
    if event["baseline_key"] is not None:
        return event["baseline_key"] + (f" [{event['label']}]" if event["label"] else "")
    return f"{event['task_id'] or ''} run {event['run_id'] or ''}".strip()


def _cmd_audit(args: argparse.Namespace) -> int:
    events = [e.summary() for e in store_for(args).audit_events(dag_id=args.dag_id, limit=args.limit)]
    if args.json:
        print_rows(events, as_json=True, columns=())
        return 0
    rows = [{**e, "target": _audit_target(e), "note": (e["note"] or "")[:80]} for e in events]
    print_rows(rows, as_json=False, columns=("id", "at", "actor", "action", "dag_id", "target", "note"))
    return 0


def _cmd_digest_send(args: argparse.Namespace) -> int:
    from airflow_mlops.notifications.digest import send_digests

    sent = send_digests(store_for(args), owner=args.owner)
    for team, count in sent.items():
        print(f"{team}: digest of {count} warning incident(s) sent")
    if not sent:
        print("no warnings waiting for a digest")
    return 0
