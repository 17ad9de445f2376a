"""Consumer DAGs used by tests/sensors/test_gate_sensor.py: they wait for mlops_test_gate's gate."""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Asset

from airflow_mlops.sensors import QualityGateSensor

START = pendulum.datetime(2026, 1, 1, tz="UTC")


def _consumer(
    dag_id: str, *, deferrable: bool, by_run_id: bool = True, producer: str = "mlops_test_gate"
) -> DAG:
    with DAG(dag_id, schedule=None, start_date=START, catchup=False) as dag:
        QualityGateSensor(
            task_id="wait_for_gate",
            external_dag_id=producer,
            gate_task_id="gate",
            run_id="{{ dag_run.conf['producer_run_id'] }}" if by_run_id else None,
            deferrable=deferrable,
            mode="poke",
            poke_interval=1,
            timeout=600,
        ) >> EmptyOperator(task_id="use_validated_data")
    return dag


consumer_poke = _consumer("mlops_test_consumer_poke", deferrable=False)
consumer_deferred = _consumer("mlops_test_consumer_deferred", deferrable=True)
consumer_latest = _consumer("mlops_test_consumer_latest", deferrable=True, by_run_id=False)
# matched by run time, waiting for the producer named in conf["producer"]: the late-decision tests
# (test_gate_sensor.py with dag.test, tests/integration/test_scheduler.py with a real triggerer)
consumer_by_time = _consumer(
    "mlops_test_consumer_by_time",
    deferrable=True,
    by_run_id=False,
    producer="{{ dag_run.conf['producer'] }}",
)


# the asset-scheduled consumer: runs only when mlops_test_gate's gate emitted its asset (pass or override)
with DAG(
    "mlops_test_asset_consumer", schedule=[Asset("mlops://test/gate")], start_date=START, catchup=False
) as asset_consumer:
    EmptyOperator(task_id="use_validated_data")
