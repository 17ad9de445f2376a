"""Validate a daily feed of wine measurements with a Great Expectations suite.

The feed is scikit-learn's bundled wine data set (no download), resampled per day. Trigger with
``{"fault": "corrupt"}`` in the run's conf to get a corrupted day: null and out-of-range alcohol values
and an unknown cultivar. Nothing heavy is imported while this file is parsed.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_mlops.operators import DataValidationOperator

with DAG(
    dag_id="example_wine_validation",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    params={"fault": Param(None, type=["null", "string"], enum=[None, "corrupt"])},
    default_args={"owner": "ml-platform"},
    tags=["airflow-mlops", "example"],
    doc_md=__doc__,
) as dag:

    @task
    def ingest(params=None, run_id=None) -> str:
        """Write the day's batch to Parquet and return its path."""
        import os
        import re

        import numpy as np
        from sklearn.datasets import load_wine

        frame = load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
        frame["cultivar"] = frame["cultivar"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
        seed = sum(map(ord, run_id or "manual"))
        day = frame.sample(n=150, replace=True, random_state=seed).reset_index(drop=True)
        if (params or {}).get("fault") == "corrupt":
            rng = np.random.default_rng(seed)
            rows = rng.choice(len(day), size=12, replace=False)
            day.loc[rows[:6], "alcohol"] = None
            day.loc[rows[6:9], "alcohol"] = 99.0
            day.loc[rows[9:], "cultivar"] = "merlot"
        folder = os.path.join(os.environ.get("AIRFLOW_HOME", "/tmp"), "data", "wine")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, re.sub(r"[^A-Za-z0-9_.-]", "_", run_id or "manual") + ".parquet")
        day.to_parquet(path)
        return path

    DataValidationOperator(
        task_id="validate_wine",
        data="{{ ti.xcom_pull(task_ids='ingest') }}",
        suite="suites/wine_quality.json",
    ).set_upstream(ingest())
