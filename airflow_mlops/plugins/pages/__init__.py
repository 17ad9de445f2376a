"""Server-rendered pages of the /mlops app: overview, triage, DAG, report, baselines and backtest.

Every data-derived value goes through :func:`html.escape` (attributes too) and every URL part through
:func:`urllib.parse.quote`; a link drawn from data (a runbook) is rendered only when it is an http(s)
URL, whole. The pages follow the Airflow 3 UI's look and need no build step; their one script and
stylesheet are files of the app (:data:`ASSETS`), never inline, so the Content-Security-Policy runs no
inline script. Pure Python: no Airflow import.
"""

from airflow_mlops.plugins.pages.baselines import render_backtest, render_baselines
from airflow_mlops.plugins.pages.gates import render_dag, render_overview, render_triage
from airflow_mlops.plugins.pages.layout import ASSETS, GATE_STATUSES
from airflow_mlops.plugins.pages.models import render_models
from airflow_mlops.plugins.pages.report import render_report

__all__ = [
    "ASSETS",
    "GATE_STATUSES",
    "render_backtest",
    "render_baselines",
    "render_dag",
    "render_models",
    "render_overview",
    "render_report",
    "render_triage",
]
