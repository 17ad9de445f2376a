"""DAGs used by tests/operators/test_gate.py. Faults and severities are steered through ``dag_run.conf``."""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Asset

from airflow_mlops.operators import DataValidationOperator, QualityGateOperator

START = pendulum.datetime(2026, 1, 1, tz="UTC")
SUITE = [
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "alcohol"}},
    {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "alcohol", "min_value": 10, "max_value": 16},
    },
]


def wine(dag_run=None):
    """scikit-learn's wine data; ``conf["fault"]``: ``nulls`` (null alcohol) or ``range`` (out of range)."""
    import pandas as pd
    from sklearn.datasets import load_wine

    frame = pd.DataFrame(load_wine(as_frame=True).frame)
    fault = (dag_run.conf or {}).get("fault") if dag_run is not None else None
    if fault in ("nulls", "both"):
        frame.loc[frame.index[:10], "alcohol"] = None
    if fault in ("range", "both"):
        frame.loc[frame.index[10:15], "alcohol"] = 42.0
    return frame


def validate(severity: str = "{{ dag_run.conf.get('severity', 'fail') }}") -> DataValidationOperator:
    return DataValidationOperator(
        task_id="validate", data=wine, suite=SUITE, severity=severity, fail_task=False
    )


with DAG("mlops_test_gate", schedule=None, start_date=START, catchup=False) as gate_dag:
    gate = QualityGateOperator(task_id="gate", owner="ml-platform", outlets=[Asset("mlops://test/gate")])
    validate() >> gate >> EmptyOperator(task_id="publish")


class FlakyAfterAlertGate(QualityGateOperator):
    """A gate whose infrastructure fails *after* it alerted, on its first two tries (a retryable error)."""

    def after_record(self, context, status, outcome, summary):  # type: ignore[no-untyped-def]
        summary = super().after_record(context, status, outcome, summary)
        if context["ti"].try_number < 3:
            raise ConnectionError("simulated: lost the network after alerting")
        return summary


with DAG("mlops_test_gate_retry", schedule=None, start_date=START, catchup=False) as gate_retry_dag:
    validate() >> FlakyAfterAlertGate(
        task_id="gate", owner="ml-platform", retries=3, retry_delay=pendulum.duration(seconds=0)
    )


def crash() -> None:
    raise RuntimeError("simulated crash of a custom check before it recorded anything")


with DAG("mlops_test_gate_fail_closed", schedule=None, start_date=START, catchup=False) as gate_fail_closed:
    custom = PythonOperator(task_id="custom_check", python_callable=crash)
    [validate(), custom] >> QualityGateOperator(
        task_id="gate", owner="ml-platform", checks=["validate", "custom_check"], notify=False
    )


with DAG("mlops_test_gate_skip", schedule=None, start_date=START, catchup=False) as gate_skip_dag:
    (
        validate()
        >> QualityGateOperator(
            task_id="gate", owner="ml-platform", on_fail="skip", outlets=[Asset("mlops://test/gate_skip")]
        )
        >> EmptyOperator(task_id="publish")
    )


with DAG("mlops_test_gate_runbook", schedule=None, start_date=START, catchup=False) as gate_runbook_dag:
    # the runbook is templated: checked once rendered (conf "runbook"), the team's when it renders empty
    validate() >> QualityGateOperator(
        task_id="gate", owner="ml-platform", runbook_url="{{ dag_run.conf.get('runbook', '') }}"
    )


def _skipping_dag(dag_id: str, *, ignore_skipped: bool) -> DAG:
    from airflow.providers.standard.operators.python import ShortCircuitOperator

    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        short = ShortCircuitOperator(
            task_id="only_on_mondays", python_callable=lambda: False, ignore_downstream_trigger_rules=False
        )
        monday_check = DataValidationOperator(task_id="monday_check", data=wine, suite=SUITE)
        daily_check = DataValidationOperator(task_id="daily_check", data=wine, suite=SUITE)
        gate = QualityGateOperator(
            task_id="gate", owner="ml-platform", notify=False, ignore_skipped=ignore_skipped
        )
        short >> monday_check >> gate
        daily_check >> gate
    return dag


gate_skipped_upstream = _skipping_dag("mlops_test_gate_skipped_upstream", ignore_skipped=False)
gate_ignore_skipped = _skipping_dag("mlops_test_gate_ignore_skipped", ignore_skipped=True)


with DAG("mlops_test_gate_approve", schedule=None, start_date=START, catchup=False) as gate_approve_dag:
    (
        validate()
        >> QualityGateOperator(task_id="gate", owner="ml-platform", on_fail="approve")
        >> EmptyOperator(task_id="publish")
    )


def wine_part(ti=None):
    """One of 50 slices of the wine data, chosen by the mapped task's map index."""
    frame = wine()
    index = ti.map_index if ti is not None and ti.map_index >= 0 else 0
    return frame.iloc[[i for i in range(len(frame)) if i % 50 == index]].reset_index(drop=True)


def _mapped(dag_id: str, width: int) -> DAG:
    """``width`` mapped validations of a callable data= (sliced by map index) and a gate."""
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        checks = DataValidationOperator.partial(
            task_id="validate", data=wine_part, suite=SUITE[:1], fail_task=False
        ).expand(severity=["fail"] * width)
        checks >> QualityGateOperator(task_id="gate", owner="ml-platform")
    return dag


mapped_dag = _mapped("mlops_test_mapped", 50)  # tests/integration: 50 at once on a real scheduler
mapped_small_dag = _mapped("mlops_test_mapped_small", 3)


# A team's DAG that tests/plugins/test_api.py deletes from Airflow after it ran (its records stay).
with DAG("mlops_test_deleted", schedule=None, start_date=START, catchup=False) as deleted_dag:
    validate() >> QualityGateOperator(
        task_id="gate",
        owner="ml-platform",
        notify=False,
        runbook_url="https://runbooks.example.com/secret-fix",
    )


def _compared_dag() -> DAG:
    """A comparison (the wine batches of comparison_dags) and a gate: its alerts name the baseline."""
    from airflow_mlops.operators import BaselineComparisonOperator
    from tests.dags.comparison_dags import DATA_CHECKS, daily_wine

    with DAG("mlops_test_gate_compared", schedule=None, start_date=START, catchup=False) as dag:
        BaselineComparisonOperator(
            task_id="compare",
            data=daily_wine,
            checks=DATA_CHECKS,
            on_missing_baseline="pass",
            fail_task=False,
        ) >> QualityGateOperator(task_id="gate", owner="ml-platform")
    return dag


gate_compared_dag = _compared_dag()
