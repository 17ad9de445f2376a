"""The airflow-mlops FastAPI app, mounted by the plugin under ``/mlops``.

Airflow does not protect plugin routes: every route here depends on Airflow's authenticated user
(``GetUserDep``, a bearer token or the UI's session cookie); reads are limited to the DAGs the user may
read (team-aware: Airflow's auth manager decides, also for a DAG Airflow no longer knows, see
:mod:`airflow_mlops.plugins.authz`); writes need edit permission on the DAG concerned, must send a JSON
body (a cross-site form cannot: the CSRF defence), and are audit events with the user's name. Pages are
server-rendered (:mod:`airflow_mlops.plugins.pages`) with every data-derived value escaped, and served
with a Content-Security-Policy (:mod:`airflow_mlops.plugins.security`); a URL drawn from data is returned
only when it is http(s). Every request is bounded, and a bad input is a 4xx naming it
(:mod:`airflow_mlops.plugins.limits`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from airflow_mlops.plugins import authz, limits, pages, security
from airflow_mlops.plugins.limits import Id, Offset, json_body
from airflow_mlops.urls import allowed_url, report_path

__all__ = ["create_app"]

API = "/api/v1"
STATUS_PATTERN = "^(" + "|".join(pages.GATE_STATUSES) + ")$"
STATUS_OR_EMPTY = "^(|" + "|".join(pages.GATE_STATUSES) + ")$"  # a page's filter form sends "" for any
HISTORY_RUNS = 30
REPORT_PAGE = 200  # results per report page
ReportLimit = Annotated[int, Query(ge=1, le=1000, description="results per page")]


def _store() -> Any:
    from airflow_mlops.config import get_store

    return get_store()


def _auth_manager() -> Any:
    from airflow.api_fastapi.app import get_auth_manager

    return get_auth_manager()


def _readable_dag_ids(user: Any) -> set[str]:
    return set(_auth_manager().get_authorized_dag_ids(user=user, method="GET"))


def _require_edit(user: Any, dag_id: str) -> None:
    if dag_id not in authz.authorized_dag_ids(user, {dag_id}, "PUT"):
        raise HTTPException(status_code=403, detail=f"you may not edit DAG {dag_id!r}")


def _json_writer(request: Request, user: GetUserDep) -> Any:
    """The user of a mutation, which must carry a JSON body: an HTML form from another site cannot."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HTTPException(
            status_code=415, detail="send the request body as JSON (Content-Type: application/json)"
        )
    return user


WriterDep = Annotated[Any, Depends(_json_writer)]


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
        "logical_date": _iso(row.logical_date),
        "run_after": _iso(row.run_after),
        "incident_id": summary.get("incident_id"),
        "report": report_path(row.dag_id, row.run_id, row.task_id),
    }


def _run_json(row: Any) -> dict[str, Any]:
    return {
        "dag_id": row.dag_id,
        "task_id": row.task_id,
        "run_id": row.run_id,
        "map_index": row.map_index,
        "kind": row.kind,
        "status": row.status,
        "message": row.message,
        "finished_at": _iso(row.finished_at),
    }


def _result_json(r: Any) -> dict[str, Any]:
    details = r.details if isinstance(r.details, dict) else {}
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
        "band": details.get("band"),
        "message": r.message,
        "unexpected_sample": details.get("sample_unexpected", details.get("partial_unexpected_list")),
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
        "runbook_url": allowed_url(i.runbook_url),
        "acked_by": i.acked_by,
        "snoozed_until": _iso(i.snoozed_until),
        "resolved_by": i.resolved_by,
    }


def _check_json(store: Any, row: Any, page: list[Any], total: int, history_runs: int) -> dict[str, Any]:
    """A check run with the results ``page`` (of its ``total``), each charted one with its history."""
    results = [_result_json(r) for r in page]
    charted = [r["name"] for r in results if r["statistic"] is not None or r["band"]]
    if charted and history_runs > 0:
        series: dict[str, list[dict[str, Any]]] = {}
        for run, result in store.check_history(
            dag_id=row.dag_id, task_id=row.task_id, map_index=row.map_index, names=charted,
            up_to_id=row.id, runs=history_runs,
        ):  # fmt: skip
            point = _result_json(result)
            series.setdefault(result.name, []).append(
                {"run_id": run.run_id, "finished_at": _iso(run.finished_at)}
                | {k: point[k] for k in ("status", "observed", "baseline", "statistic", "threshold", "band")}
            )
        for r in results:
            r["history"] = series.get(r["name"], [])
    return {
        "task_id": row.task_id,
        "map_index": row.map_index,
        "kind": row.kind,
        "status": row.status,
        "message": row.message,
        "data_source": row.data_source,
        "results_total": total,
        "results": results,
        "baseline_key": row.baseline_key,
    }


