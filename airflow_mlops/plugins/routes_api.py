"""The JSON API under ``/mlops/api/v1``: reads limited to the DAGs the user may read, writes needing edit
permission on the DAG concerned, a JSON body, and leaving an audit event with the user's name."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import APIRouter, Depends, HTTPException, Query

from airflow_mlops.plugins import authz
from airflow_mlops.plugins import queries as qs
from airflow_mlops.plugins.limits import Id, Offset, json_body
from airflow_mlops.plugins.records import incident_json, iso
from airflow_mlops.plugins.schemas import (
    API,
    STATUS_PATTERN,
    BacktestQueryDep,
    ExcludeBody,
    ExpectedBody,
    NoteBody,
    OverrideBody,
    PinBody,
    PromoteBody,
    ReportLimit,
    RollbackBody,
    SnoozeBody,
    UnpinBody,
    WriterDep,
)

__all__ = [
    "MetricName",
    "ModelKey",
    "ack",
    "backtest_api",
    "exclude",
    "expected",
    "get_report",
    "list_audit",
    "list_baselines",
    "list_gates",
    "list_incidents",
    "list_models",
    "model_board",
    "override",
    "pin",
    "promote_model",
    "resolve",
    "rollback_model",
    "router",
    "snooze",
    "unpin",
]

router = APIRouter(prefix=API)


@router.get("/gates", summary="Latest decision of every gate the user may read, failing first")
def list_gates(
    user: GetUserDep,
    owner: str | None = None,
    dag_id: str | None = None,
    status: str | None = Query(default=None, pattern=STATUS_PATTERN),
    limit: int = Query(default=50, ge=1, le=500),
    offset: Offset = 0,
) -> dict[str, Any]:
    return qs.gates_listing(user, owner, dag_id, status, limit, offset)


@router.get(
    "/reports/{dag_id}/{run_id}/{task_id}",
    dependencies=[Depends(authz.require_dag("GET"))],
    summary="A gate's decision and upstream checks, or a check task's results, with history",
)
def get_report(
    dag_id: str,
    run_id: str,
    task_id: str,
    user: GetUserDep,
    history: int = Query(default=qs.HISTORY_RUNS, ge=0, le=200),
    offset: Offset = 0,
    limit: ReportLimit = qs.REPORT_PAGE,
) -> dict[str, Any]:
    return qs.authorized_report(
        user, dag_id, run_id, task_id, history_runs=history, offset=offset, limit=limit
    )


@router.get("/incidents", summary="Open incidents of the DAGs the user may read")
def list_incidents(
    user: GetUserDep,
    owner: str | None = None,
    dag_id: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
) -> dict[str, Any]:
    return {"incidents": qs.open_incidents(user, owner, dag_id, limit)}


def _act(
    user: Any, incident_id: int, action: str, *, until: datetime | None, note: str | None
) -> dict[str, Any]:
    db = qs.results_store()
    incident = db.incident(incident_id)
    if incident is None or incident.dag_id not in qs.readable_dag_ids(user):
        raise HTTPException(status_code=404, detail=f"incident {incident_id} does not exist")
    qs.require_edit(user, incident.dag_id)
    try:
        row = db.update_incident(incident_id, action=action, user=user.get_name(), until=until, note=note)
    except qs.input_error() as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return incident_json(row)


@router.post("/incidents/{incident_id}/ack", summary="Acknowledge: repeats stay quiet")
def ack(incident_id: Id, user: WriterDep, body: Annotated[NoteBody, json_body(NoteBody)]) -> dict[str, Any]:
    return _act(user, incident_id, "ack", until=None, note=body.note)


@router.post("/incidents/{incident_id}/resolve", summary="Resolve the incident")
def resolve(
    incident_id: Id, user: WriterDep, body: Annotated[NoteBody, json_body(NoteBody)]
) -> dict[str, Any]:
    return _act(user, incident_id, "resolve", until=None, note=body.note)


@router.post("/incidents/{incident_id}/snooze", summary="Snooze for a duration")
def snooze(
    incident_id: Id, user: WriterDep, body: Annotated[SnoozeBody, json_body(SnoozeBody)]
) -> dict[str, Any]:
    from airflow_mlops.core.owners import OwnersError, parse_duration

    try:
        until = datetime.now(UTC) + parse_duration(body.duration, where="duration")
    except OwnersError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return _act(user, incident_id, "snooze", until=until, note=body.note)


@router.get("/baselines", summary="Baseline keys of the DAGs the user may read, with active pins")
def list_baselines(user: GetUserDep) -> dict[str, Any]:
    return qs.baselines_listing(user)


def _conflict(work: Any) -> Any:
    """``work()``, a store's refusal (no such run, label, window) answered as 409 with its message."""
    try:
        return work()
    except qs.input_error() as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None


@router.post("/baselines/pin", summary="Pin a run's profile (default: the latest) under a label")
def pin(user: WriterDep, body: Annotated[PinBody, json_body(PinBody)]) -> dict[str, Any]:
    qs.key_owner_dag(user, body.key)
    row = _conflict(
        lambda: qs.results_store().pin(
            key=body.key,
            label=body.label,
            user=user.get_name(),
            reason=body.reason,
            run_id=body.run_id or None,
            latest=not body.run_id,
        )  # fmt: skip
    )
    return dict(row.summary())


