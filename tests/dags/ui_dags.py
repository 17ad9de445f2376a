"""The DAG behind the UI tests (tests/plugins): a daily comparison of the wine data with its previous good
day, a validation suite, and a gate owned by ml-platform; ``conf`` steers the day and its fault."""

from __future__ import annotations

from airflow.sdk import DAG

from airflow_mlops.checks import Drift, Mean, NullRate, RowCount
from airflow_mlops.operators import BaselineComparisonOperator, DataValidationOperator, QualityGateOperator
from tests.dags.comparison_dags import START, daily_wine

with DAG("mlops_test_ui", schedule=None, start_date=START, catchup=False) as ui_dag:
    compare = BaselineComparisonOperator(
        task_id="compare",
        data=daily_wine,
        checks=[
            RowCount(warn=0.2, fail=0.5),
            NullRate("alcohol", warn=0.01, fail=0.05),
            Mean("color_intensity", warn=0.05, fail=0.15),
            Drift("color_intensity", method="psi", warn=0.2, fail=0.4),
        ],
        baseline="previous_success",
        fail_task=False,
    )
    validate = DataValidationOperator(
        task_id="validate",
        data=daily_wine,
        suite=[{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "alcohol"}}],
        fail_task=False,
    )
    [compare, validate] >> QualityGateOperator(task_id="gate", owner="ml-platform")
