"""The reads behind the JSON API and the pages (and the CLI's report): one place that asks the store and
Airflow's auth manager, shapes records with :mod:`airflow_mlops.plugins.records`, and raises the 4xx a
route returns. No route is defined here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import HTTPException, Request

from airflow_mlops.plugins import authz
from airflow_mlops.plugins.records import gate_json, incident_json, iso, result_json, run_data_date, run_json
from airflow_mlops.urls import allowed_url, report_path

__all__ = [
    "HISTORY_RUNS",
    "MAX_BASELINE_RUNS",
    "REPORT_PAGE",
    "authorized_report",
    "backtest_report",
    "baselines_listing",
    "gates_listing",
    "input_error",
    "key_owner_dag",
    "key_readers",
    "model_board",
    "model_keys",
    "open_incidents",
    "readable_dag_ids",
    "recent_runs",
    "require_edit",
    "results_store",
    "root",
    "task_report",
    "with_audit",
]

HISTORY_RUNS = 30
REPORT_PAGE = 200  # results per report page
MAX_BASELINE_RUNS = 10  # baseline runs described per comparison (a rolling window's)
_FAILING_FIRST = {"FAILED": 0, "ERRORED": 1, "WARNED": 2}


def results_store() -> Any:
    from airflow_mlops.config import get_store

    return get_store()


def input_error() -> type[Exception]:
    from airflow_mlops.exceptions import InputError

    return InputError


def root(request: Request) -> str:
    """Where the app is mounted (``/mlops``, behind any base URL): page links are built from it."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def readable_dag_ids(user: Any) -> set[str]:
    from airflow.api_fastapi.app import get_auth_manager

    return set(get_auth_manager().get_authorized_dag_ids(user=user, method="GET"))


def require_edit(user: Any, dag_id: str) -> None:
    if dag_id not in authz.authorized_dag_ids(user, {dag_id}, "PUT"):
        raise HTTPException(status_code=403, detail=f"you may not edit DAG {dag_id!r}")


# -- listings ------------------------------------------------------------------------------------------
def gates_listing(
    user: Any, owner: str | None, dag_id: str | None, status: str | None, limit: int, offset: int
) -> dict[str, Any]:
    readable = readable_dag_ids(user)
    if dag_id is not None:
        readable &= {dag_id}
    rows, counts = results_store().latest_gate_decisions(
        dag_ids=readable, owner=owner, status=status, limit=limit, offset=offset
    )
    gates = [gate_json(r) for r in rows]
    return {"gates": gates, "counts": counts, "limit": limit, "offset": offset}


def open_incidents(user: Any, owner: str | None, dag_id: str | None, limit: int) -> list[dict[str, Any]]:
    """Open, acknowledged and snoozed incidents of the readable DAGs, each with its last run's data date."""
    readable = readable_dag_ids(user)
    if dag_id is not None:
        readable &= {dag_id}
    rows = results_store().incidents(owner=owner, dag_ids=readable, limit=limit)
    runs = results_store().check_runs_by_id({i.last_check_run_id for i in rows if i.last_check_run_id})
    return [
        incident_json(i)
        | {"data_date": run_data_date(runs[i.last_check_run_id]) if i.last_check_run_id in runs else None}
        for i in rows
    ]


def recent_runs(dag_id: str, limit: int = 30) -> list[dict[str, Any]]:
    return [run_json(r) for r in results_store().check_runs(dag_id=dag_id, limit=limit)]


def with_audit(incidents: list[dict[str, Any]], per_incident: int = 20) -> list[dict[str, Any]]:
    """The incidents, each with its audit trail (newest first, at most ``per_incident`` events)."""
    ids = [i["id"] for i in incidents]
    trails: dict[int, list[dict[str, Any]]] = {}
    for event in results_store().audit_events(incident_ids=ids, limit=per_incident * len(ids)) if ids else []:
        trail = trails.setdefault(int(event.incident_id), [])
        if len(trail) < per_incident:
            trail.append(event.summary())
    return [{**i, "audit": trails.get(i["id"], [])} for i in incidents]


def baselines_listing(user: Any, *, profiles_per_key: int = 20) -> dict[str, Any]:
    """The readable keys with their pins and, for keys whose owner DAG the user may read, their latest
    ``profiles_per_key`` profiles (the Baselines page pins from that list)."""
    db = results_store()
    readable = readable_dag_ids(user)
    keys = db.baseline_keys(dag_ids=readable)
    owners = {
        key: row.owner_dag_id
        for key, row in db.baseline_key_owners({k["baseline_key"] for k in keys}).items()
    }
    # a key's pins are its owner's: listed to those who may read the owner DAG
    names = {k["baseline_key"] for k in keys if owners.get(k["baseline_key"], k["dag_id"]) in readable}
    listed = [
        {
            "key": k["baseline_key"],
            "dag_id": k["dag_id"],
            "owner": owners.get(k["baseline_key"]) if k["baseline_key"] in names else None,
            "kind": k["kind"],
            "profiles": k["profiles"],
            "latest": iso(k["latest"]),
            "recent_profiles": _recent_profiles(db, k["baseline_key"], profiles_per_key)
            if k["baseline_key"] in names
            else [],
        }
        for k in keys
    ]
    return {"keys": listed, "pins": [p.summary() for p in db.pins() if p.baseline_key in names]}


