"""QualityGateOperator in real DAG runs, with a real SMTP server and a real webhook receiver.

Each alert-fatigue rule has its own test; what the servers received is what is asserted.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from airflow_mlops.core.messages import data_date
from tests.conftest import OWNERS_YAML
from tests.helpers import run_dag, task_states, xcom

pytestmark = [pytest.mark.dagrun, pytest.mark.usefixtures("airflow_db")]


@pytest.fixture(scope="module")
def dags():  # type: ignore[no-untyped-def]
    from tests.dags import gate_dags

    return gate_dags


@pytest.fixture
def store(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A fresh results store per test, so incidents of one rule never leak into another."""
    from airflow_mlops.config import get_store

    url = f"sqlite:///{tmp_path / 'gate-store.db'}"
    monkeypatch.setenv("AIRFLOW__MLOPS__RESULTS_DB_URL", url)
    return get_store(url)


@pytest.fixture
def alerting(store, owners_file, smtp_sink, webhook_sink):  # type: ignore[no-untyped-def]
    return smtp_sink, webhook_sink


def gate_row(store, dag_run, task_id: str = "gate"):  # type: ignore[no-untyped-def]
    row = store.latest_check_run(dag_id=dag_run.dag_id, task_id=task_id, run_id=dag_run.run_id)
    assert row is not None
    return row


def age_incident(store, incident_id: int, **columns: timedelta) -> None:
    """Move an incident's timestamps into the past, as if that much time had gone by."""
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(f"UPDATE mlops_incident SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE id = :id"),
            {"id": incident_id, **{c: now - delta for c, delta in columns.items()}},
        )


