"""Run the data scientist's notebook itself, with papermill, as a parameterized step between gates.

``validate_training_data`` checks the training data with the contract's suite; ``run_notebook`` executes
``notebooks/wine_quality.ipynb`` for real (papermill, the ``python3`` kernel of this environment) with its
``parameters`` cell set for this run, keeping the executed notebook as the run's record;
``check_contract`` reads back the contract the notebook exported (validated against the contract
schema); ``compare_with_champion`` compares its metrics with the production champion; ``gate`` decides.
The exported contract goes to ``$AIRFLOW_HOME/notebook_runs/<run>/``: reviewing it and committing it to
``dags/contracts/`` is the human step of the handoff.
"""

from __future__ import annotations

from pathlib import Path

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_mlops.checks import MetricRegression
from airflow_mlops.operators import BaselineComparisonOperator, DataValidationOperator, QualityGateOperator

HERE = Path(__file__).parent
NOTEBOOK = HERE.parent / "notebooks" / "wine_quality.ipynb"


def training_data():
    """The training data the notebook reads (scikit-learn's bundled wine data set)."""
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
    frame["cultivar"] = frame["cultivar"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    return frame


with DAG(
    dag_id="example_notebook_training",
    schedule=None,
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    params={"seed": Param(42, type="integer"), "notebook": Param(str(NOTEBOOK), type="string")},
    default_args={"owner": "ml-platform"},
    tags=["airflow-mlops", "example", "handoff"],
    doc_md=__doc__,
) as notebook_training:
    validate = DataValidationOperator(
        task_id="validate_training_data", data=training_data, suite="contracts/wine_quality.suite.json"
    )

    @task
    def run_notebook(params=None, run_id: str | None = None) -> str:  # type: ignore[no-untyped-def]
        import os

        import papermill

        notebook = Path(params["notebook"])
        folder = (
            Path(os.environ.get("AIRFLOW_HOME", "/tmp")) / "notebook_runs" / str(run_id).replace(":", "_")
        )
        folder.mkdir(parents=True, exist_ok=True)
        contract = folder / "contracts" / "wine_quality.yaml"
        papermill.execute_notebook(
            str(notebook),
            str(folder / notebook.name),
            parameters={
                "contract_path": str(contract),
                "seed": int(params["seed"]),
                "created_by": str(run_id),
            },
            cwd=str(notebook.parent),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
        )
        return str(contract)

    @task
    def check_contract(path: str) -> dict[str, float]:
        from airflow_mlops.contract import load_contract

        return dict(load_contract(path).metrics)

    executed = run_notebook()
    metrics = check_contract(executed)
    compare = BaselineComparisonOperator(
        task_id="compare_with_champion",
        metrics=metrics,
        baseline="pinned:champion",
        baseline_key="wine_quality.model",
        share_baseline_with=["example_wine_production"],  # the key of the production DAG's model as well
        checks=[MetricRegression("accuracy", warn=0.03, fail=0.08)],
        on_missing_baseline="pass",
        fail_task=False,
    )
    validate >> executed
    compare >> QualityGateOperator(task_id="gate", owner="ml-platform")
