"""The DAG behind the leaderboard tests: a retrained model compared with the champion, a gate, and a
promotion when the gate passes (updating the model's asset); ``conf``: ``C`` (regularization, so that
candidates differ) and ``fault="degrade"`` (a model that regresses)."""

from __future__ import annotations

from airflow.sdk import DAG, Asset, task

from airflow_mlops.checks import MetricRegression
from airflow_mlops.core.leaderboard import model_asset_uri
from airflow_mlops.operators import BaselineComparisonOperator, QualityGateOperator
from tests.dags.comparison_dags import START, wine_model_metrics

MODEL_KEY = "mlops_test.model"


def candidate_metrics(dag_run=None):
    """The wine classifier's test metrics, trained with ``conf["C"]``; degraded labels on ``fault``."""
    conf = (dag_run.conf or {}) if dag_run is not None else {}
    return wine_model_metrics(conf, c=float(conf.get("C", 1.0)), scaled=False, noise=0.5)


with DAG("mlops_test_models", schedule=None, start_date=START, catchup=False) as models_dag:
    compare = BaselineComparisonOperator(
        task_id="compare_with_champion",
        metrics=candidate_metrics,
        baseline="pinned:champion",
        baseline_key=MODEL_KEY,
        checks=[
            MetricRegression("f1_macro", fail=0.1),
            MetricRegression("accuracy", fail=0.05, primary=True),
        ],
        on_missing_baseline="pass",
        fail_task=False,
    )
    gate = QualityGateOperator(task_id="gate", owner="ml-platform", on_fail="skip", notify=False)

    @task(outlets=[Asset(model_asset_uri(MODEL_KEY))])
    def promote(run_id: str | None = None) -> None:
        from airflow_mlops.config import get_store
        from airflow_mlops.leaderboard import promote

        promote(get_store(), MODEL_KEY, run_id=run_id, profile_id=None, user="mlops_test_models",
                reason=f"promoted: gate passed in run {run_id}")  # fmt: skip

    compare >> gate >> promote()