# -- decisions ----------------------------------------------------------------------------------------
def asset_events(uri: str, dag_run) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    """The ``extra`` of each asset event Airflow recorded for ``uri`` from this DAG run."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        query = (
            sa.select(AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri == uri, AssetEvent.source_run_id == dag_run.run_id)
        )
        return [dict(extra or {}) for extra in session.scalars(query)]


def test_pass_publishes_and_records_the_decision(dags, store, alerting) -> None:
    smtp, webhook = alerting
    dag_run = run_dag(dags.gate_dag)
    assert task_states(dag_run) == {"validate": "success", "gate": "success", "publish": "success"}
    row = gate_row(store, dag_run)
    assert row.status == "PASSED" and row.kind == "gate" and row.owner == "ml-platform"
    assert [r.name for r in row.results] == ["validate"]
    summary = xcom(dag_run, "gate")
    assert summary["status"] == "PASSED" and summary["incident_id"] is None
    assert summary["report_url"].endswith(
        f"/mlops/report/mlops_test_gate/{dag_run.run_id.replace(':', '%3A').replace('+', '%2B')}/gate"
    )
    assert smtp.messages == [] and webhook.posts == []
    [event] = asset_events("mlops://test/gate", dag_run)
    assert event["status"] == "PASSED" and event["owner"] == "ml-platform"
    assert event["check_run_id"] == row.id and event["report_url"] == summary["report_url"]


def test_failure_blocks_downstream_and_names_owner_incident_and_checks(dags, store, alerting) -> None:
    smtp, webhook = alerting
    dag_run = run_dag(dags.gate_dag, fault="nulls")
    assert task_states(dag_run) == {"validate": "success", "gate": "failed", "publish": "upstream_failed"}
    row = gate_row(store, dag_run)
    assert row.status == "FAILED"
    assert "expect_column_values_to_not_be_null(alcohol) FAILED" in row.message
    incident = store.incidents()[0]
    assert incident.owner == "ml-platform" and incident.count == 1
    assert incident.failing_checks == ["validate:expect_column_values_to_not_be_null(alcohol)"]
    # rule 1: first failure -> exactly one alert per channel, carrying everything the on-call needs
    # the subject names the data's date (a manual run: its run_after, labelled) and the failing checks
    when = data_date(dag_run.logical_date, dag_run.run_after)
    assert when is not None and when.startswith(f"{dag_run.run_after:%Y-%m-%d}")
    assert smtp.subjects() == [
        f"[ml-platform] FAILED {when} mlops_test_gate.gate: expect_column_values_to_not_be_null(alcohol)"
    ]
    body = smtp.parts()["text/html"]
    assert "ML Platform" in body and "expect_column_values_to_not_be_null(alcohol)" in body
    assert "https://runbooks.example.com/ml-platform/data-quality" in body and "/mlops/report/" in body
    assert webhook.kinds() == ["new"]
    post = webhook.posts[0]
    assert post["owner"] == "ml-platform" and post["team"] == "ML Platform" and post["count"] == 1
    assert post["run_id"] == dag_run.run_id and post["first_seen"]
    assert post["failing_checks"][0]["observed"]["unexpected_count"] == 10
    assert post["runbook_url"] == "https://runbooks.example.com/ml-platform/data-quality"


def test_the_email_has_a_text_and_an_html_part_naming_the_data_date_the_baseline_and_the_checks(
    dags, store, alerting
) -> None:
    """Issue 15.3, end to end: a comparison fails against the run before; what the SMTP server received."""
    import html

    smtp, webhook = alerting
    baseline_run = run_dag(dags.gate_compared_dag, seed=1)
    assert task_states(baseline_run)["gate"] == "success" and smtp.messages == []
    dag_run = run_dag(dags.gate_compared_dag, seed=2, fault="null_spike")
    assert task_states(dag_run)["gate"] == "failed"
    when = data_date(dag_run.logical_date, dag_run.run_after)
    [message] = smtp.messages
    assert message.get_content_type() == "multipart/alternative"
    parts = smtp.parts()
    assert sorted(parts) == ["text/html", "text/plain"]
    text, page = parts["text/plain"], parts["text/html"]
    print(text)  # the text part, as the on-call reads it
    gate = "mlops_test_gate_compared.gate"
    assert text.splitlines()[:2] == [f"FAILED  {gate}  data {when}", f"run {dag_run.run_id}"]
    # a baseline check's thresholds in the expected column, rates as percentages
    assert "expected warn 1.0 % · fail 5.0 %" in text
    assert "<th>expected / threshold</th>" in page and "<td>warn 1.0 % · fail 5.0 %</td>" in page
    for body in (text, html.unescape(page)):  # the same content, the same words
        assert f"FAILED  {gate}  data {when}" in body and f"run {dag_run.run_id}" in body
        assert "compare / null_rate(alcohol)" in body
        assert "compare compared with previous_success of mlops_test_gate_compared.compare" in body
        assert f"the latest earlier run ({baseline_run.run_id})" in body
        assert "/mlops/report/" in body and "/mlops/triage?dag_id=mlops_test_gate_compared" in body
    [post] = webhook.posts
    assert post["data_date"] == when and post["decision"] == "FAILED"
    assert post["baselines"][0]["run_ids"] == [baseline_run.run_id]
    assert post["baselines"][0]["key"] == "mlops_test_gate_compared.compare"
    check = next(c for c in post["failing_checks"] if c["check"] == "null_rate(alcohol)")
    assert check["threshold"] == {"warn": 0.01, "fail": 0.05} and check["check_type"] == "NullRate"
    assert check["observed"] > 0.15 and check["baseline"] < 0.01 and check["statistic"] > 0.15


def test_repeat_is_quiet_then_reminds_after_renotify_window(dags, store, alerting) -> None:
    smtp, webhook = alerting
    run_dag(dags.gate_dag, fault="nulls")
    second = run_dag(dags.gate_dag, fault="nulls")
    incident = store.incidents()[0]
    # rule 2: same failure next run -> no new alert, count 2
    assert incident.count == 2 and len(smtp.messages) == 1 and webhook.kinds() == ["new"]
    assert xcom(second, "gate", key="mlops_summary")["incident_id"] == incident.id
    # rule 2b: once renotify_after (4h) has passed since the last notification -> one reminder
    age_incident(store, incident.id, last_notified_at=timedelta(hours=5))
    third = run_dag(dags.gate_dag, fault="nulls")
    assert webhook.kinds() == ["new", "reminder"] and len(smtp.messages) == 2
    when = data_date(third.logical_date, third.run_after)
    assert smtp.subjects()[1] == (
        f"[ml-platform] STILL FAILING {when} mlops_test_gate.gate: expect_column_values_to_not_be_null(alcohol)"
    )
    run_dag(dags.gate_dag, fault="nulls")
    assert webhook.kinds() == ["new", "reminder"] and store.incidents()[0].count == 4


def test_severity_rise_notifies_and_warnings_only_go_to_the_digest(dags, store, alerting) -> None:
    from airflow_mlops.notifications.digest import send_digests

    smtp, webhook = alerting
    warned = run_dag(dags.gate_dag, fault="nulls", severity="warn")
    assert task_states(warned)["gate"] == "success" and task_states(warned)["publish"] == "success"
    assert gate_row(store, warned).status == "WARNED"
    # rule 6: a warning is not a page
    assert smtp.messages == [] and webhook.posts == []
    incident = store.incidents()[0]
    assert incident.severity == "warn" and incident.digest_pending
    assert send_digests(store) == {"ml-platform": 1}
    assert webhook.kinds() == ["digest"] and smtp.subjects() == [
        "[ml-platform] WARNINGS DIGEST: quality gate 1 warning(s).digest"
    ]
    assert send_digests(store) == {}  # each warning is digested once
    # rule 2c: the same check now blocking -> severity rose -> one alert
    run_dag(dags.gate_dag, fault="nulls", severity="fail")
    assert webhook.kinds() == ["digest", "escalation"]
    assert store.incidents()[0].id == incident.id and store.incidents()[0].severity == "fail"


def test_gate_retried_three_times_in_one_run_alerts_once(dags, store, alerting) -> None:
    smtp, webhook = alerting
    dag_run = run_dag(dags.gate_retry_dag, fault="nulls")
    assert task_states(dag_run)["gate"] == "failed"
    tries = [r.try_number for r in store.check_runs(dag_id=dag_run.dag_id, task_id="gate")]
    assert sorted(tries) == [1, 2, 3]
    # rule 3: retries of the same run never notify twice
    assert webhook.kinds() == ["new"] and len(smtp.messages) == 1
    assert store.incidents()[0].count == 1


def test_acknowledged_and_snoozed_incidents_stay_quiet(dags, store, alerting) -> None:
    smtp, webhook = alerting
    run_dag(dags.gate_dag, fault="nulls")
    incident = store.incidents()[0]
    # rule 4a: acknowledged -> quiet, even after the renotify window
    store.update_incident(incident.id, action="ack", user="oncall-alice")
    age_incident(store, incident.id, last_notified_at=timedelta(hours=9))
    run_dag(dags.gate_dag, fault="nulls")
    assert webhook.kinds() == ["new"]
    assert store.incident(incident.id).acked_by == "oncall-alice"

    # rule 4b: snoozed -> quiet until the snooze ends, then the reminder rules apply again
    run_dag(dags.gate_dag, fault="range")  # another failing set: another incident
    other = next(i for i in store.incidents() if i.id != incident.id)
    store.update_incident(
        other.id, action="snooze", user="oncall-bob", until=datetime.now(UTC) + timedelta(hours=1)
    )
    age_incident(store, other.id, last_notified_at=timedelta(hours=9))
    run_dag(dags.gate_dag, fault="range")
    assert webhook.kinds() == ["new", "new"]
    age_incident(store, other.id, snoozed_until=timedelta(minutes=1))
    run_dag(dags.gate_dag, fault="range")
    assert webhook.kinds() == ["new", "new", "reminder"]
    assert store.incident(other.id).status == "open"


def test_passing_again_resolves_with_exactly_one_resolved_message(dags, store, alerting) -> None:
    smtp, webhook = alerting
    run_dag(dags.gate_dag, fault="nulls")
    incident = store.incidents()[0]
    passing = run_dag(dags.gate_dag)
    # rule 5: pass -> resolved, one "resolved" message per channel
    assert store.incidents() == []
    resolved = store.incident(incident.id)
    assert resolved.status == "resolved" and resolved.resolved_by == "gate passed"
    assert webhook.kinds() == ["new", "resolved"]
    when = data_date(passing.logical_date, passing.run_after)
    assert smtp.subjects()[-1] == (
        f"[ml-platform] RESOLVED {when} mlops_test_gate.gate: expect_column_values_to_not_be_null(alcohol)"
    )
    run_dag(dags.gate_dag)
    assert webhook.kinds() == ["new", "resolved"]
    log = store.notifications(incident_id=incident.id)
    assert sorted((n.kind, n.status) for n in log) == [
        ("new", "sent"),
        ("new", "sent"),
        ("resolved", "sent"),
        ("resolved", "sent"),
    ]


# -- fail closed --------------------------------------------------------------------------------------
def test_upstream_crash_without_result_fails_the_gate_naming_it(dags, store) -> None:
    dag_run = run_dag(dags.gate_fail_closed)
    states = task_states(dag_run)
    assert states["custom_check"] == "failed" and states["gate"] == "failed"
    row = gate_row(store, dag_run)
    assert row.status == "FAILED"
    assert "custom_check: no recorded result (task failed)" in row.message
    assert {r.name: r.status for r in row.results} == {"validate": "PASSED", "custom_check": "ERRORED"}


def test_skipped_upstream_fails_unless_ignored(dags, store) -> None:
    failed = run_dag(dags.gate_skipped_upstream)
    assert task_states(failed)["monday_check"] == "skipped"
    row = gate_row(store, failed)
    assert row.status == "FAILED" and "monday_check: no recorded result (task skipped)" in row.message
    ignored = run_dag(dags.gate_ignore_skipped)
    assert gate_row(store, ignored).status == "PASSED"


def test_on_fail_skip_skips_downstream(dags, store, alerting) -> None:
    dag_run = run_dag(dags.gate_skip_dag, fault="nulls")
    assert task_states(dag_run) == {"validate": "success", "gate": "success", "publish": "skipped"}
    assert gate_row(store, dag_run).status == "FAILED"
    assert asset_events("mlops://test/gate_skip", dag_run) == []  # failed data never reaches consumers


def test_unreachable_smtp_still_records_the_decision_and_logs_delivery(
    dags, store, owners_file, webhook_sink, monkeypatch
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_MLOPS_SMTP", '{"conn_type": "smtp", "host": "127.0.0.1", "port": 1}')
    dag_run = run_dag(dags.gate_dag, fault="nulls")
    assert task_states(dag_run)["gate"] == "failed"  # failed because the data failed, not the e-mail
    assert gate_row(store, dag_run).status == "FAILED"
    log = {n.channel: n for n in store.notifications(incident_id=store.incidents()[0].id)}
    assert log["email:ml-oncall@example.com"].status == "failed"
    assert (
        log["email:ml-oncall@example.com"].attempts == 3
        and "Connection refused" in log["email:ml-oncall@example.com"].error
    )
    assert log["webhook:mlops_webhook"].status == "sent" and webhook_sink.kinds() == ["new"]


def test_unreachable_store_fails_the_gate_closed_with_the_reason_in_xcom(dags, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW__MLOPS__RESULTS_DB_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")
    dag_run = run_dag(dags.gate_dag)
    assert task_states(dag_run)["gate"] == "failed" and task_states(dag_run)["publish"] == "upstream_failed"
    summary = xcom(dag_run, "gate", key="mlops_summary")
    assert summary["status"] == "ERRORED" and "results store unavailable" in summary["message"]


def test_unknown_owner_is_a_parse_error_when_the_registry_is_readable(owners_file) -> None:
    from airflow_mlops.core.owners import OwnersError
    from airflow_mlops.operators import QualityGateOperator

    with pytest.raises(OwnersError, match="owner 'nobody' is not a team in owner registry"):
        QualityGateOperator(task_id="gate", owner="nobody")


# -- links and the owner registry: checked, whole, failing closed ------------------------------------------
HOSTILE_RUNBOOK = "javascript:fetch('/mlops/api/v1/incidents/2/resolve',{method:'POST',body:'{}'})"
LONG_RUNBOOK = "https://wiki.example.com/runbooks/ml-platform?" + "&".join(f"step{i}=x" for i in range(150))


def test_a_long_runbook_url_reaches_every_sink_whole(dags, store, alerting) -> None:
    smtp, webhook = alerting
    assert len(LONG_RUNBOOK) > 1000
    dag_run = run_dag(dags.gate_runbook_dag, fault="nulls", runbook=LONG_RUNBOOK)
    assert task_states(dag_run)["gate"] == "failed"
    row = gate_row(store, dag_run)
    assert row.status == "FAILED" and row.summary["runbook_url"] == LONG_RUNBOOK  # what the UI reads
    assert xcom(dag_run, "gate", key="mlops_summary")["runbook_url"] == LONG_RUNBOOK
    assert store.incidents()[0].runbook_url == LONG_RUNBOOK
    [post] = webhook.posts
    assert post["runbook_url"] == LONG_RUNBOOK
    body = smtp.parts()["text/html"]
    assert f"<a href='{LONG_RUNBOOK.replace('&', '&amp;')}'>Runbook</a>" in body


def test_a_runbook_that_renders_to_javascript_is_an_errored_decision(dags, store, alerting) -> None:
    smtp, webhook = alerting
    dag_run = run_dag(dags.gate_runbook_dag, fault="nulls", runbook=HOSTILE_RUNBOOK)
    assert task_states(dag_run)["gate"] == "failed"
    row = gate_row(store, dag_run)
    assert row.status == "ERRORED"
    assert (
        row.message.startswith('gate: runbook_url="javascript:fetch(')
        and "has scheme javascript:" in row.message
    )
    assert "javascript:" not in json.dumps(row.summary) and smtp.messages == [] and webhook.posts == []


def test_a_bad_owners_yaml_fails_the_gate_closed_naming_file_line_and_field(dags, store, owners_file) -> None:
    lines = OWNERS_YAML.splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "runbook_url:" in text)
    lines[line - 1] = "    runbook_url: [1, 2]"
    owners_file.write_text("\n".join(lines) + "\n")
    dag_run = run_dag(dags.gate_dag)  # a clean day: the gate would pass
    assert task_states(dag_run) == {"validate": "success", "gate": "failed", "publish": "upstream_failed"}
    row = gate_row(store, dag_run)
    expected = (
        f"owner registry '{owners_file}', line {line}: team 'ml-platform': runbook_url=[1, 2] is not allowed: "
        "it is list, not a string"
    )
    assert row.status == "ERRORED" and row.message.startswith(expected), row.message
    summary = xcom(dag_run, "gate", key="mlops_summary")
    assert summary["status"] == "ERRORED" and summary["message"].startswith(expected)


def test_a_base_url_that_is_not_http_errors_the_gate_and_never_becomes_a_link(
    dags, store, monkeypatch
) -> None:
    from airflow_mlops.links import QualityReportLink

    monkeypatch.setenv("AIRFLOW__MLOPS__BASE_URL", "javascript:alert(document.domain)//")
    dag_run = run_dag(dags.gate_dag)
    row = gate_row(store, dag_run)
    assert row.status == "ERRORED" and task_states(dag_run)["gate"] == "failed"
    assert row.message.startswith("[mlops] base_url='javascript:alert(document.domain)//' is not allowed")
    assert xcom(dag_run, "gate", key="mlops_summary")["report_url"].startswith(
        "/mlops/report/mlops_test_gate/"
    )

    class Key:  # what Airflow passes to an extra link
        dag_id, run_id, task_id = "d", "r", "gate"

    assert QualityReportLink().get_link(None, ti_key=Key()) == "/mlops/report/d/r/gate"  # type: ignore[arg-type]


# -- overrides ----------------------------------------------------------------------------------------
def test_override_via_cli_then_rerun_passes_as_overridden(dags, store, alerting) -> None:
    smtp, webhook = alerting
    dag_run = run_dag(dags.gate_dag, fault="nulls")
    assert gate_row(store, dag_run).status == "FAILED"
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow_mlops.cli",
            "gate",
            "override",
            "--dag-id",
            dag_run.dag_id,
            "--run-id",
            dag_run.run_id,
            "--task-id",
            "gate",
            "--reason",
            "known vendor outage, data accepted",
            "--user",
            "oncall-carol",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    rerun = subprocess.run(
        [sys.executable, "-m", "airflow", "tasks", "test", dag_run.dag_id, "gate", dag_run.run_id],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    row = gate_row(store, dag_run)
    assert row.status == "OVERRIDDEN"
    assert "OVERRIDDEN by oncall-carol: known vendor outage, data accepted" in row.message
    assert row.summary["override"]["by"] == "oncall-carol"
    assert store.incidents() == [] and webhook.kinds() == ["new", "resolved"]


# -- on_fail="approve": Airflow's human-in-the-loop ---------------------------------------------------
class _DagTestIsWaiting(logging.Handler):
    """Set when dag.test()'s loop logs that it waits for human input.

    Only then may the test answer: dag.test() writes the task's state (AWAITING_INPUT) once more after the
    task returns, so an answer given between the task parking and that write is overwritten and the run
    waits forever (seen once in CI). A person answers minutes later; the test must not be faster than
    dag.test() itself.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.waiting = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Waiting for Human-in-the-loop input"):
            self.waiting.set()


