"""Scores with the wine model whenever it has a new champion.

Scheduled on the model's asset (``mlops-model://wine_quality.model``), which the production DAG's
``promote`` task updates after a passing gate, and which a promotion from the Models page or
``airflow-mlops models promote`` updates too: a scoring or serving DAG never polls for "is there a new
champion?".
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, task

from airflow_mlops.core.leaderboard import model_asset_uri

with DAG(
    "example_wine_scoring",
    schedule=[Asset(model_asset_uri("wine_quality.model"))],
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    tags=["example", "airflow-mlops"],
) as dag:

    @task
    def load_champion() -> str:
        from airflow_mlops.config import get_store

        pinned = get_store().pinned_profile(key="wine_quality.model", label="champion")
        return f"scoring with the champion of run {pinned.run_id if pinned else None}"

    load_champion()