def _profile_summaries(db: Any, profiles: list[Any]) -> list[dict[str, Any]]:
    """What a person sees of each profile: its run, data date (its check run's logical date, a manual
    run's run_after labelled, or for a profile no run recorded the day it was recorded), status, rows and
    source."""
    runs = db.check_runs_by_id({p.check_run_id for p in profiles if p.check_run_id})
    return [
        {
            "run_id": p.run_id,
            "date": run_data_date(runs[p.check_run_id])
            if p.check_run_id in runs
            else (p.run_after.date().isoformat() if p.run_after else None),
            "status": p.gate_status or p.run_status,
            "row_count": p.row_count,
            "source": p.source,
        }
        for p in profiles
    ]


def _recent_profiles(db: Any, key: str, limit: int) -> list[dict[str, Any]]:
    return _profile_summaries(db, [p for p in db.profiles(key=key, limit=limit) if p.run_id])


# -- baseline keys -------------------------------------------------------------------------------------
def key_readers(user: Any, key: str) -> tuple[Any, set[str]]:
    """A key's owner row and the DAGs that wrote it (or own it) the user may read: 404 when none."""
    db = results_store()
    owner = db.baseline_key_owner(key)
    dag_ids = db.key_dag_ids(key) | ({owner.owner_dag_id} if owner is not None else set())
    readable = authz.authorized_dag_ids(user, dag_ids, "GET")
    if not readable:
        raise HTTPException(status_code=404, detail=f"baseline key {key!r} does not exist")
    return owner, readable


def key_owner_dag(user: Any, key: str) -> str:
    """The owner DAG of a key the user may pin and unpin: 404 when the user may read none of the DAGs
    that wrote it (nor its owner), 403 when they may not edit the owner."""
    owner, readable = key_readers(user, key)
    if owner is None:
        raise HTTPException(status_code=404, detail=f"baseline key {key!r} does not exist")
    if owner.owner_dag_id not in authz.authorized_dag_ids(user, {owner.owner_dag_id}, "PUT"):
        whose = f"DAG {owner.owner_dag_id!r}, which" if owner.owner_dag_id in readable else "a DAG"
        raise HTTPException(
            status_code=403, detail=f"baseline key {key!r} belongs to {whose} you may not edit"
        )
    return str(owner.owner_dag_id)


def backtest_report(user: Any, *, key: str, check: str, last_days: int, **settings: Any) -> dict[str, Any]:
    """A check's recorded results of a key replayed under ``settings``: 404 unless the user may read
    a DAG that wrote the key, 422 for bad settings."""
    from airflow_mlops.core.backtest import backtest, recorded_days

    key_readers(user, key)
    since = datetime.now(UTC) - timedelta(days=last_days)
    rows = results_store().check_series(key=key, name=check, since=since)
    if not rows:
        raise HTTPException(
            status_code=404,
            detail=f"no recorded results of check {check!r} for key {key!r} in {last_days} days",
        )
    try:
        return {"key": key, "check": check, **backtest(recorded_days(rows), **settings)}
    except input_error() as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


# -- models --------------------------------------------------------------------------------------------
def model_keys(user: Any, dag_id: str | None = None) -> list[dict[str, Any]]:
    """The metrics keys of the DAGs the user may read (of ``dag_id`` when given)."""
    from airflow_mlops.leaderboard import metric_keys

    readable = readable_dag_ids(user)
    if dag_id is not None:
        readable &= {dag_id}
    keys = metric_keys(results_store(), readable)
    unique = {k["baseline_key"]: k for k in keys}
    return [{"key": key, "dag_id": k["dag_id"], "profiles": k["profiles"], "latest": iso(k["latest"])}
            for key, k in sorted(unique.items())]  # fmt: skip


def model_board(
    user: Any, key: str, *, metric: str | None = None, lower_is_better: bool = False
) -> dict[str, Any]:
    """The leaderboard of a metrics key the user may read (404 otherwise); 422 when it cannot be ranked."""
    from airflow_mlops.leaderboard import load_board

    key_readers(user, key)
    try:
        board = load_board(
            results_store(), key, metric=metric, higher_is_better=(not lower_is_better) if metric else None
        )
    except input_error() as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return board.to_dict()