def _respond_when_waiting(
    dag_id: str,
    option: str,
    user: str,
    results: dict[str, Any],
    waiting: threading.Event,
) -> None:
    """Wait for the gate to park in AWAITING_INPUT, then answer through Airflow's own HITL API handler."""
    import time

    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState

    deadline = time.monotonic() + 240
    if not waiting.wait(timeout=240):
        raise TimeoutError(f"dag.test() never logged that {dag_id} waits for human input")
    while time.monotonic() < deadline:
        with create_session() as session:
            ti = session.scalars(
                sa.select(TaskInstance).where(
                    TaskInstance.dag_id == dag_id,
                    TaskInstance.task_id == "gate",
                    TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
                )
            ).first()
            if ti is not None:
                from airflow.models.hitl import HITLDetail

                results["subject"] = session.scalars(
                    sa.select(HITLDetail.subject).where(HITLDetail.ti_id == ti.id)
                ).one()
                update_hitl_detail(
                    dag_id=dag_id,
                    dag_run_id=ti.run_id,
                    task_id="gate",
                    update_hitl_detail_payload=UpdateHITLDetailPayload(chosen_options=[option]),
                    user=SimpleAuthManagerUser(username=user, role="op"),
                    session=session,
                )
                results["answered"] = True
                return
        time.sleep(0.5)
    raise TimeoutError(f"{dag_id}.gate never reached AWAITING_INPUT")


