"""A real Airflow: scheduler, dag-processor, triggerer and api-server processes with the LocalExecutor,
Airflow's metadata and our results store both on the real PostgreSQL server. DAG runs are triggered
with the CLI and executed by the scheduler's workers, not by ``dag.test``.

Checked: the gate decisions, check statuses and incidents of a four-day sequence equal those of the same
sequence run with ``dag.test``; 50 mapped validation tasks in one run write 50 rows, none twice, and the
gate sees all 50.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

REPO = Path(__file__).resolve().parents[2]
PG = os.environ.get("MLOPS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
DAYS = [{"seed": 1}, {"seed": 2}, {"seed": 4, "fault": "shifted"}, {"seed": 5}]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database(admin: sa.Engine, name: str) -> str:
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return f"{PG}/{name}"


@pytest.fixture(scope="module")
def airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Start the four Airflow services; yield their environment, the metadata URL and the store URL."""
    import httpx

    home = tmp_path_factory.mktemp("scheduler-home")
    admin = sa.create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:8]
    meta_url = _database(admin, f"mlops_it_meta_{suffix}")
    store_url = _database(admin, f"mlops_it_store_{suffix}")
    port = _free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "PYTHONPATH": str(REPO),  # the test DAGs import tests.dags.*
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta_url,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "tests" / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__MLOPS__RESULTS_DB_URL": store_url,
        "AIRFLOW__MLOPS__OWNERS_FILE": str(home / "no-owners.yaml"),  # decisions only: no alerting here
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
    migrate = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env,
                             capture_output=True, text=True, timeout=600)  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    processes = []
    for service in (["api-server", "--port", str(port)], ["scheduler"], ["dag-processor"], ["triggerer"]):
        log = (home / f"{service[0]}.log").open("w")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "airflow", *service],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    "the api-server did not answer within 180 s: "
                    + (home / "api-server.log").read_text()[-2000:]
                )
            time.sleep(1)
        yield {"env": env, "meta": sa.create_engine(meta_url), "store_url": store_url, "home": home}
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        with admin.connect() as conn:
            for url in (meta_url, store_url):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))


def trigger_and_wait(airflow: dict[str, Any], dag_id: str, conf: dict[str, Any], run_id: str) -> str:
    """Trigger a run with the CLI (retrying until the dag-processor has parsed the DAG), wait for its end."""
    deadline = time.monotonic() + 240
    while True:
        done = subprocess.run(
            [sys.executable, "-m", "airflow", "dags", "trigger", dag_id, "-c", json.dumps(conf), "-r", run_id],
            env=airflow["env"], capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if done.returncode == 0:
            break
        if time.monotonic() > deadline:
            pytest.fail(f"could not trigger {dag_id}: {done.stderr[-2000:]}")
        time.sleep(3)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with airflow["meta"].connect() as conn:
            state = conn.execute(
                sa.text("SELECT state FROM dag_run WHERE dag_id = :d AND run_id = :r"),
                {"d": dag_id, "r": run_id},
            ).scalar()
        if state in ("success", "failed"):
            return str(state)
        time.sleep(2)
    logs = "".join((airflow["home"] / f"{s}.log").read_text()[-1500:] for s in ("scheduler", "dag-processor"))
    pytest.fail(f"{dag_id} {run_id} did not finish within 600 s (state {state}): {logs}")


def decisions(store_url: str, dag_id: str, run_ids: list[str]) -> list[dict[str, Any]]:
    from airflow_mlops.store import ResultsStore

    store = ResultsStore(store_url)
    out = []
    for run_id in run_ids:
        gate = store.latest_check_run(dag_id=dag_id, task_id="gate", run_id=run_id)
        checks = {
            (row.task_id, r.name): r.status
            for task in ("compare", "validate")
            for row in store.latest_task_runs(dag_id=dag_id, run_id=run_id, task_id=task)
            for r in row.results
        }
        out.append({"gate": gate.status if gate else None, "checks": checks})
    store.engine.dispose()
    return out


def test_a_real_scheduler_decides_exactly_as_dag_test_does(airflow: dict[str, Any], tmp_path: Path) -> None:
    run_ids = [f"it_day_{i}" for i in range(len(DAYS))]
    states = [
        trigger_and_wait(airflow, "mlops_test_ui", conf, run_id)
        for conf, run_id in zip(DAYS, run_ids, strict=True)
    ]
    scheduled = decisions(airflow["store_url"], "mlops_test_ui", run_ids)
    assert [d["gate"] for d in scheduled] == ["WARNED", "PASSED", "FAILED", "PASSED"], scheduled
    assert states == ["success", "success", "failed", "success"]

    # the same four days with dag.test, in a fresh Airflow home and a fresh store
    code = (
        "import json, sys\n"
        "from tests.dags.ui_dags import ui_dag\n"
        f"for conf in {DAYS!r}:\n"
        "    print('RUN', ui_dag.test(run_conf=conf).run_id)\n"
    )
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__MLOPS__RESULTS_DB_URL": f"sqlite:///{tmp_path / 's.db'}",
           "AIRFLOW__MLOPS__OWNERS_FILE": str(tmp_path / "no-owners.yaml"), "PYTHONPATH": str(REPO),
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
    assert decisions(f"sqlite:///{tmp_path / 's.db'}", "mlops_test_ui", local_runs) == scheduled


def test_fifty_mapped_checks_write_once_each_and_the_gate_sees_them_all(airflow: dict[str, Any]) -> None:
    state = trigger_and_wait(airflow, "mlops_test_mapped", {}, "it_mapped")
    from airflow_mlops.store import ResultsStore

    store = ResultsStore(airflow["store_url"])
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
