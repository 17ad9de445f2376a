"""The server-rendered pages of the app: overview, triage, a DAG's tab, a report, baselines, backtest.
They read through :mod:`airflow_mlops.plugins.queries`, as the JSON API does, and render with
:mod:`airflow_mlops.plugins.pages`."""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from airflow_mlops.plugins import authz, pages
from airflow_mlops.plugins import queries as qs
from airflow_mlops.plugins.limits import Offset
from airflow_mlops.plugins.schemas import STATUS_OR_EMPTY, BacktestQueryDep, ReportLimit

__all__ = [
    "backtest_page",
    "baselines_page",
    "dag_page",
    "models_page",
    "overview_page",
    "report_page",
    "router",
    "triage_page",
]

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
_DAG_READER = [Depends(authz.require_dag("GET"))]


@router.get("/")
def overview_page(
    request: Request,
    user: GetUserDep,
    owner: str | None = None,
    dag_id: str | None = None,
    status: str | None = Query(default=None, pattern=STATUS_OR_EMPTY),
    offset: Offset = 0,
) -> str:
    owner, dag_id, status = owner or None, dag_id or None, status or None
    listing = qs.gates_listing(user, owner, dag_id, status, 50, offset)
    return pages.render_overview(qs.root(request), listing, owner=owner, dag_id=dag_id, status=status)


@router.get("/triage")
def triage_page(
    request: Request, user: GetUserDep, owner: str | None = None, dag_id: str | None = None
) -> str:
    owner, dag_id = owner or None, dag_id or None
    incidents = qs.with_audit(qs.open_incidents(user, owner, dag_id, 500))
    return pages.render_triage(qs.root(request), incidents, owner=owner, dag_id=dag_id)


@router.get("/dag/{dag_id}", dependencies=_DAG_READER)
def dag_page(request: Request, dag_id: str, user: GetUserDep) -> str:
    gates = qs.gates_listing(user, None, dag_id, None, 100, 0)["gates"]
    incidents = qs.open_incidents(user, None, dag_id, 100)
    return pages.render_dag(qs.root(request), dag_id, gates, incidents, qs.recent_runs(dag_id))


@router.get("/report/{dag_id}/{run_id}/{task_id}", dependencies=_DAG_READER)
def report_page(
    request: Request,
    dag_id: str,
    run_id: str,
    task_id: str,
    user: GetUserDep,
    offset: Offset = 0,
    limit: ReportLimit = qs.REPORT_PAGE,
) -> str:
    report = qs.authorized_report(
        user, dag_id, run_id, task_id, history_runs=qs.HISTORY_RUNS, offset=offset, limit=limit
    )
    return pages.render_report(qs.root(request), report, default_limit=qs.REPORT_PAGE)


@router.get("/baselines")
def baselines_page(request: Request, user: GetUserDep, dag_id: str | None = None) -> str:
    listing = qs.baselines_listing(user)
    keys: list[Any] = [k for k in listing["keys"] if not dag_id or k["dag_id"] == dag_id]
    return pages.render_baselines(qs.root(request), keys, listing["pins"], dag_id=dag_id or None)


@router.get("/backtest")
def backtest_page(request: Request, user: GetUserDep, query: BacktestQueryDep) -> str:
    try:
        result = qs.backtest_report(user, **query)
    except HTTPException as exc:
        if exc.status_code == 404 and "does not exist" in str(exc.detail):
            raise
        return pages.render_backtest(qs.root(request), query, None, str(exc.detail))
    return pages.render_backtest(qs.root(request), query, result, "")


@router.get("/models")
def models_page(
    request: Request,
    user: GetUserDep,
    key: str | None = Query(default=None, max_length=500),
    dag_id: str | None = None,
) -> str:
    dag_id = dag_id or None
    keys = qs.model_keys(user, dag_id)
    chosen = key or (keys[0]["key"] if keys else None)
    board, error = None, ""
    if chosen is not None:
        try:
            board = qs.model_board(user, chosen)
        except HTTPException as exc:
            if exc.status_code == 404:
                raise
            error = str(exc.detail)
    return pages.render_models(qs.root(request), keys, board, error, dag_id=dag_id)
