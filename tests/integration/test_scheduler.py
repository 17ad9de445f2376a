"""A real Airflow: scheduler, dag-processor, triggerer and api-server processes, with the LocalExecutor
and with the CeleryExecutor (two Celery workers on the Redis broker), Airflow's metadata on the real
PostgreSQL server. DAG runs are triggered with the CLI and executed by the executor's workers, not by
``dag.test``. The LocalExecutor writes our results to a store on PostgreSQL; the Celery workers write to
a store in one SQLite file (WAL, busy timeout, retries on lock).

Checked for each: the gate decisions, check statuses and incidents of a four-day sequence equal those of
the same sequence run with ``dag.test``; 50 mapped validation tasks in one run write 50 rows, none twice,
no "database is locked" anywhere, and the gate sees all 50; with Celery, both workers took tasks; a
deferrable QualityGateSensor that defers before its producer's gate decides is woken by the real
triggerer with the decision of the right producer run (PASSED: success, FAILED: a failure at once).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.helpers import record_gate
from tests.integration.services import REPO, Airflow, decisions, running_airflow

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

DAYS = [{"seed": 1}, {"seed": 2}, {"seed": 4, "fault": "shifted"}, {"seed": 5}]


@pytest.fixture(
    scope="module",
    params=[("LocalExecutor", "postgresql"), ("CeleryExecutor", "sqlite")],
    ids=["LocalExecutor-store_on_postgresql", "CeleryExecutor-store_on_sqlite"],
)
def airflow(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Airflow]:
    """A real Airflow with this executor; metadata on PostgreSQL, our store on PostgreSQL or in a SQLite file
    (two Celery workers with two slots each then write to that one file at once)."""
    executor, store = request.param
    home = tmp_path_factory.mktemp(f"home-{executor}")
    store_url = f"sqlite:///{home / 'store.db'}" if store == "sqlite" else None
    with running_airflow(home, executor=executor, store_url=store_url) as airflow:
        yield airflow


@pytest.fixture(scope="module")
def dag_test_decisions(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The same four days run with dag.test, in a fresh Airflow home and a fresh SQLite store."""
    home = tmp_path_factory.mktemp("dag-test-home")
    code = (
        "from tests.dags.ui_dags import ui_dag\n"
        f"for conf in {DAYS!r}:\n"
        "    print('RUN', ui_dag.test(run_conf=conf).run_id)\n"
    )
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__MLOPS__RESULTS_DB_URL": f"sqlite:///{home / 's.db'}",
           "AIRFLOW__MLOPS__OWNERS_FILE": str(home / "no-owners.yaml"), "PYTHONPATH": str(REPO),
           "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "tests" / "dags")}  # fmt: skip
    migrate = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], env=env, capture_output=True, timeout=600
    )
    assert migrate.returncode == 0
    local = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=900
    )
    local_runs = [line.split()[1] for line in local.stdout.splitlines() if line.startswith("RUN ")]
    assert len(local_runs) == 4, local.stderr[-3000:]
    return decisions(f"sqlite:///{home / 's.db'}", "mlops_test_ui", local_runs)


def test_a_real_scheduler_decides_exactly_as_dag_test_does(
    airflow: Airflow, dag_test_decisions: list[dict[str, Any]]
) -> None:
    run_ids = [f"it_day_{i}" for i in range(len(DAYS))]
    states = [
        airflow.trigger_and_wait("mlops_test_ui", conf, run_id)
        for conf, run_id in zip(DAYS, run_ids, strict=True)
    ]
    scheduled = decisions(airflow.store_url, "mlops_test_ui", run_ids)
    assert [d["gate"] for d in scheduled] == ["WARNED", "PASSED", "FAILED", "PASSED"], scheduled
    assert states == ["success", "success", "failed", "success"]
    assert dag_test_decisions == scheduled


