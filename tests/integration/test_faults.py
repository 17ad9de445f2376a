"""Faults in a real Airflow (LocalExecutor; metadata and store on PostgreSQL; alerts to a real SMTP server
and a real webhook on loopback).

- A task process killed with SIGKILL mid-task: the check killed before it recorded anything leaves no row
  and its retry writes exactly one; the gate killed after it alerted retries into the same incident and
  sends no second alert.
- The api-server restarted: what the UI and its API show, and an acknowledgement made before, are intact.

The results store down during a check (tests/operators/test_validation.py) or a gate
(tests/operators/test_gate.py), and SMTP down (tests/operators/test_gate.py), are covered with dag.test.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import OWNERS_YAML, SmtpSink, WebhookSink
from tests.integration.services import Airflow, running_airflow

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
PASSWORD = "fault-test-password"


@pytest.fixture(scope="module")
def sinks() -> Iterator[tuple[SmtpSink, WebhookSink]]:
    smtp, webhook = SmtpSink(), WebhookSink()
    yield smtp, webhook
    smtp.stop()
    webhook.stop()


@pytest.fixture(scope="module")
def airflow(
    tmp_path_factory: pytest.TempPathFactory, sinks: tuple[SmtpSink, WebhookSink]
) -> Iterator[Airflow]:
    smtp, webhook = sinks
    home = tmp_path_factory.mktemp("faults-home")
    (home / "owners.yaml").write_text(OWNERS_YAML)
    (home / "passwords.json").write_text(json.dumps({"oncall": PASSWORD}))
    env = {
        "AIRFLOW__MLOPS__OWNERS_FILE": str(home / "owners.yaml"),
        "AIRFLOW_CONN_MLOPS_SMTP": json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": smtp.port,
                "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "mlops@test.local"},
            }
        ),  # fmt: skip
        "AIRFLOW_CONN_MLOPS_WEBHOOK": json.dumps({"conn_type": "http", "host": webhook.url}),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "oncall:op",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
    }
    with running_airflow(home, extra_env=env) as airflow:
        yield airflow


def _kill_when_waiting(airflow: Airflow, pid_file: Path, timeout: float = 300) -> int:
    deadline = time.monotonic() + timeout
    while not (pid_file.exists() and pid_file.read_text().strip()):
        if time.monotonic() > deadline:
            pytest.fail(f"{pid_file.name} never appeared: {airflow.log('scheduler')}")
        time.sleep(0.5)
    pid = int(pid_file.read_text())
    os.kill(pid, signal.SIGKILL)
    return pid


@pytest.fixture(scope="module")
def killed_run(
    airflow: Airflow, sinks: tuple[SmtpSink, WebhookSink], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """One run of mlops_test_kill on null-spiked data: the check is killed on try 1 before it records,
    the gate on try 1 after it recorded and alerted."""
    kill_dir = tmp_path_factory.mktemp("kill")
    conf = {"fault": "nulls", "kill": ["validate", "gate"], "kill_dir": str(kill_dir)}
    airflow.trigger("mlops_test_kill", conf, "it_kill")
    killed = [_kill_when_waiting(airflow, kill_dir / f"{task}.pid") for task in ("validate", "gate")]
    state = airflow.wait_for_run("mlops_test_kill", "it_kill")
    time.sleep(2)  # let the SMTP server hand over what it received
    return {"state": state, "killed": killed}


def test_a_check_killed_mid_task_leaves_no_row_and_its_retry_writes_exactly_one(
    airflow: Airflow, killed_run: dict[str, Any]
) -> None:
    from airflow_mlops.store import ResultsStore

    assert killed_run["state"] == "failed"  # the data failed the gate, as without the kills
    with airflow.meta.connect() as conn:
        import sqlalchemy as sa

        tries = dict(
            conn.execute(
                sa.text("SELECT task_id, try_number FROM task_instance WHERE dag_id = 'mlops_test_kill'")
            ).all()
        )
    assert tries == {"validate": 2, "gate": 2}  # both were killed once and retried
    store = ResultsStore(airflow.store_url)
    rows = store.check_runs(dag_id="mlops_test_kill", task_id="validate", run_id="it_kill", with_results=True)
    store.engine.dispose()
    assert [(r.try_number, r.status) for r in rows] == [(2, "FAILED")]
    assert len(rows[0].results) == 2


def test_a_gate_killed_after_alerting_retries_into_the_same_incident_without_a_second_alert(
    airflow: Airflow, killed_run: dict[str, Any], sinks: tuple[SmtpSink, WebhookSink]
) -> None:
    from airflow_mlops.store import ResultsStore

    smtp, webhook = sinks
    store = ResultsStore(airflow.store_url)
    gates = store.check_runs(dag_id="mlops_test_kill", task_id="gate", run_id="it_kill")
    latest = store.latest_check_run(dag_id="mlops_test_kill", task_id="gate", run_id="it_kill")
    incidents = store.incidents(dag_ids={"mlops_test_kill"})
    notes = store.notifications(incident_id=incidents[0].id) if incidents else []
    store.engine.dispose()
    # each try is its own row; readers take the latest
    assert sorted((g.try_number, g.status) for g in gates) == [(1, "FAILED"), (2, "FAILED")]
    assert latest is not None and latest.try_number == 2
    assert len(incidents) == 1 and incidents[0].owner == "ml-platform"
    assert [m["To"] for m in smtp.messages] == ["ml-oncall@example.com"]  # one alert, not two
    assert "mlops_test_kill" in smtp.subjects()[0]
    assert webhook.kinds() == ["new"]
    assert sorted((n.channel, n.status) for n in notes) == [
        ("email:ml-oncall@example.com", "sent"),
        ("webhook:mlops_webhook", "sent"),
    ]


def test_an_api_server_restart_keeps_the_ui_state(airflow: Airflow, killed_run: dict[str, Any]) -> None:
    import httpx

    def token() -> dict[str, str]:
        answer = httpx.post(
            f"{airflow.base_url}/auth/token", json={"username": "oncall", "password": PASSWORD}, timeout=30
        )
        assert answer.status_code in (200, 201), answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def views(headers: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for path in ("/mlops/api/v1/gates", "/mlops/api/v1/incidents", "/mlops/api/v1/baselines"):
            answer = httpx.get(f"{airflow.base_url}{path}", headers=headers, timeout=30)
            assert answer.status_code == 200, (path, answer.text)
            out[path] = answer.json()
        triage = httpx.get(f"{airflow.base_url}/mlops/triage", headers=headers, timeout=30)
        assert triage.status_code == 200
        out["triage"] = "mlops_test_kill" in triage.text and "oncall" in triage.text
        return out

    headers = token()
    [incident] = httpx.get(f"{airflow.base_url}/mlops/api/v1/incidents", headers=headers, timeout=30).json()[
        "incidents"
    ]
    acked = httpx.post(
        f"{airflow.base_url}/mlops/api/v1/incidents/{incident['id']}/ack",
        json={"note": "looking at the null spike"},
        headers=headers,
        timeout=30,
    )
    assert acked.status_code == 200, acked.text
    before = views(headers)
    assert before["/mlops/api/v1/incidents"]["incidents"][0]["status"] == "acknowledged"

    airflow.stop("api-server")
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{airflow.base_url}/api/v2/monitor/health", timeout=2)
    airflow.start_api_server()

    after = views(token())  # a new login: the restarted server's own token
    assert after == before and after["triage"] is True
    assert after["/mlops/api/v1/incidents"]["incidents"][0]["acked_by"] == "oncall"