# -- reports -------------------------------------------------------------------------------------------
def _baseline_of(db: Any, row: Any) -> dict[str, Any] | None:
    """What a comparison was compared with, from its summary: the policy, why those runs, each baseline
    run (data date, status, rows, its report) and, for a pinned baseline, the pin (label, who, why)."""
    info = (row.summary or {}).get("baseline")
    if not isinstance(info, dict):
        return None
    profile_ids = [int(i) for i in info.get("profile_ids") or []][:MAX_BASELINE_RUNS]
    profiles = db.profiles_by_id(profile_ids)
    runs = [
        summary | {"report": report_path(p.dag_id, p.run_id, row.task_id) if p.dag_id and p.run_id else None}
        for p, summary in zip(profiles, _profile_summaries(db, profiles), strict=True)
    ]
    pin = None
    if str(info.get("policy", "")).startswith("pinned") and profile_ids:
        pins = [p for p in db.pins(key=info.get("key"), include_inactive=True) if p.profile_id in profile_ids]
        pin = pins[0].summary() if pins else None
    return {
        "key": info.get("key"),
        "policy": info.get("policy"),
        "why": info.get("why"),
        "runs": runs,
        "more_runs": max(0, len(info.get("profile_ids") or []) - len(runs)),
        "pin": pin,
    }


def _check_json(db: Any, row: Any, page: list[Any], total: int, history_runs: int) -> dict[str, Any]:
    """A check run with the results ``page`` (of its ``total``), each charted one with its history."""
    results = [result_json(r) for r in page]
    charted = [r["name"] for r in results if r["statistic"] is not None or r["band"]]
    if charted and history_runs > 0:
        series: dict[str, list[dict[str, Any]]] = {}
        for run, result in db.check_history(
            dag_id=row.dag_id, task_id=row.task_id, map_index=row.map_index, names=charted,
            up_to_id=row.id, runs=history_runs,
        ):  # fmt: skip
            point = result_json(result)
            series.setdefault(result.name, []).append(
                {"run_id": run.run_id, "finished_at": iso(run.finished_at), "data_date": run_data_date(run)}
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
        "baseline": _baseline_of(db, row),
    }


def _checks_page(
    db: Any, rows: list[Any], *, history_runs: int, offset: int, limit: int
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Every check run of ``rows``, failing ones first, with its share of the report's results
    ``offset`` to ``offset + limit`` (results counted check after check, in order), and the page's place."""
    rows = sorted(rows, key=lambda row: _FAILING_FIRST.get(row.status, 3))  # stable: task order kept
    counts = db.result_counts([row.id for row in rows])
    checks, start = [], 0  # start: the index in the report of this run's first result
    for row in rows:
        total = counts.get(row.id, 0)
        low, high = max(offset, start), min(offset + limit, start + total)
        page = db.check_results(row.id, offset=low - start, limit=high - low) if high > low else []
        checks.append(_check_json(db, row, page, total, history_runs))
        start += total
    return checks, {"offset": offset, "limit": limit, "total": start}


def _report_head(head: Any) -> dict[str, Any]:
    summary = head.summary or {}
    return {
        **gate_json(head),
        "kind": head.kind,
        "data_source": head.data_source,
        "decision": summary.get("decision"),
        "reasons": summary.get("reasons") or [],
        "runbook_url": allowed_url(summary.get("runbook_url")),
        "overrides": [],
        "team": head.team,
    }


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
    ``history_runs`` runs and its baseline. ``store``: the configured one unless given (the CLI's ``--url``)."""
    db = store if store is not None else results_store()
    rows = db.latest_task_runs(dag_id=dag_id, run_id=run_id, task_id=task_id, with_results=False)
    if not rows:
        raise HTTPException(
            status_code=404,
            detail=f"no airflow-mlops result for {dag_id}.{task_id} in run {run_id} (not a check or gate "
            "task, or it has not run yet)",
        )
    head = rows[0]
    report = _report_head(head)
    page = {"history_runs": history_runs, "offset": offset, "limit": limit}
    if head.kind != "gate":
        report["checks"], report["results_page"] = _checks_page(db, rows, **page)
        owners = db.baseline_key_owners({row.baseline_key for row in rows if row.baseline_key})
        keys = sorted(key for key, owner in owners.items() if owner.may_write(dag_id))  # its own or shared
        report["audit"] = [e.summary() for key in keys for e in db.audit_events(baseline_key=key, limit=50)]
        return report
    summary = head.summary or {}
    # "upstream" holds labels; a mapped check appears once per map index ("validate[3]"), its task once here
    upstream_tasks = dict.fromkeys(label.split("[")[0] for label in summary.get("upstream") or [])
    upstream = [
        row
        for upstream_task in upstream_tasks
        for row in db.latest_task_runs(
            dag_id=dag_id, run_id=run_id, task_id=upstream_task, with_results=False
        )
    ]
    report["checks"], report["results_page"] = _checks_page(db, upstream, **page)
    report["overrides"] = [
        {"by": o.created_by, "reason": o.reason, "at": iso(o.created_at), "active": o.active}
        for o in db.overrides(dag_id=dag_id, run_id=run_id)
        if o.task_id == task_id
    ]
    incident_id = summary.get("incident_id")
    report["incident"] = _incident_state(db, incident_id)
    report["audit"] = [
        e.summary()
        for e in db.report_audit(dag_id=dag_id, run_id=run_id, task_id=task_id, incident_id=incident_id)
    ]
    return report


def _incident_state(db: Any, incident_id: Any) -> dict[str, Any] | None:
    incident = db.incident(int(incident_id)) if isinstance(incident_id, int) else None
    return incident_json(incident) if incident is not None else None


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
