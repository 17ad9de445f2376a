"""Start and stop a real Airflow for the integration suite: api-server, scheduler, dag-processor,
triggerer and, with the CeleryExecutor, Celery workers on the Redis broker. Airflow's metadata lives in a
fresh PostgreSQL database; our results store in another one (or wherever ``store_url`` says).

Used as a context manager by the module fixtures of ``tests/integration``; every process runs in its own
session so that it and its children are stopped together.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import sqlalchemy as sa

from tests.helpers import free_port, wait_for_api_server

REPO = Path(__file__).resolve().parents[2]
PG = os.environ.get("MLOPS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS = os.environ.get("MLOPS_TEST_REDIS", "redis://127.0.0.1:6379")


def _database(admin: sa.Engine, name: str) -> str:
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return f"{PG}/{name}"


class Airflow:
    """A running Airflow: its environment, metadata engine, results-store URL, home and processes."""

    def __init__(
        self, home: Path, env: dict[str, str], meta_url: str, store_url: str, port: int, suffix: str
    ) -> None:
        self.home = home
        self.suffix = suffix
        self.env = env
        self.meta_url = meta_url
        self.meta = sa.create_engine(meta_url)
        self.store_url = store_url
        self.port = port
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[str]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- processes -------------------------------------------------------------------------------------
    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.home / f"{name}.log").open("a")
        self._logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def start_api_server(self) -> None:
        process = self.start("api-server", "api-server", "--port", str(self.port))
        wait_for_api_server(self.base_url, process=process, log=self.home / "api-server.log")

    def log(self, name: str, tail: int = 2000) -> str:
        path = self.home / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def celery_tasks_per_worker(self) -> dict[str, int]:
        """How many tasks each of our Celery workers executed (Celery's own remote-control ``stats``)."""
        from celery import Celery

        app = Celery(broker=self.env["AIRFLOW__CELERY__BROKER_URL"])
        stats = app.control.inspect(timeout=10).stats() or {}
        mine = f"mlops-it-{self.suffix}-"  # only this run's workers, whatever else shares the broker
        return {
            name: sum(worker.get("total", {}).values())
            for name, worker in stats.items()
            if name.startswith(mine)
        }

    # -- DAG runs --------------------------------------------------------------------------------------
    def airflow_cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def trigger(self, dag_id: str, conf: dict[str, Any], run_id: str) -> None:
        """Trigger a run with the CLI, retrying until the dag-processor has parsed the DAG."""
        deadline = time.monotonic() + 240
        while True:
            done = self.airflow_cli("dags", "trigger", dag_id, "-c", json.dumps(conf), "-r", run_id)
            if done.returncode == 0:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"could not trigger {dag_id}: {done.stderr[-2000:]}")
            time.sleep(3)

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        with self.meta.connect() as conn:
            return conn.execute(
                sa.text("SELECT state FROM dag_run WHERE dag_id = :d AND run_id = :r"),
                {"d": dag_id, "r": run_id},
            ).scalar()

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 600) -> str:
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return str(state)
            time.sleep(2)
        logs = "".join(self.log(name, 1500) for name in self.processes)
        pytest.fail(f"{dag_id} {run_id} did not finish within {timeout:.0f} s (state {state}): {logs}")

    def run_after(self, dag_id: str, run_id: str) -> Any:
        """The run's ``run_after`` (an aware datetime), as the scheduler and the tasks see it."""
        with self.meta.connect() as conn:
            return conn.execute(
                sa.text("SELECT run_after FROM dag_run WHERE dag_id = :d AND run_id = :r"),
                {"d": dag_id, "r": run_id},
            ).scalar_one()

    def wait_for_task_state(
        self, dag_id: str, run_id: str, task_id: str, state: str, timeout: float = 180
    ) -> None:
        """Wait until the task instance is in ``state`` (e.g. ``deferred``); fail if it ends in another."""
        deadline = time.monotonic() + timeout
        now = None
        while time.monotonic() < deadline:
            with self.meta.connect() as conn:
                now = conn.execute(
                    sa.text(
                        "SELECT state FROM task_instance WHERE dag_id = :d AND run_id = :r AND task_id = :t"
                    ),
                    {"d": dag_id, "r": run_id, "t": task_id},
                ).scalar()
            if now == state:
                return
            if now in ("success", "failed", "upstream_failed", "skipped"):
                break
            time.sleep(0.5)
        logs = "".join(self.log(name, 1500) for name in self.processes)
        pytest.fail(
            f"{dag_id} {run_id} {task_id} is {now}, not {state}, after {timeout:.0f} s at most: {logs}"
        )

    def trigger_and_wait(self, dag_id: str, conf: dict[str, Any], run_id: str) -> str:
        self.trigger(dag_id, conf, run_id)
        return self.wait_for_run(dag_id, run_id)

    def task_states(self, dag_id: str, run_id: str) -> dict[str, list[str]]:
        with self.meta.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT task_id, map_index, state FROM task_instance WHERE dag_id = :d AND run_id = :r "
                    "ORDER BY task_id, map_index"
                ),
                {"d": dag_id, "r": run_id},
            ).all()
        states: dict[str, list[str]] = {}
        for task_id, _, state in rows:
            states.setdefault(task_id, []).append(state)
        return states


