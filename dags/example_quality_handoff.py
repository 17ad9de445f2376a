"""Hand validated data from a producer DAG to consumers, two ways.

* ``example_wine_gated`` validates the day's wine batch, compares it with the previous good day and
  decides with a ``QualityGateOperator`` owned by ``ml-platform``. On pass the gate emits the asset
  ``mlops://example/wine_validated``.
* ``example_wine_consumer_sensor`` waits for that gate with a deferrable ``QualityGateSensor``: it
  proceeds when the gate passed (or was overridden) and fails at once, naming the owner and the
  incident, when it failed.
* ``example_wine_consumer_asset`` is scheduled on the asset: it runs only after passing gates.

Trigger the producer with ``{"fault": "drift"}`` to shift the alcohol distribution. Nothing heavy is
imported while this file is parsed.
"""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Asset, Param

from airflow_mlops.checks import Drift, NullRate, RowCount, Schema
from airflow_mlops.operators import BaselineComparisonOperator, DataValidationOperator, QualityGateOperator
from airflow_mlops.sensors import QualityGateSensor

WINE_VALIDATED = Asset("mlops://example/wine_validated")
START = pendulum.datetime(2026, 11, 1, tz="UTC")


def wine_batch(dag_run=None, run_id=None):
    """The day's batch of scikit-learn's bundled wine data (no download); ``conf["fault"]`` injects drift."""
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
    frame["cultivar"] = frame["cultivar"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    day = frame.sample(n=150, replace=True, random_state=sum(map(ord, run_id or "manual")))
    if ((dag_run.conf if dag_run is not None else None) or {}).get("fault") == "drift":
        day["alcohol"] = day["alcohol"] + 2.5
    return day.reset_index(drop=True)


with DAG(
    dag_id="example_wine_gated",
    schedule="@daily",
    start_date=START,
    catchup=False,
    params={"fault": Param(None, type=["null", "string"], enum=[None, "drift"])},
    default_args={"owner": "ml-platform"},
    tags=["airflow-mlops", "example"],
    doc_md=__doc__,
) as producer:
    validate = DataValidationOperator(
        task_id="validate", data=wine_batch, suite="suites/wine_quality.json", fail_task=False
    )
    compare = BaselineComparisonOperator(
        task_id="compare_with_previous_day",
        data=wine_batch,
        checks=[
            RowCount(warn=0.2, fail=0.5),
            Schema(),
            NullRate("alcohol", warn=0.01, fail=0.05),
            Drift("alcohol", method="psi", warn=0.1, fail=0.25),
            Drift("cultivar", method="chi2", warn=0.05, fail=0.1),
        ],
        baseline="previous_success",
        fail_task=False,
    )
    gate = QualityGateOperator(task_id="gate", on_fail="fail", outlets=[WINE_VALIDATED])
    [validate, compare] >> gate >> EmptyOperator(task_id="publish")


with DAG(
    dag_id="example_wine_consumer_sensor",
    schedule="@daily",
    start_date=START,
    catchup=False,
    default_args={"owner": "analytics"},
    tags=["airflow-mlops", "example"],
) as sensor_consumer:
    QualityGateSensor(
        task_id="wait_for_validated_wine",
        external_dag_id="example_wine_gated",
        gate_task_id="gate",
        # no run_id / logical_date: the latest producer run at or before this run's run time decides
        deferrable=True,
        poke_interval=60,
        timeout=6 * 3600,
    ) >> EmptyOperator(task_id="build_report")


with DAG(
    dag_id="example_wine_consumer_asset",
    schedule=[WINE_VALIDATED],
    start_date=START,
    catchup=False,
    default_args={"owner": "analytics"},
    tags=["airflow-mlops", "example"],
) as asset_consumer:
    EmptyOperator(task_id="refresh_dashboard")
