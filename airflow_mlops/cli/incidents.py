"""``airflow-mlops incidents`` and ``gate``: triage incidents, override a gate (audited)."""

from __future__ import annotations

import argparse
from datetime import UTC
from typing import Any

from airflow_mlops.cli._common import print_rows, store_for, user

__all__ = ["add_gate_parser", "add_incidents_parser"]


def add_incidents_parser(sub: Any) -> None:
    """Register ``incidents list|ack|snooze|resolve``."""
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


def add_gate_parser(sub: Any) -> None:
    """Register ``gate override``."""
    gate = sub.add_parser("gate", help="gate overrides").add_subparsers(dest="gate_command", required=True)
    override = gate.add_parser("override", help="let a re-run of a gate pass as OVERRIDDEN (audited)")
    override.add_argument("--dag-id", required=True)
    override.add_argument("--run-id", required=True)
    override.add_argument("--task-id", required=True)
    override.add_argument("--reason", required=True)
    override.add_argument("--user")
    override.set_defaults(func=_cmd_gate_override)


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
        "note": i.note if as_json else (i.note or "")[:40],
    }


def _cmd_incidents_list(args: argparse.Namespace) -> int:
    store = store_for(args)
    statuses = None if args.all else ("open", "acknowledged", "snoozed")
    rows = [
        _incident_row(i, as_json=args.json)
        for i in store.incidents(owner=args.owner, status=statuses, dag_id=args.dag_id, limit=args.limit)
    ]
    print_rows(
        rows,
        as_json=args.json,
        columns=("id", "owner", "status", "severity", "dag_id", "gate", "count", "age", "failing", "note"),
    )
    return 0


def _cmd_incidents_act(args: argparse.Namespace) -> int:
    from datetime import datetime

    from airflow_mlops.core.owners import parse_duration

    until = None
    if args.incidents_command == "snooze":
        until = datetime.now(UTC) + parse_duration(args.for_, where="--for")
    action = {"ack": "ack", "snooze": "snooze", "resolve": "resolve"}[args.incidents_command]
    row = store_for(args).update_incident(
        args.id, action=action, user=user(args), until=until, note=args.note
    )
    print_rows(
        [_incident_row(row, as_json=args.json)],
        as_json=args.json,
        columns=("id", "owner", "status", "acked_by", "snoozed_until", "note"),
    )
    return 0


def _cmd_gate_override(args: argparse.Namespace) -> int:
    row = store_for(args).add_override(
        dag_id=args.dag_id, run_id=args.run_id, task_id=args.task_id, reason=args.reason, user=user(args)
    )
    print(
        f"override #{row.id} recorded for {row.dag_id}.{row.task_id} run {row.run_id} by {row.created_by}: "
        f"{row.reason}\nClear the gate task of that run to re-run it; it will pass as OVERRIDDEN."
    )
    return 0
