"""Helpers for tests that run real DAGs and real servers."""

from __future__ import annotations

import contextlib
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_api_server(
    base_url: str, *, process: subprocess.Popen[bytes], log: Path, timeout: float = 180
) -> None:
    """Wait until a real ``airflow api-server`` answers its health check; fail with its log if it exits
    or does not answer within ``timeout`` seconds."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"airflow api-server exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{base_url}/api/v2/monitor/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"airflow api-server did not answer within {timeout:.0f} s: {log.read_text(errors='replace')[-3000:]}"
            )
        time.sleep(1)


def run_dag(dag: Any, **conf: Any) -> Any:
    """Run ``dag`` once for real with ``dag.test`` and return the DagRun."""
    return dag.test(run_conf=conf or None)


def task_states(dag_run: Any) -> dict[str, str]:
    from airflow.utils.session import create_session

    with create_session() as session:
        return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances(session=session)}


def xcom(dag_run: Any, task_id: str, key: str = "return_value") -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(
            XComModel.get_many(run_id=dag_run.run_id, dag_ids=dag_run.dag_id, task_ids=task_id, key=key)
        ).first()
        return None if row is None else XComModel.deserialize_value(row)


def record_gate(
    store: Any,
    run_id: str,
    status: str,
    *,
    dag_id: str = "mlops_test_gate",
    run_after: datetime | None = None,
    logical_date: datetime | None = None,
) -> None:
    """A producer's gate decision, written as QualityGateOperator writes it (``record_check_run``)."""
    from airflow_mlops.store import CheckRunRecord

    now = datetime.now(UTC)
    record = CheckRunRecord(
        dag_id=dag_id, task_id="gate", run_id=run_id, try_number=1, kind="gate", status=status,
        owner="ml-platform", run_after=run_after or now, logical_date=logical_date, started_at=now,
        finished_at=now, message=f"{status} (written by the test)",
    )  # fmt: skip
    store.record_check_run(record, [])


def load_wine() -> Any:
    """scikit-learn's bundled wine data set (no download), as a DataFrame."""
    from sklearn.datasets import load_wine as _load

    frame = _load(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "class_0", 1: "class_1", 2: "class_2"})
    return frame


class TcpProxy:
    """A TCP forwarder on 127.0.0.1 in front of a real server, which a test can cut like a network
    outage: ``cut()`` closes every open connection and refuses new ones until ``restore()``."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        import socket
        import threading

        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: set[Any] = set()
        self._lock = threading.Lock()
        self.up = True
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                server = socket.create_connection(self._target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: Any, sink: Any) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()

    def cut(self) -> None:
        self.cuts += 1
        self._drop_all()

    def _drop_all(self) -> None:
        import socket

        self.up = False
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                except OSError:
                    pass
            self._sockets.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self._drop_all()
        self._listener.close()