@contextlib.contextmanager
def running_airflow(
    home: Path,
    *,
    executor: str = "LocalExecutor",
    store_url: str | None = None,
    celery_workers: int = 2,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Airflow]:
    """Migrate a fresh metadata DB and start the services; stop them and drop the databases afterwards.

    :param executor: ``LocalExecutor`` or ``CeleryExecutor`` (then ``celery_workers`` workers, each with
        two slots, on the Redis broker, results in the metadata database).
    :param store_url: the results store; a fresh PostgreSQL database when not given.
    """
    admin = sa.create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:8]
    meta_url = f"{PG}/mlops_it_meta_{suffix}"
    own_store = store_url is None
    store = f"{PG}/mlops_it_store_{suffix}" if store_url is None else store_url
    port = free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "PYTHONPATH": str(REPO),  # the test DAGs import tests.dags.*
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta_url,
        "AIRFLOW__CORE__EXECUTOR": executor,
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
        "AIRFLOW__MLOPS__RESULTS_DB_URL": store,
        "AIRFLOW__MLOPS__OWNERS_FILE": str(home / "no-owners.yaml"),  # decisions only: no alerting
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
    if executor == "CeleryExecutor":
        # a Redis database picked by the run's id (emptied afterwards); the workers are named after the run
        env["AIRFLOW__CELERY__BROKER_URL"] = f"{REDIS}/{int(suffix, 16) % 14 + 2}"
        env["AIRFLOW__CELERY__RESULT_BACKEND"] = "db+" + meta_url
        env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] = "2"
    env.update(extra_env or {})
    airflow = Airflow(home, env, meta_url, store, port, suffix)
    try:
        for url in (meta_url, store) if own_store else (meta_url,):
            _database(admin, url.rsplit("/", 1)[1])
        migrate = airflow.airflow_cli("db", "migrate", timeout=600)
        assert migrate.returncode == 0, migrate.stderr[-2000:]
        airflow.start_api_server()
        for service in ("scheduler", "dag-processor", "triggerer"):
            airflow.start(service, service)
        if executor == "CeleryExecutor":
            for n in range(celery_workers):
                airflow.start(
                    f"celery-worker-{n}", "celery", "worker", "--celery-hostname", f"mlops-it-{suffix}-{n}@%h"
                )
        yield airflow
    finally:
        for name in list(airflow.processes):
            airflow.stop(name)
        for log in airflow._logs:
            log.close()
        airflow.meta.dispose()
        with admin.connect() as conn:
            for url in (meta_url, store) if own_store else (meta_url,):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()
        if executor == "CeleryExecutor":  # leave the broker's database empty for the next run
            import redis

            redis.Redis.from_url(env["AIRFLOW__CELERY__BROKER_URL"]).flushdb()


def decisions(store_url: str, dag_id: str, run_ids: list[str]) -> list[dict[str, Any]]:
    """Per run: the gate's status and every check's status, as our store recorded them."""
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
