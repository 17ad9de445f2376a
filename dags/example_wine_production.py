"""The wine cultivar model in production, gated by the contract its notebook exported.

``notebooks/wine_quality.ipynb`` exported ``contracts/wine_quality.yaml`` (and its GX suite next to it).
Every day this DAG:

1. ``register_contract``: reads the contract (at run time, never at parse time) and pins its training
   profile as baseline ``notebook`` and, while the model has none, its metrics as ``champion``;
2. ``ingest``: writes the day's batch to Parquet;
3. ``validate``: the contract's suite (DataValidationOperator);
4. ``compare_with_notebook``: train/serve skew against ``pinned:notebook``;
5. ``compare_with_yesterday``: day-over-day against ``previous_success``;
6. ``train_and_score`` then ``compare_with_champion``: the day's retrained model against
   ``pinned:champion``;
7. ``gate`` (owner ``ml-platform``): one decision, one de-duplicated alert;
8. ``promote``: only when the gate passed, the day's model becomes champion (a pin with its reason).

Trigger with ``{"seed": 7, "fault": "drift"}``; faults: ``drift``, ``schema``, ``volume``, ``regress``.
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.sdk import DAG, Asset, Param, task

from airflow_mlops.checks import Drift, Mean, MetricRegression, NullRate, RowCount, Schema
from airflow_mlops.core.leaderboard import model_asset_uri
from airflow_mlops.operators import BaselineComparisonOperator, DataValidationOperator, QualityGateOperator

HERE = Path(__file__).parent
CONTRACT = HERE / "contracts" / "wine_quality.yaml"
DATA_KEY, MODEL_KEY = "wine_quality.features", "wine_quality.model"
BATCH = "{{ ti.xcom_pull(task_ids='ingest') }}"


def _wine_data():  # type: ignore[no-untyped-def]
    """dags/include/wine_data.py, loaded by path: no sys.path set-up needed in a worker or a script."""
    import importlib.util
    import sys

    if "wine_data" not in sys.modules:
        spec = importlib.util.spec_from_file_location("wine_data", HERE / "include" / "wine_data.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["wine_data"] = module
    return sys.modules["wine_data"]


def _day(dag_run, run_id: str | None) -> tuple[int, str | None]:  # type: ignore[no-untyped-def]
    conf = (dag_run.conf if dag_run is not None else None) or {}
    seed = conf.get("seed")
    return int(seed if seed is not None else sum(map(ord, str(run_id))) % 10_000), conf.get("fault")


with DAG(
    dag_id="example_wine_production",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    params={
        "seed": Param(None, type=["null", "integer"]),
        "fault": Param(None, type=["null", "string"], enum=[None, "drift", "schema", "volume", "regress"]),
    },
    default_args={"owner": "ml-platform"},
    tags=["airflow-mlops", "example", "handoff"],
    doc_md=__doc__,
) as production:

    @task
    def register_contract() -> dict[str, str]:
        from airflow_mlops.config import get_store
        from airflow_mlops.contract import load_contract
        from airflow_mlops.contract import register_contract as register

        return register(load_contract(CONTRACT), get_store(), user="example_wine_production")

    @task
    def ingest(dag_run=None, run_id: str | None = None) -> str:  # type: ignore[no-untyped-def]
        import os

        seed, fault = _day(dag_run, run_id)
        folder = Path(os.environ.get("AIRFLOW_HOME", "/tmp")) / "data" / "wine"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{str(run_id).replace(':', '_').replace('+', '_')}.parquet"
        _wine_data().daily_batch(seed, None if fault == "regress" else fault).to_parquet(path)
        return str(path)

    @task
    def train_and_score(path: str, dag_run=None, run_id: str | None = None) -> dict[str, float]:  # type: ignore[no-untyped-def]
        import pandas as pd

        _, fault = _day(dag_run, run_id)
        noise = 0.6 if fault == "regress" else 0.0
        return _wine_data().train_and_evaluate(pd.read_parquet(path), label_noise=noise)

    registered = register_contract()
    batch = ingest()
    validate = DataValidationOperator(
        task_id="validate", data=BATCH, suite="contracts/wine_quality.suite.json", fail_task=False
    )
    skew = BaselineComparisonOperator(
        task_id="compare_with_notebook",
        data=BATCH,
        baseline="pinned:notebook",
        baseline_key=DATA_KEY,
        checks=[
            Schema(),
            Drift("alcohol", method="psi", warn=0.2, fail=0.5),
            Drift("color_intensity", method="psi", warn=0.2, fail=0.5),
            Drift("cultivar", method="chi2", warn=0.05, fail=0.15),
        ],
        on_missing_baseline="fail",
        fail_task=False,
    )
    daily = BaselineComparisonOperator(
        task_id="compare_with_yesterday",
        data=BATCH,
        baseline="previous_success",
        checks=[
            RowCount(warn=0.2, fail=0.5),
            NullRate("alcohol", warn=0.01, fail=0.05),
            Mean("color_intensity", warn=0.1, fail=0.25),
            Drift("alcohol", method="ks", warn=0.15, fail=0.3),
        ],
        on_missing_baseline="pass",  # the first day has no yesterday
        fail_task=False,
    )
    scores = train_and_score(batch)
    champion = BaselineComparisonOperator(
        task_id="compare_with_champion",
        metrics=scores,
        baseline="pinned:champion",
        baseline_key=MODEL_KEY,
        share_baseline_with=["example_notebook_training"],  # the notebook's DAG compares into this key too
        checks=[
            MetricRegression("accuracy", warn=0.03, fail=0.08, primary=True),  # the leaderboard ranks by it
            MetricRegression("f1_macro", fail=0.1),
        ],
        on_missing_baseline="fail",
        fail_task=False,
    )
    gate = QualityGateOperator(task_id="gate", owner="ml-platform", on_fail="fail")

    @task(outlets=[Asset(model_asset_uri(MODEL_KEY))])  # a new champion: DAGs scheduled on it run
    def promote(run_id: str | None = None, logical_date=None) -> str:  # type: ignore[no-untyped-def]
        from airflow_mlops.config import get_store
        from airflow_mlops.leaderboard import promote

        data = f"the data of {logical_date.date()}" if logical_date is not None else f"run {run_id}"
        pin = promote(
            get_store(), MODEL_KEY, run_id=run_id, profile_id=None, user="example_wine_production",
            reason=f"promoted: the gate passed on {data}",
        )  # fmt: skip
        return f"champion is now the model of run {run_id} (pin {pin.id})"

    registered >> batch >> [validate, skew, daily]
    registered >> champion
    [validate, skew, daily, champion] >> gate >> promote()