def _respond_or_record(
    dag_id: str,
    option: str,
    user: str,
    results: dict[str, Any],
    waiting: threading.Event,
) -> None:
    try:
        _respond_when_waiting(dag_id, option, user, results, waiting)
    except BaseException as exc:  # a dead responder would leave dag.test() waiting forever
        import traceback

        traceback.print_exc()
        results["error"] = repr(exc)
        _fail_parked_gate(dag_id)


def _fail_parked_gate(dag_id: str) -> None:
    """Unblock dag.test() so the test fails with the responder's error instead of hanging."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState

    with create_session() as session:
        session.execute(
            sa.update(TaskInstance)
            .where(TaskInstance.dag_id == dag_id, TaskInstance.state == TaskInstanceState.AWAITING_INPUT)
            .values(state=TaskInstanceState.FAILED)
        )


@pytest.mark.parametrize(
    ("option", "gate_state", "publish_state"),
    [("Approve", "success", "success"), ("Reject", "failed", "upstream_failed")],
)
def test_on_fail_approve_waits_for_a_human(dags, store, alerting, option, gate_state, publish_state) -> None:
    smtp, webhook = alerting
    answer: dict = {}  # type: ignore[type-arg]
    dag_test_log = logging.getLogger("airflow.sdk.definitions.dag")
    watcher = _DagTestIsWaiting()
    dag_test_log.addHandler(watcher)
    previous_level = dag_test_log.level
    dag_test_log.setLevel(logging.INFO)
    responder = threading.Thread(
        target=_respond_or_record,
        args=("mlops_test_gate_approve", option, "oncall-dana", answer, watcher.waiting),
        daemon=True,
    )
    responder.start()
    try:
        dag_run = run_dag(dags.gate_approve_dag, fault="nulls")
    finally:
        dag_test_log.removeHandler(watcher)
        dag_test_log.setLevel(previous_level)
    responder.join(timeout=5)
    assert "error" not in answer, answer.get("error")
    assert answer.get("answered") and "approve to continue?" in answer["subject"]
    assert task_states(dag_run) == {"validate": "success", "gate": gate_state, "publish": publish_state}
    row = gate_row(store, dag_run)
    assert webhook.kinds()[0] == "new"  # the on-call was alerted while the gate waited
    if option == "Approve":
        assert row.status == "OVERRIDDEN" and "OVERRIDDEN by oncall-dana" in row.message
        assert row.summary["approval"] == {"decision": "approve", "by": "oncall-dana"}
        assert store.overrides(run_id=dag_run.run_id)[0].created_by == "oncall-dana"
        assert store.incidents() == []
    else:
        assert row.status == "FAILED" and "rejected by oncall-dana" in row.message
        assert row.summary["approval"] == {"decision": "reject", "by": "oncall-dana"}
    decided = {"Approve": ["resolve", "override"], "Reject": ["reject"]}[option]  # audited, newest first
    events = store.audit_events(dag_id="mlops_test_gate_approve", limit=len(decided))
    assert [(e.action, e.actor, e.run_id) for e in events] == [
        (a, "oncall-dana", dag_run.run_id) for a in decided
    ]


def test_a_mapped_check_with_a_callable_data_runs_per_map_index_and_the_gate_sees_each(
    dags, store, alerting
) -> None:
    """Airflow renders a mapped task's class-level template fields: a data callable must not be called
    by the templater (it was: 'wine_part() got an unexpected keyword argument context')."""
    dag_run = run_dag(dags.mapped_small_dag)
    assert task_states(dag_run)["gate"] == "success"
    rows = store.check_runs(dag_id="mlops_test_mapped_small", task_id="validate", limit=10)
    assert sorted(r.map_index for r in rows) == [0, 1, 2] and {r.status for r in rows} == {"PASSED"}
    gate = gate_row(store, dag_run)
    assert gate.status == "PASSED" and sorted(gate.summary["upstream"]) == [
        "validate[0]",
        "validate[1]",
        "validate[2]",
    ]
