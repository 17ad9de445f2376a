"""DAGs used by tests/integration/test_faults.py: tasks that a test kills with SIGKILL mid-task.

With ``conf["kill_dir"]``, the first try of each task named in ``conf["kill"]`` writes its process id to
``<kill_dir>/<task_id>.pid`` at the moment named below and waits there to be killed; the retry runs
normally.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pendulum
from airflow.sdk import DAG

from airflow_mlops.operators import DataValidationOperator, QualityGateOperator
from tests.dags.gate_dags import START, SUITE, wine


def _wait_to_be_killed(context, task_id: str) -> None:  # type: ignore[no-untyped-def]
    conf = context["dag_run"].conf or {}
    if context["ti"].try_number == 1 and task_id in conf.get("kill", []) and conf.get("kill_dir"):
        (Path(conf["kill_dir"]) / f"{task_id}.pid").write_text(str(os.getpid()))
        time.sleep(600)  # the test kills this process long before


def wine_or_die(ti=None, dag_run=None):  # type: ignore[no-untyped-def]
    """Killed while it loads the data: before anything is checked or recorded."""
    _wait_to_be_killed({"ti": ti, "dag_run": dag_run}, "validate")
    return wine(dag_run=dag_run)


class KilledAfterAlertGate(QualityGateOperator):
    """Killed after it recorded its decision and sent its alert, before the task ends."""

    def after_record(self, context, status, outcome, summary):  # type: ignore[no-untyped-def]
        summary = super().after_record(context, status, outcome, summary)
        _wait_to_be_killed(context, self.task_id)
        return summary


with DAG("mlops_test_kill", schedule=None, start_date=START, catchup=False) as kill_dag:
    DataValidationOperator(
        task_id="validate",
        data=wine_or_die,
        suite=SUITE,
        fail_task=False,
        retries=1,
        retry_delay=pendulum.duration(seconds=1),
    ) >> KilledAfterAlertGate(
        task_id="gate", owner="ml-platform", retries=1, retry_delay=pendulum.duration(seconds=1)
    )