def _checks_page(
    store: Any, rows: list[Any], *, history_runs: int, offset: int, limit: int
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Every check run of ``rows`` with its share of the report's results ``offset`` to
    ``offset + limit`` (results counted check after check, in order), and the page's place."""
    counts = store.result_counts([row.id for row in rows])
    checks, start = [], 0  # start: the index in the report of this run's first result
    for row in rows:
        total = counts.get(row.id, 0)
        low, high = max(offset, start), min(offset + limit, start + total)
        page = store.check_results(row.id, offset=low - start, limit=high - low) if high > low else []
        checks.append(_check_json(store, row, page, total, history_runs))
        start += total
    return checks, {"offset": offset, "limit": limit, "total": start}


def task_report(
    dag_id: str,
    run_id: str,
    task_id: str,
    *,
    history_runs: int = HISTORY_RUNS,
    offset: int = 0,
    limit: int = REPORT_PAGE,
    store: Any = None,
) -> dict[str, Any]:
    """A gate's decision with its upstream checks, or a check task's own results, one page of ``limit``
    results from ``offset`` (``results_page``); with each compared check's history over the task's last
    ``history_runs`` runs. ``store``: the configured one unless given (the CLI's ``--url``)."""
    store = store if store is not None else _store()
    rows = store.latest_task_runs(dag_id=dag_id, run_id=run_id, task_id=task_id, with_results=False)
    if not rows:
        raise HTTPException(
            status_code=404,
            detail=f"no airflow-mlops result for {dag_id}.{task_id} in run {run_id} (not a check or gate "
            "task, or it has not run yet)",
        )
    head = rows[0]
    summary = head.summary or {}
    report: dict[str, Any] = {
        **_gate_json(head),
        "kind": head.kind,
        "data_source": head.data_source,
        "decision": summary.get("decision"),
        "reasons": summary.get("reasons") or [],
        "runbook_url": allowed_url(summary.get("runbook_url")),
        "overrides": [],
        "team": head.team,
    }
    page = {"history_runs": history_runs, "offset": offset, "limit": limit}
    if head.kind != "gate":
        report["checks"], report["results_page"] = _checks_page(store, rows, **page)
        owners = store.baseline_key_owners({row.baseline_key for row in rows if row.baseline_key})
        keys = sorted(key for key, owner in owners.items() if owner.may_write(dag_id))  # its own or shared
        report["audit"] = [
            e.summary() for key in keys for e in store.audit_events(baseline_key=key, limit=50)
        ]
        return report
    # "upstream" holds labels; a mapped check appears once per map index ("validate[3]"), its task once here
    upstream_tasks = dict.fromkeys(label.split("[")[0] for label in summary.get("upstream") or [])
    upstream = [
        row
        for upstream_task in upstream_tasks
        for row in store.latest_task_runs(
            dag_id=dag_id, run_id=run_id, task_id=upstream_task, with_results=False
        )
    ]
    report["checks"], report["results_page"] = _checks_page(store, upstream, **page)
    report["overrides"] = [
        {"by": o.created_by, "reason": o.reason, "at": _iso(o.created_at), "active": o.active}
        for o in store.overrides(dag_id=dag_id, run_id=run_id)
        if o.task_id == task_id
    ]
    report["audit"] = [
        e.summary()
        for e in store.report_audit(
            dag_id=dag_id, run_id=run_id, task_id=task_id, incident_id=summary.get("incident_id")
        )
    ]
    return report


def authorized_report(
    user: Any,
    dag_id: str,
    run_id: str,
    task_id: str,
    *,
    history_runs: int,
    offset: int = 0,
    limit: int = REPORT_PAGE,
) -> dict[str, Any]:
    """:func:`task_report`, held to the team recorded with the report's rows as well as to its DAG's."""
    report = task_report(dag_id, run_id, task_id, history_runs=history_runs, offset=offset, limit=limit)
    authz.require_recorded_team(user, dag_id, report["team"])
    return report


def _with_audit(incidents: list[dict[str, Any]], per_incident: int = 20) -> list[dict[str, Any]]:
    """The incidents, each with its audit trail (newest first, at most ``per_incident`` events)."""
    ids = [i["id"] for i in incidents]
    trails: dict[int, list[dict[str, Any]]] = {}
    for event in _store().audit_events(incident_ids=ids, limit=per_incident * len(ids)) if ids else []:
        trail = trails.setdefault(int(event.incident_id), [])
        if len(trail) < per_incident:
            trail.append(event.summary())
    return [{**i, "audit": trails.get(i["id"], [])} for i in incidents]


def _root(request: Request) -> str:
    """Where the app is mounted (``/mlops``, behind any base URL): page links are built from it."""
    return str(request.scope.get("root_path", "")).rstrip("/")


BacktestKey = Annotated[str, Query(min_length=1, max_length=500)]
Threshold = Annotated[float | None, Query(ge=0, le=1e9)]
Seasonality = Annotated[Literal["none", "day_of_week", "hour_of_day", "day_of_month", "auto"], Query()]
Direction = Annotated[Literal["both", "up", "down"], Query()]
LastDays = Annotated[int, Query(ge=1, le=3650)]


def backtest_query(
    key: BacktestKey,
    check: BacktestKey,
    warn: Threshold = None,
    fail: Threshold = None,
    band: bool = False,
    seasonality: Seasonality = "none",
    direction: Direction = "both",
    last_days: LastDays = 90,
) -> dict[str, Any]:
    """The backtest's query parameters (the JSON route and the page share them)."""
    return {
        "key": key, "check": check, "warn": warn, "fail": fail, "band": band, "seasonality": seasonality,
        "direction": direction, "last_days": last_days,
    }  # fmt: skip


BacktestQueryDep = Annotated[dict[str, Any], Depends(backtest_query)]


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class SnoozeBody(NoteBody):
    duration: str = Field(max_length=16, description="e.g. 30m, 4h, 1d")


class PinBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=500)
    label: str = Field(default="default", min_length=1, max_length=100)
    run_id: str | None = Field(default=None, max_length=250, description="empty: the latest profile")
    reason: str = Field(min_length=1, max_length=2000)


class ExcludeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=500)
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(min_length=1, max_length=2000)


class ExpectedBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=500)
    run_id: str = Field(min_length=1, max_length=250)
    reason: str = Field(min_length=1, max_length=2000)


class UnpinBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=500)
    label: str = Field(default="default", min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)


class OverrideBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dag_id: str = Field(min_length=1, max_length=250)
    run_id: str = Field(min_length=1, max_length=250)
    task_id: str = Field(min_length=1, max_length=250)
    reason: str = Field(min_length=1, max_length=2000)


def _input_error() -> type[Exception]:
    from airflow_mlops.exceptions import InputError

    return InputError


def _router() -> APIRouter:
    router = APIRouter()

    # -- JSON API ------------------------------------------------------------------------------------
    def gates_listing(
        user: Any, owner: str | None, dag_id: str | None, status: str | None, limit: int, offset: int
    ) -> dict[str, Any]:
        readable = _readable_dag_ids(user)
        if dag_id is not None:
            readable &= {dag_id}
        rows, counts = _store().latest_gate_decisions(
            dag_ids=readable, owner=owner, status=status, limit=limit, offset=offset
        )
        return {"gates": [_gate_json(r) for r in rows], "counts": counts, "limit": limit, "offset": offset}

    @router.get(f"{API}/gates", summary="Latest decision of every gate the user may read, failing first")
    def list_gates(
        user: GetUserDep,
        owner: str | None = None,
        dag_id: str | None = None,
        status: str | None = Query(default=None, pattern=STATUS_PATTERN),
        limit: int = Query(default=50, ge=1, le=500),
        offset: Offset = 0,
    ) -> dict[str, Any]:
        return gates_listing(user, owner, dag_id, status, limit, offset)

    @router.get(
        f"{API}/reports/{{dag_id}}/{{run_id}}/{{task_id}}",
        dependencies=[Depends(authz.require_dag("GET"))],
        summary="A gate's decision and upstream checks, or a check task's results, with history",
    )
    def get_report(
        dag_id: str,
        run_id: str,
        task_id: str,
        user: GetUserDep,
        history: int = Query(default=HISTORY_RUNS, ge=0, le=200),
        offset: Offset = 0,
        limit: ReportLimit = REPORT_PAGE,
    ) -> dict[str, Any]:
        return authorized_report(
            user, dag_id, run_id, task_id, history_runs=history, offset=offset, limit=limit
        )

    def open_incidents(user: Any, owner: str | None, dag_id: str | None, limit: int) -> list[dict[str, Any]]:
        readable = _readable_dag_ids(user)
        if dag_id is not None:
            readable &= {dag_id}
        rows = _store().incidents(owner=owner, dag_ids=readable, limit=limit)
        return [_incident_json(i) for i in rows]

    @router.get(f"{API}/incidents", summary="Open incidents of the DAGs the user may read")
    def list_incidents(
        user: GetUserDep,
        owner: str | None = None,
        dag_id: str | None = None,
        limit: int = Query(default=100, ge=1, le=1000),
    ) -> dict[str, Any]:
        return {"incidents": open_incidents(user, owner, dag_id, limit)}

    def _act(
        user: Any, incident_id: int, action: str, *, until: datetime | None, note: str | None
    ) -> dict[str, Any]:
        store = _store()
        incident = store.incident(incident_id)
        if incident is None or incident.dag_id not in _readable_dag_ids(user):
            raise HTTPException(status_code=404, detail=f"incident {incident_id} does not exist")
        _require_edit(user, incident.dag_id)
        try:
            row = store.update_incident(
                incident_id, action=action, user=user.get_name(), until=until, note=note
            )
        except _input_error() as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from None
        return _incident_json(row)

    @router.post(f"{API}/incidents/{{incident_id}}/ack", summary="Acknowledge: repeats stay quiet")
    def ack(
        incident_id: Id, user: WriterDep, body: Annotated[NoteBody, json_body(NoteBody)]
    ) -> dict[str, Any]:
        return _act(user, incident_id, "ack", until=None, note=body.note)

    @router.post(f"{API}/incidents/{{incident_id}}/resolve", summary="Resolve the incident")
    def resolve(
        incident_id: Id, user: WriterDep, body: Annotated[NoteBody, json_body(NoteBody)]
    ) -> dict[str, Any]:
        return _act(user, incident_id, "resolve", until=None, note=body.note)

    @router.post(f"{API}/incidents/{{incident_id}}/snooze", summary="Snooze for a duration")
    def snooze(
        incident_id: Id, user: WriterDep, body: Annotated[SnoozeBody, json_body(SnoozeBody)]
    ) -> dict[str, Any]:
        from airflow_mlops.core.owners import OwnersError, parse_duration

        try:
            until = datetime.now(UTC) + parse_duration(body.duration, where="duration")
        except OwnersError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        return _act(user, incident_id, "snooze", until=until, note=body.note)

    def baselines_listing(user: Any) -> dict[str, Any]:
        store = _store()
        readable = _readable_dag_ids(user)
        keys = store.baseline_keys(dag_ids=readable)
        owners = {
            key: row.owner_dag_id
            for key, row in store.baseline_key_owners({k["baseline_key"] for k in keys}).items()
        }
        # a key's pins are its owner's: listed to those who may read the owner DAG
        names = {k["baseline_key"] for k in keys if owners.get(k["baseline_key"], k["dag_id"]) in readable}
        return {
            "keys": [
                {
                    "key": k["baseline_key"],
                    "dag_id": k["dag_id"],
                    "owner": owners.get(k["baseline_key"]) if k["baseline_key"] in names else None,
                    "kind": k["kind"],
                    "profiles": k["profiles"],
                    "latest": _iso(k["latest"]),
                }
                for k in keys
            ],  # fmt: skip
            "pins": [p.summary() for p in store.pins() if p.baseline_key in names],
        }

    @router.get(f"{API}/baselines", summary="Baseline keys of the DAGs the user may read, with active pins")
    def list_baselines(user: GetUserDep) -> dict[str, Any]:
        return baselines_listing(user)

    def _key_readers(user: Any, key: str) -> tuple[Any, set[str]]:
        """A key's owner row and the DAGs that wrote it (or own it) the user may read: 404 when none."""
        store = _store()
        owner = store.baseline_key_owner(key)
        dag_ids = store.key_dag_ids(key) | ({owner.owner_dag_id} if owner is not None else set())
        readable = authz.authorized_dag_ids(user, dag_ids, "GET")
        if not readable:
            raise HTTPException(status_code=404, detail=f"baseline key {key!r} does not exist")
        return owner, readable

    def _key_dags(user: Any, key: str) -> str:
        """The owner DAG of a key the user may pin and unpin: 404 when the user may read none of the DAGs
        that wrote it (nor its owner), 403 when they may not edit the owner."""
        owner, readable = _key_readers(user, key)
        if owner is None:
            raise HTTPException(status_code=404, detail=f"baseline key {key!r} does not exist")
        if owner.owner_dag_id not in authz.authorized_dag_ids(user, {owner.owner_dag_id}, "PUT"):
            whose = f"DAG {owner.owner_dag_id!r}, which" if owner.owner_dag_id in readable else "a DAG"
            raise HTTPException(
                status_code=403, detail=f"baseline key {key!r} belongs to {whose} you may not edit"
            )
        return str(owner.owner_dag_id)

    @router.post(f"{API}/baselines/pin", summary="Pin a run's profile (default: the latest) under a label")
    def pin(user: WriterDep, body: Annotated[PinBody, json_body(PinBody)]) -> dict[str, Any]:
        _key_dags(user, body.key)
        try:
            row = _store().pin(
                key=body.key, label=body.label, user=user.get_name(), reason=body.reason,
                run_id=body.run_id or None, latest=not body.run_id,
            )  # fmt: skip
        except _input_error() as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from None
        return row.summary()

    @router.post(f"{API}/baselines/unpin", summary="Retire a label's active pin")
    def unpin(user: WriterDep, body: Annotated[UnpinBody, json_body(UnpinBody)]) -> dict[str, Any]:
        _key_dags(user, body.key)
        try:
            row = _store().unpin(key=body.key, label=body.label, user=user.get_name(), reason=body.reason)
        except _input_error() as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from None
        return row.summary()

    @router.post(f"{API}/baselines/exclude", summary="Keep a window's runs out of the key's learned bands")
    def exclude(user: WriterDep, body: Annotated[ExcludeBody, json_body(ExcludeBody)]) -> dict[str, Any]:
        _key_dags(user, body.key)
        try:
            _store().exclude_from_training(
                key=body.key,
                starts_at=body.starts_at,
                ends_at=body.ends_at,
                reason=body.reason,
                user=user.get_name(),
            )
        except _input_error() as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from None
        return {"key": body.key, "excluded": [_iso(body.starts_at), _iso(body.ends_at)]}

    @router.post(
        f"{API}/baselines/expected", summary="A flagged run was expected: it trains the learned bands"
    )
    def expected(user: WriterDep, body: Annotated[ExpectedBody, json_body(ExpectedBody)]) -> dict[str, Any]:
        _key_dags(user, body.key)
        try:
            _store().mark_expected(key=body.key, run_id=body.run_id, reason=body.reason, user=user.get_name())
        except _input_error() as exc:
            raise HTTPException(status_code=409, detail=str(exc)) from None
        return {"key": body.key, "expected": body.run_id}

    def backtest_report(
        user: Any, *, key: str, check: str, last_days: int, **settings: Any
    ) -> dict[str, Any]:
        """A check's recorded results of a key replayed under ``settings``: 404 unless the user may read
        a DAG that wrote the key, 422 for bad settings."""
        from airflow_mlops.core.backtest import backtest, recorded_days

        _key_readers(user, key)
        store = _store()
        since = datetime.now(UTC) - timedelta(days=last_days)
        rows = store.check_series(key=key, name=check, since=since)
        if not rows:
            raise HTTPException(
                status_code=404,
                detail=f"no recorded results of check {check!r} for key {key!r} in {last_days} days",
            )
        try:
            return {"key": key, "check": check, **backtest(recorded_days(rows), **settings)}
        except _input_error() as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None

    @router.get(
        f"{API}/backtest", summary="Replay a check's recorded results under other thresholds or a band"
    )
    def backtest_api(user: GetUserDep, query: BacktestQueryDep) -> dict[str, Any]:
        return backtest_report(user, **query)

    @router.get("/backtest", response_class=HTMLResponse, include_in_schema=False)
    def backtest_page(request: Request, user: GetUserDep, query: BacktestQueryDep) -> str:
        try:
            result = backtest_report(user, **query)
        except HTTPException as exc:
            if exc.status_code == 404 and "does not exist" in str(exc.detail):
                raise
            return pages.render_backtest(_root(request), query, None, str(exc.detail))
        return pages.render_backtest(_root(request), query, result, "")

    @router.get(f"{API}/audit", summary="Audit events of the DAGs the user may read (who, when, what, why)")
    def list_audit(
        user: GetUserDep, dag_id: str | None = None, limit: int = Query(default=100, ge=1, le=1000)
    ) -> dict[str, Any]:
        dag_ids = authz.authorized_dag_ids(user, {dag_id}) if dag_id is not None else _readable_dag_ids(user)
        return {"events": [e.summary() for e in _store().audit_events(dag_ids=dag_ids, limit=limit)]}

    @router.post(
        f"{API}/overrides", summary="Override a gate's decision (takes effect when the gate re-runs)"
    )
    def override(user: WriterDep, body: Annotated[OverrideBody, json_body(OverrideBody)]) -> dict[str, Any]:
        if body.dag_id not in _readable_dag_ids(user):
            raise HTTPException(status_code=404, detail=f"no gate decision for {body.dag_id}.{body.task_id}")
        _require_edit(user, body.dag_id)
        store = _store()
        gate = store.latest_check_run(dag_id=body.dag_id, task_id=body.task_id, run_id=body.run_id)
        if gate is None or gate.kind != "gate":
            raise HTTPException(
                status_code=404,
                detail=f"no gate decision for {body.dag_id}.{body.task_id} in run {body.run_id}",
            )
        row = store.add_override(
            dag_id=body.dag_id,
            run_id=body.run_id,
            task_id=body.task_id,
            reason=body.reason,
            user=user.get_name(),
        )
        return {"id": row.id, "by": row.created_by, "reason": row.reason, "at": _iso(row.created_at)}

    # -- pages ---------------------------------------------------------------------------------------
    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview_page(
        request: Request,
        user: GetUserDep,
        owner: str | None = None,
        dag_id: str | None = None,
        status: str | None = Query(default=None, pattern=STATUS_OR_EMPTY),
        offset: Offset = 0,
    ) -> str:
        owner, dag_id, status = owner or None, dag_id or None, status or None
        listing = gates_listing(user, owner, dag_id, status, 50, offset)
        return pages.render_overview(_root(request), listing, owner=owner, dag_id=dag_id, status=status)

    @router.get("/triage", response_class=HTMLResponse, include_in_schema=False)
    def triage_page(request: Request, user: GetUserDep, owner: str | None = None) -> str:
        owner = owner or None
        incidents = _with_audit(open_incidents(user, owner, None, 500))
        return pages.render_triage(_root(request), incidents, owner=owner)

    @router.get(
        "/dag/{dag_id}",
        response_class=HTMLResponse,
        dependencies=[Depends(authz.require_dag("GET"))],
        include_in_schema=False,
    )
    def dag_page(request: Request, dag_id: str, user: GetUserDep) -> str:
        gates = gates_listing(user, None, dag_id, None, 100, 0)["gates"]
        recent = [_run_json(r) for r in _store().check_runs(dag_id=dag_id, limit=30)]
        incidents = open_incidents(user, None, dag_id, 100)
        return pages.render_dag(_root(request), dag_id, gates, incidents, recent)

    @router.get(
        "/report/{dag_id}/{run_id}/{task_id}",
        response_class=HTMLResponse,
        dependencies=[Depends(authz.require_dag("GET"))],
        include_in_schema=False,
    )
    def report_page(
        request: Request,
        dag_id: str,
        run_id: str,
        task_id: str,
        user: GetUserDep,
        offset: Offset = 0,
        limit: ReportLimit = REPORT_PAGE,
    ) -> str:
        report = authorized_report(
            user, dag_id, run_id, task_id, history_runs=HISTORY_RUNS, offset=offset, limit=limit
        )
        return pages.render_report(_root(request), report, default_limit=REPORT_PAGE)

    @router.get("/baselines", response_class=HTMLResponse, include_in_schema=False)
    def baselines_page(request: Request, user: GetUserDep) -> str:
        listing = baselines_listing(user)
        return pages.render_baselines(_root(request), listing["keys"], listing["pins"])

    return router


def create_app() -> FastAPI:
    app = FastAPI(
        dependencies=[Depends(limits.checked_params)],
        title="airflow-mlops",
        version="1",
        description="Quality gates, checks, incidents and baselines recorded by airflow-mlops. Every route "
        "needs an Airflow user (bearer token or the UI's session cookie); mutations need DAG edit permission "
        "and a JSON body.",
    )
    app.include_router(_router())
    limits.install(app)
    security.install(app)
    return app
