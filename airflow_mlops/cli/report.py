"""``airflow-mlops report``: a gate's (or a check task's) report as text, for the terminal at 3 am."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from airflow_mlops.core.numbers import RATE_CHECK_TYPES, expected_text, human, percent
from airflow_mlops.exceptions import InputError

__all__ = ["add_report_parser", "render_report_text"]


def add_report_parser(sub: Any) -> None:
    """Register ``report`` on the CLI's subparsers."""
    parser = sub.add_parser(
        "report",
        help="a gate's report as text: decision, reasons, checks, samples, incident",
        description="The report page in the terminal. Name the run (--run-id) or the DAG and the data's date "
        "(--dag D --date YYYY-MM-DD: the newest run of that logical date, or run_after for manual runs).",
    )
    parser.add_argument("--run-id")
    parser.add_argument("--dag", dest="dag_id")
    parser.add_argument("--date", help="the data's date, YYYY-MM-DD (with --dag)")
    parser.add_argument("--gate", help="the gate (or check) task id; default: the run's gate")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=_cmd_report)


def _pick(store: Any, args: argparse.Namespace) -> Any:
    """The check run the report is about: the gate of the named run (or the named task's)."""
    if args.run_id is None and (args.dag_id is None or args.date is None):
        raise InputError("report needs --run-id, or --dag with --date YYYY-MM-DD.")
    rows = store.check_runs(dag_id=args.dag_id, run_id=args.run_id, limit=1000)
    if args.run_id is None:
        try:
            day = date.fromisoformat(args.date)
        except ValueError:
            raise InputError(f"--date={args.date!r} is not a date; write it as YYYY-MM-DD.") from None
        rows = [
            r
            for r in rows
            if (r.logical_date or r.run_after) and (r.logical_date or r.run_after).date() == day
        ]
    if args.gate is not None:
        rows = [r for r in rows if r.task_id == args.gate]
    gates = [r for r in rows if r.kind == "gate"] or rows
    if not gates:
        what = f"run '{args.run_id}'" if args.run_id else f"DAG '{args.dag_id}' on {args.date}"
        raise InputError(
            f"no airflow-mlops result for {what}{f' and task {args.gate!r}' if args.gate else ''}; "
            "list the runs with `airflow-mlops runs list`."
        )
    return gates[0]  # newest first


def _header(report: dict[str, Any]) -> list[str]:
    from airflow_mlops.core.messages import data_date

    when = data_date(_moment(report.get("logical_date")), _moment(report.get("run_after")))
    lines = [
        f"{report['status']}  {report['dag_id']}.{report['task_id']}  data {when or 'of an unknown date'}",
        f"run {report['run_id']}",
    ]
    if report.get("owner"):
        lines.append(f"owner {report['owner']}")
    incident = report.get("incident") or {}
    if report.get("incident_id"):
        state = f" ({incident['status']}" + (
            f" by {incident['acked_by']}" if incident.get("acked_by") else ""
        )
        state += f': "{incident["note"]}")' if incident.get("note") else ")"
        lines.append(f"incident #{report['incident_id']}" + (state if incident else ""))
    return lines + [f"  - {reason}" for reason in report.get("reasons") or []]


def _baseline_lines(check: dict[str, Any]) -> list[str]:
    """``compared with``: the policy and why, the pin or each baseline run's date, status and rows."""
    baseline = check.get("baseline")
    if not baseline:
        return []
    lines = [f"{check['task_id']} compared with {baseline['policy']} of {baseline['key']}: {baseline['why']}"]
    pin = baseline.get("pin")
    if pin:
        lines.append(
            f"  pinned as '{pin['label']}' by {pin['pinned_by']} at {pin['pinned_at']}: {pin['reason']}"
        )
    for run in baseline.get("runs") or []:
        rows = f", {human(run['row_count'])} rows" if run.get("row_count") is not None else ""
        lines.append(
            f"  {run.get('date') or '?'}  {run.get('run_id') or run.get('source')}  {run['status']}{rows}"
        )
    return lines


def _evidence_lines(r: dict[str, Any]) -> list[str]:
    """The evidence in a few lines: quantiles side by side, the categories that moved, the schema diff."""
    evidence, lines = r.get("evidence") or {}, [f"schema {line}" for line in r.get("schema_diff") or []]
    if evidence.get("kind") == "numeric":
        stats = evidence.get("stats") or {}
        for side in ("baseline", "current"):
            values = stats.get(side) or {}
            shown = ", ".join(
                f"{k} {human(values[k])}" for k in ("min", "p25", "median", "p75", "max") if k in values
            )
            lines.append(f"{side:<9}{shown}")
    elif evidence.get("kind") == "categorical":
        for mover in (evidence.get("movers") or [])[:5]:
            lines.append(f"{mover['category']}: {percent(mover['baseline'])} -> {percent(mover['current'])}")
        for side in ("new", "vanished"):
            names = [str(c["category"]) for c in evidence.get(side) or []]
            if names:
                lines.append(f"{side}: {', '.join(names[:10])}")
    return lines


def _result_lines(task_id: str, r: dict[str, Any]) -> list[str]:
    rate = r.get("check_type") in RATE_CHECK_TYPES
    details = [
        f"observed {_value(r['observed'], rate=rate)}",
        f"expected {expected_text(r)}" if expected_text(r) else "",
        f"baseline {_value(r['baseline'], rate=rate)}" if r["baseline"] is not None else "",
        f"statistic {_value(r['statistic'])}" if r.get("statistic") is not None else "",
        f"sample {_value(r['unexpected_sample'])}" if r.get("unexpected_sample") else "",
        f"engine {r['engine']}" if r.get("engine") else "",
    ]
    lines = [
        f"{r['status']:<11} {task_id} / {r['name']}",
        "            " + "; ".join(d for d in details if d),
    ]
    if r.get("message"):
        lines.append(f"            {r['message']}")
    if r["status"] in ("FAILED", "WARNED", "ERRORED"):
        lines += [f"            {line}" for line in _evidence_lines(r)]
    return lines


def _value(value: Any, limit: int = 60, *, rate: bool = False) -> str:
    text = value if isinstance(value, str) else human(value, rate=rate)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_report_text(report: dict[str, Any]) -> str:
    """The report as plain text: which data, whose it is, what it was compared with, and the checks,
    failing first, with their evidence."""
    lines = _header(report)
    checks = report.get("checks", [])
    for check in checks:
        lines += _baseline_lines(check)
    rank = {"ERRORED": 0, "FAILED": 1, "WARNED": 2}
    results = [(c["task_id"], r) for c in checks for r in c["results"]]
    results.sort(key=lambda item: rank.get(item[1]["status"], 3))
    for task_id, r in results:
        lines += _result_lines(task_id, r)
    return "\n".join(lines)


def _moment(value: Any) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _cmd_report(args: argparse.Namespace) -> int:
    from airflow_mlops.cli._common import store_for
    from airflow_mlops.plugins.queries import task_report

    store = store_for(args)
    head = _pick(store, args)
    report = task_report(head.dag_id, head.run_id, head.task_id, history_runs=0, store=store)
    print(json.dumps(report, indent=2, default=str) if args.json else render_report_text(report))
    return 0