@router.post("/baselines/unpin", summary="Retire a label's active pin")
def unpin(user: WriterDep, body: Annotated[UnpinBody, json_body(UnpinBody)]) -> dict[str, Any]:
    qs.key_owner_dag(user, body.key)
    row = _conflict(
        lambda: qs.results_store().unpin(
            key=body.key, label=body.label, user=user.get_name(), reason=body.reason
        )
    )
    return dict(row.summary())


@router.post("/baselines/exclude", summary="Keep a window's runs out of the key's learned bands")
def exclude(user: WriterDep, body: Annotated[ExcludeBody, json_body(ExcludeBody)]) -> dict[str, Any]:
    qs.key_owner_dag(user, body.key)
    _conflict(
        lambda: qs.results_store().exclude_from_training(
            key=body.key,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            reason=body.reason,
            user=user.get_name(),
        )  # fmt: skip
    )
    return {"key": body.key, "excluded": [iso(body.starts_at), iso(body.ends_at)]}


@router.post("/baselines/expected", summary="A flagged run was expected: it trains the learned bands")
def expected(user: WriterDep, body: Annotated[ExpectedBody, json_body(ExpectedBody)]) -> dict[str, Any]:
    qs.key_owner_dag(user, body.key)
    _conflict(
        lambda: qs.results_store().mark_expected(
            key=body.key, run_id=body.run_id, reason=body.reason, user=user.get_name()
        )
    )
    return {"key": body.key, "expected": body.run_id}


@router.get("/backtest", summary="Replay a check's recorded results under other thresholds or a band")
def backtest_api(user: GetUserDep, query: BacktestQueryDep) -> dict[str, Any]:
    return qs.backtest_report(user, **query)


@router.get("/audit", summary="Audit events of the DAGs the user may read (who, when, what, why)")
def list_audit(
    user: GetUserDep, dag_id: str | None = None, limit: int = Query(default=100, ge=1, le=1000)
) -> dict[str, Any]:
    dag_ids = authz.authorized_dag_ids(user, {dag_id}) if dag_id is not None else qs.readable_dag_ids(user)
    return {"events": [e.summary() for e in qs.results_store().audit_events(dag_ids=dag_ids, limit=limit)]}


@router.post("/overrides", summary="Override a gate's decision (takes effect when the gate re-runs)")
def override(user: WriterDep, body: Annotated[OverrideBody, json_body(OverrideBody)]) -> dict[str, Any]:
    missing = HTTPException(status_code=404, detail=f"no gate decision for {body.dag_id}.{body.task_id}")
    if body.dag_id not in qs.readable_dag_ids(user):
        raise missing
    qs.require_edit(user, body.dag_id)
    db = qs.results_store()
    gate = db.latest_check_run(dag_id=body.dag_id, task_id=body.task_id, run_id=body.run_id)
    if gate is None or gate.kind != "gate":
        raise HTTPException(
            status_code=404, detail=f"no gate decision for {body.dag_id}.{body.task_id} in run {body.run_id}"
        )
    row = db.add_override(
        dag_id=body.dag_id, run_id=body.run_id, task_id=body.task_id, reason=body.reason, user=user.get_name()
    )
    return {"id": row.id, "by": row.created_by, "reason": row.reason, "at": iso(row.created_at)}


ModelKey = Annotated[str, Query(min_length=1, max_length=500)]
MetricName = Annotated[str | None, Query(max_length=200)]


@router.get("/models", summary="Metrics keys (models) of the DAGs the user may read")
def list_models(user: GetUserDep, dag_id: str | None = None) -> dict[str, Any]:
    return {"models": qs.model_keys(user, dag_id)}


@router.get(
    "/models/board", summary="A model key's leaderboard: the champion, candidates, promotions, velocity"
)
def model_board(
    user: GetUserDep, key: ModelKey, metric: MetricName = None, lower_is_better: bool = False
) -> dict[str, Any]:
    return qs.model_board(user, key, metric=metric, lower_is_better=lower_is_better)


def _announce(key: str, user: Any, reason: str, pin: Any) -> dict[str, Any]:
    from airflow_mlops.leaderboard import emit_promotion_event

    return {**pin.summary(), "asset_event": emit_promotion_event(key, by=user.get_name(), reason=reason)}


@router.post(
    "/models/promote", summary="Make a candidate the champion (audited; emits the model's asset event)"
)
def promote_model(user: WriterDep, body: Annotated[PromoteBody, json_body(PromoteBody)]) -> dict[str, Any]:
    from airflow_mlops.leaderboard import promote

    qs.key_owner_dag(user, body.key)
    pin = _conflict(
        lambda: promote(
            qs.results_store(),
            body.key,
            run_id=body.run_id,
            profile_id=body.profile_id,
            user=user.get_name(),
            reason=body.reason,
        )  # fmt: skip
    )
    return _announce(body.key, user, body.reason, pin)


@router.post("/models/rollback", summary="Make the previous champion champion again (audited)")
def rollback_model(user: WriterDep, body: Annotated[RollbackBody, json_body(RollbackBody)]) -> dict[str, Any]:
    from airflow_mlops.leaderboard import rollback

    qs.key_owner_dag(user, body.key)
    pin = _conflict(lambda: rollback(qs.results_store(), body.key, user=user.get_name(), reason=body.reason))
    return _announce(body.key, user, body.reason, pin)
