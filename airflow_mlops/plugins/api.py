"""The airflow-mlops FastAPI app, mounted by the plugin under ``/mlops``.

Airflow does not protect plugin routes: every route here depends on Airflow's authenticated user
(``GetUserDep``), reads are limited to the DAGs the user may read, and writes need edit permission on
the incident's DAG and record the user. Pages are server-rendered with every data-derived value escaped.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_dag
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

__all__ = ["create_app"]

API = "/api/v1"
GATE_STATUSES = ("PASSED", "WARNED", "FAILED", "ERRORED", "OVERRIDDEN")


def _store() -> Any:
    from airflow_mlops.config import get_store

    return get_store()


def _readable_dag_ids(user: Any) -> set[str]:
    from airflow.api_fastapi.app import get_auth_manager

    return set(get_auth_manager().get_authorized_dag_ids(user=user, method="GET"))


def _require_edit(user: Any, dag_id: str) -> None:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

    if not get_auth_manager().is_authorized_dag(method="PUT", details=DagDetails(id=dag_id), user=user):
        raise HTTPException(status_code=403, detail=f"you may not edit DAG {dag_id!r}")


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def _gate_json(row: Any) -> dict[str, Any]:
    summary = row.summary or {}
    return {
        "dag_id": row.dag_id,
        "task_id": row.task_id,
        "run_id": row.run_id,
        "status": row.status,
        "owner": row.owner,
        "message": row.message,
        "decided_at": _iso(row.finished_at),
        "incident_id": summary.get("incident_id"),
        "report": f"/mlops/report/{quote(row.dag_id, safe='')}/{quote(row.run_id, safe='')}/{quote(row.task_id, safe='')}",
    }


def _result_json(r: Any) -> dict[str, Any]:
    return {
        "name": r.name,
        "check_type": r.check_type,
        "column": r.column_name,
        "status": r.status,
        "severity": r.severity,
        "observed": r.observed,
        "expected": r.expected,
        "baseline": r.baseline,
        "statistic": r.statistic,
        "threshold": r.threshold,
        "message": r.message,
        "unexpected_sample": (r.details or {}).get("partial_unexpected_list")
        if isinstance(r.details, dict)
        else None,
    }


def _incident_json(i: Any) -> dict[str, Any]:
    return {
        "id": i.id,
        "dag_id": i.dag_id,
        "gate_task_id": i.gate_task_id,
        "owner": i.owner,
        "status": i.status,
        "severity": i.severity,
        "failing_checks": i.failing_checks,
        "count": i.count,
        "first_seen": _iso(i.first_seen),
        "last_seen": _iso(i.last_seen),
        "last_run_id": i.last_run_id,
        "runbook_url": i.runbook_url,
        "acked_by": i.acked_by,
        "snoozed_until": _iso(i.snoozed_until),
    }


def gate_report(dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
    store = _store()
    gate = store.latest_check_run(dag_id=dag_id, task_id=task_id, run_id=run_id)
    if gate is None or gate.kind != "gate":
        raise HTTPException(
            status_code=404, detail=f"no gate decision for {dag_id}.{task_id} in run {run_id}"
        )
    summary = gate.summary or {}
    checks = []
    # "upstream" holds labels; a mapped check appears once per map index ("validate[3]"), its task once here
    upstream_tasks = dict.fromkeys(label.split("[")[0] for label in summary.get("upstream") or [])
    for upstream_task in upstream_tasks:
        for row in store.latest_task_runs(dag_id=dag_id, run_id=run_id, task_id=upstream_task):
            checks.append(
                {
                    "task_id": row.task_id,
                    "map_index": row.map_index,
                    "kind": row.kind,
                    "status": row.status,
                    "message": row.message,
                    "data_source": row.data_source,
                    "results": [_result_json(r) for r in row.results],
                }
            )
    overrides = [
        {"by": o.created_by, "reason": o.reason, "at": _iso(o.created_at), "active": o.active}
        for o in store.overrides(dag_id=dag_id, run_id=run_id)
        if o.task_id == task_id
    ]
    return {
        **_gate_json(gate),
        "decision": summary.get("decision"),
        "reasons": summary.get("reasons") or [],
        "runbook_url": summary.get("runbook_url"),
        "checks": checks,
        "overrides": overrides,
    }


class SnoozeBody(BaseModel):
    duration: str = Field(max_length=16, description="e.g. 30m, 4h, 1d")
    note: str | None = Field(default=None, max_length=2000)


class NoteBody(BaseModel):
    note: str | None = Field(default=None, max_length=2000)


def _router() -> APIRouter:
    router = APIRouter()

    @router.get(f"{API}/gates", summary="Latest decision of every gate the user may read, failing first")
    def list_gates(
        user: GetUserDep,
        owner: str | None = None,
        dag_id: str | None = None,
        status: str | None = Query(default=None, pattern="^(PASSED|WARNED|FAILED|ERRORED|OVERRIDDEN)$"),
        limit: int = Query(default=50, ge=1, le=500),
        offset: int = Query(default=0, ge=0),
    ) -> dict[str, Any]:
        readable = _readable_dag_ids(user)
        if dag_id is not None:
            readable &= {dag_id}
        rows, counts = _store().latest_gate_decisions(
            dag_ids=readable, owner=owner, status=status, limit=limit, offset=offset
        )
        return {"gates": [_gate_json(r) for r in rows], "counts": counts, "limit": limit, "offset": offset}

    @router.get(
        f"{API}/reports/{{dag_id}}/{{run_id}}/{{task_id}}",
        dependencies=[Depends(requires_access_dag("GET"))],
        summary="A gate's decision, its upstream checks with observed vs expected/baseline, and overrides",
    )
    def get_report(dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        return gate_report(dag_id, run_id, task_id)

    @router.get(f"{API}/incidents", summary="Open incidents of the DAGs the user may read")
    def list_incidents(
        user: GetUserDep, owner: str | None = None, limit: int = Query(default=100, ge=1, le=1000)
    ) -> dict[str, Any]:
        rows = _store().incidents(owner=owner, dag_ids=_readable_dag_ids(user), limit=limit)
        return {"incidents": [_incident_json(i) for i in rows]}

    def _act(
        user: Any, incident_id: int, action: str, *, until: datetime | None, note: str | None
    ) -> dict[str, Any]:
        from airflow_mlops.exceptions import InputError

        store = _store()
        incident = store.incident(incident_id)
        if incident is None or incident.dag_id not in _readable_dag_ids(user):
            raise HTTPException(status_code=404, detail=f"incident {incident_id} does not exist")
        _require_edit(user, incident.dag_id)
        try:
            row = store.update_incident(
                incident_id, action=action, user=user.get_name(), until=until, note=note
            )
        except InputError as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from None
        return _incident_json(row)

    @router.post(f"{API}/incidents/{{incident_id}}/ack", summary="Acknowledge: repeats stay quiet")
    def ack(incident_id: int, user: GetUserDep, body: NoteBody | None = None) -> dict[str, Any]:
        return _act(user, incident_id, "ack", until=None, note=body.note if body else None)

    @router.post(f"{API}/incidents/{{incident_id}}/resolve", summary="Resolve the incident")
    def resolve(incident_id: int, user: GetUserDep, body: NoteBody | None = None) -> dict[str, Any]:
        return _act(user, incident_id, "resolve", until=None, note=body.note if body else None)

    @router.post(f"{API}/incidents/{{incident_id}}/snooze", summary="Snooze for a duration")
    def snooze(incident_id: int, user: GetUserDep, body: SnoozeBody) -> dict[str, Any]:
        from airflow_mlops.core.owners import OwnersError, parse_duration

        try:
            until = datetime.now(UTC) + parse_duration(body.duration, where="duration")
        except OwnersError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return _act(user, incident_id, "snooze", until=until, note=body.note)

    @router.get(
        "/report/{dag_id}/{run_id}/{task_id}",
        response_class=HTMLResponse,
        dependencies=[Depends(requires_access_dag("GET"))],
        include_in_schema=False,
    )
    def report_page(dag_id: str, run_id: str, task_id: str) -> str:
        return render_report(gate_report(dag_id, run_id, task_id))

    return router


_CSS = """
body{font-family:Inter,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1a202c;background:#fff}
@media (prefers-color-scheme: dark){body{color:#e2e8f0;background:#1a202c} td,th{border-color:#4a5568!important}}
h1{font-size:20px;font-weight:600} h2{font-size:16px;font-weight:600;margin-top:24px}
table{border-collapse:collapse;font-size:13px;width:100%} td,th{border-bottom:1px solid #e2e8f0;padding:6px 8px;text-align:left;vertical-align:top}
.badge{display:inline-block;border-radius:4px;padding:1px 8px;font-size:12px;font-weight:600;color:#fff}
.PASSED{background:#38a169}.WARNED{background:#d69e2e}.FAILED,.ERRORED{background:#e53e3e}.OVERRIDDEN{background:#805ad5}
.INFO,.NO_BASELINE{background:#718096} code{font-size:12px}
"""


_BADGE_CLASSES = {*GATE_STATUSES, "INFO", "NO_BASELINE"}


def _badge(status: Any) -> str:
    text = html.escape(str(status))
    css = str(status) if str(status) in _BADGE_CLASSES else ""
    return f'<span class="badge {css}">{text}</span>'


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return f"<code>{html.escape(value if isinstance(value, str) else repr(value))[:500]}</code>"


def render_report(report: dict[str, Any]) -> str:
    e = html.escape
    reasons = (
        "".join(f"<li>{e(str(r))}</li>" for r in report["reasons"]) or "<li>all upstream checks passed</li>"
    )
    rows = []
    for check in report["checks"]:
        for r in check["results"]:
            rows.append(
                "<tr>"
                f"<td>{e(check['task_id'])}</td><td>{e(r['name'])}</td><td>{_badge(r['status'])}</td>"
                f"<td>{_cell(r['observed'])}</td><td>{_cell(r['expected'] if r['expected'] is not None else r['threshold'])}</td>"
                f"<td>{_cell(r['baseline'])}</td><td>{_cell(r['unexpected_sample'])}</td>"
                "</tr>"
            )
    overrides = (
        "".join(
            f"<li>{e(str(o['by']))} at {e(str(o['at']))}: {e(str(o['reason']))}</li>"
            for o in report["overrides"]
        )
        or "<li>none</li>"
    )
    runbook = report.get("runbook_url")
    runbook_link = f'<p><a href="{e(runbook, quote=True)}" rel="noopener">Runbook</a></p>' if runbook else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Gate {e(report['dag_id'])}.{e(report['task_id'])}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>Quality gate {e(report['dag_id'])}.{e(report['task_id'])} {_badge(report['status'])}</h1>"
        f"<p>Run <code>{e(report['run_id'])}</code> · owner <b>{e(str(report['owner']))}</b>"
        + (f" · incident #{e(str(report['incident_id']))}" if report.get("incident_id") else "")
        + f"</p>{runbook_link}<h2>Why</h2><ul>{reasons}</ul>"
        "<h2>Checks</h2><table><tr><th>task</th><th>check</th><th>status</th><th>observed</th>"
        f"<th>expected</th><th>baseline</th><th>unexpected sample</th></tr>{''.join(rows)}</table>"
        f"<h2>Overrides</h2><ul>{overrides}</ul></body></html>"
    )


def create_app() -> FastAPI:
    app = FastAPI(
        title="airflow-mlops",
        version="1",
        description="Quality gates, checks and incidents recorded by airflow-mlops.",
    )
    app.include_router(_router())
    return app