def test_fifty_mapped_checks_write_once_each_and_the_gate_sees_them_all(airflow: Airflow) -> None:
    state = airflow.trigger_and_wait("mlops_test_mapped", {}, "it_mapped")
    from airflow_mlops.store import ResultsStore

    store = ResultsStore(airflow.store_url)
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT map_index, count(*) FROM mlops_check_run WHERE dag_id = 'mlops_test_mapped' "
                "AND task_id = 'validate' GROUP BY map_index"
            )  # fmt: skip
        ).all()
    gate = store.latest_check_run(dag_id="mlops_test_mapped", task_id="gate", run_id="it_mapped")
    store.engine.dispose()
    assert state == "success"
    assert sorted(i for i, _ in rows) == list(range(50))  # 0 lost
    assert all(n == 1 for _, n in rows)  # 0 duplicated
    assert gate is not None and gate.status == "PASSED" and len(gate.summary["upstream"]) == 50
    assert all(s == ["success"] * (50 if t == "validate" else 1) for t, s in airflow.task_states(
        "mlops_test_mapped", "it_mapped").items())  # fmt: skip
    # the services' logs and every task's log (our store logs each retry on a lock)
    logs = "".join(airflow.log(name, 10**8) for name in airflow.processes) + "".join(
        path.read_text(errors="replace") for path in (airflow.home / "logs").rglob("*.log")
    )
    assert "database is locked" not in logs
    if airflow.env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor":
        per_worker = airflow.celery_tasks_per_worker()
        # both workers took a share of the 4 + 51 tasks of this module's runs
        assert len(per_worker) == 2 and all(n > 0 for n in per_worker.values()), per_worker


def test_a_deferred_consumer_is_woken_by_the_triggerer_with_the_right_decision(airflow: Airflow) -> None:
    """Two consumer runs matched by run time start before their producer's gate has decided and defer; a
    later producer run decided the opposite already (it must not count). Then each gate decides, one PASSED
    and one FAILED: the real triggerer, which rebuilt the trigger from its row, wakes each consumer with the
    decision of the producer run before it: success, and a failure at once (the sensor's timeout is 600 s)."""
    from airflow_mlops.store import ResultsStore

    consumer = "mlops_test_consumer_by_time"
    # decision -> (consumer run id, producer DAG id): one producer per case, so neither sees the other
    cases = {"PASSED": ("it_late_pass", "it_producer_pass"), "FAILED": ("it_late_fail", "it_producer_fail")}
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda case: airflow.trigger(consumer, {"producer": case[1]}, case[0]), cases.values()))
    store = ResultsStore(airflow.store_url)
    try:
        run_after = {run_id: airflow.run_after(consumer, run_id) for run_id, _ in cases.values()}
        for decision, (run_id, producer) in cases.items():
            opposite = "FAILED" if decision == "PASSED" else "PASSED"
            later = run_after[run_id] + timedelta(seconds=1)
            record_gate(store, "later", opposite, dag_id=producer, run_after=later)
        for run_id, _ in cases.values():
            airflow.wait_for_task_state(consumer, run_id, "wait_for_gate", "deferred")
        for decision, (run_id, producer) in cases.items():
            before = run_after[run_id] - timedelta(seconds=1)
            record_gate(store, "before", decision, dag_id=producer, run_after=before)
        decided = time.monotonic()
        states = {d: airflow.wait_for_run(consumer, run_id, timeout=180) for d, (run_id, _) in cases.items()}
        took = time.monotonic() - decided
    finally:
        store.engine.dispose()
    assert states == {"PASSED": "success", "FAILED": "failed"}, airflow.log("triggerer", 4000)
    assert airflow.task_states(consumer, "it_late_pass") == {
        "use_validated_data": ["success"],
        "wait_for_gate": ["success"],
    }
    assert airflow.task_states(consumer, "it_late_fail") == {
        "use_validated_data": ["upstream_failed"],
        "wait_for_gate": ["failed"],
    }
    assert took < 120
    failed_log = "".join(
        path.read_text(errors="replace")
        for path in (airflow.home / "logs").rglob("*.log")
        if "it_late_fail" in str(path)
    )
    assert "gate it_producer_fail.gate (run before) FAILED (owner ml-platform)" in failed_log
