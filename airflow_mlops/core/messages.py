"""The content of alerts: one subject, one JSON payload, one HTML body (every data value escaped).

Links are checked again here, where they are sent: a report or runbook URL that is not http(s) (say, one
stored before the checks at parse and load time existed) is left out, never sent as a link.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from airflow_mlops.core.results import MAX_LISTED, json_safe
from airflow_mlops.urls import allowed_url

__all__ = ["alert_payload", "alert_subject", "data_date", "render_html", "render_text", "with_allowed_links"]

_TITLES = {
    "new": "FAILED",
    "reminder": "STILL FAILING",
    "escalation": "ESCALATED",
    "resolved": "RESOLVED",
    "digest": "WARNINGS DIGEST",
}


#: At most this many failing checks are named in a subject, then "+N more".
SUBJECT_CHECKS = 3


def alert_subject(
    kind: str,
    *,
    severity: str,
    dag_id: str,
    gate_task_id: str,
    owner: str | None,
    data_date: str | None = None,
    checks: Sequence[str] = (),
) -> str:
    """``[team] FAILED 2026-11-05 dag.gate: ks(flipper_length_mm), row_count``: a mail client tells
    incidents apart by the data's date and the failing checks. Without them (digests):
    ``[team] FAILED: quality gate dag.gate``."""
    title = _TITLES.get(kind, kind.upper())
    if kind in ("new", "reminder") and severity == "warn":
        title = "WARNING" if kind == "new" else "STILL WARNING"
    team = f"[{owner}] " if owner else ""
    if data_date is None and not checks:
        return f"{team}{title}: quality gate {dag_id}.{gate_task_id}"
    named = list(dict.fromkeys(checks))
    listed = ", ".join(named[:SUBJECT_CHECKS]) + (
        f" +{len(named) - SUBJECT_CHECKS} more" if len(named) > SUBJECT_CHECKS else ""
    )
    when = f" {data_date}" if data_date else ""
    return f"{team}{title}{when} {dag_id}.{gate_task_id}" + (f": {listed}" if listed else "")


def data_date(logical_date: datetime | None, run_after: datetime | None) -> str | None:
    """The data's date for people: the logical date, or a manual run's ``run_after`` labelled as such."""
    if logical_date is not None:
        return logical_date.date().isoformat()
    if run_after is not None:
        return f"{run_after.date().isoformat()} (manual run)"
    return None


def alert_payload(
    *,
    kind: str,
    incident_id: int | None,
    owner: str | None,
    team_name: str | None,
    dag_id: str,
    gate_task_id: str,
    run_id: str,
    severity: str,
    failing: Sequence[Mapping[str, Any]],
    first_seen: str | None,
    count: int,
    report_url: str | None,
    runbook_url: str | None,
) -> dict[str, Any]:
    """The JSON every channel receives (webhooks get it as is)."""
    return json_safe(
        {
            "kind": kind,
            "incident_id": incident_id,
            "owner": owner,
            "team": team_name or owner,
            "dag_id": dag_id,
            "gate_task_id": gate_task_id,
            "run_id": run_id,
            "severity": severity,
            "failing_checks": [
                {
                    "task_id": f.get("task_id"),
                    "check": f.get("check"),
                    "status": f.get("status"),
                    "observed": f.get("observed"),
                    "expected": f.get("expected"),
                    "baseline": f.get("baseline"),
                    "message": f.get("message"),
                }
                for f in list(failing)[:MAX_LISTED]
            ],
            "more_failing_checks": max(0, len(failing) - MAX_LISTED),
            "first_seen": first_seen,
            "count": count,
            "report_url": allowed_url(report_url),
            "runbook_url": allowed_url(runbook_url),
        },
        max_str=300,
    )


def with_allowed_links(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` with every top-level ``*_url`` that is not an http(s) URL set to None: what a channel
    is given at delivery, whenever the payload was queued."""
    return {k: allowed_url(v) if str(k).endswith("_url") else v for k, v in payload.items()}


def _value(value: Any) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)[:200]


def render_text(payload: Mapping[str, Any]) -> str:
    lines = [
        f"Owner: {payload.get('team')} ({payload.get('owner')})",
        f"DAG: {payload.get('dag_id')}  gate: {payload.get('gate_task_id')}  run: {payload.get('run_id')}",
        f"Incident #{payload.get('incident_id')}: first seen {payload.get('first_seen')}, seen {payload.get('count')} time(s)",
    ]
    for f in payload.get("failing_checks", []):
        lines.append(
            f"- {f.get('task_id')} / {f.get('check')}: {f.get('status')} observed={_value(f.get('observed'))} "
            f"expected={_value(f.get('expected'))} baseline={_value(f.get('baseline'))}"
        )
    if payload.get("more_failing_checks"):
        lines.append(f"... and {payload['more_failing_checks']} more")
    lines.append(f"Report: {allowed_url(payload.get('report_url')) or 'n/a'}")
    lines.append(f"Runbook: {allowed_url(payload.get('runbook_url')) or 'n/a'}")
    return "\n".join(lines)


def render_html(payload: Mapping[str, Any]) -> str:
    """HTML for e-mail. Every value drawn from data or configuration is escaped."""
    e = html.escape
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{e(_value(f.get(k)))}</td>"
            for k in ("task_id", "check", "status", "observed", "expected", "baseline")
        )
        + "</tr>"
        for f in payload.get("failing_checks", [])
    )
    link = allowed_url(payload.get("report_url"))
    runbook = allowed_url(payload.get("runbook_url"))
    return (
        f"<p><b>Owner:</b> {e(str(payload.get('team')))} ({e(str(payload.get('owner')))})<br>"
        f"<b>DAG:</b> {e(str(payload.get('dag_id')))} &middot; <b>gate:</b> {e(str(payload.get('gate_task_id')))}"
        f" &middot; <b>run:</b> {e(str(payload.get('run_id')))}<br>"
        f"<b>Incident</b> #{e(str(payload.get('incident_id')))}: first seen {e(str(payload.get('first_seen')))},"
        f" seen {e(str(payload.get('count')))} time(s)</p>"
        "<table border='1' cellpadding='4' cellspacing='0'><tr><th>task</th><th>check</th><th>status</th>"
        f"<th>observed</th><th>expected</th><th>baseline</th></tr>{rows}</table>"
        + (f"<p><a href='{e(link, quote=True)}'>Gate report</a></p>" if link else "")
        + (f"<p><a href='{e(runbook, quote=True)}'>Runbook</a></p>" if runbook else "")
    )
