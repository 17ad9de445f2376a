"""The pages' renderers on records shaped as the store gives them (no Airflow, no server): milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from airflow_mlops.core.results import CheckResult, Status, summarize
from airflow_mlops.plugins.pages import render_triage
from airflow_mlops.plugins.records import incident_json


def _incident(**summary_of: object) -> SimpleNamespace:
    now = datetime(2026, 11, 5, 6, tzinfo=UTC)
    return SimpleNamespace(
        id=7, dag_id="penguins", gate_task_id="gate", owner="seabird-data", status="open", severity="fail",
        failing_checks=["validate:custom_check"], count=1, first_seen=now, last_seen=now,
        last_run_id="scheduled__2026-11-05", runbook_url=None, acked_by=None, acked_at=None, snoozed_by=None,
        snoozed_until=None, resolved_by=None, note=None, summary=summary_of,
    )  # fmt: skip


def test_triage_shows_an_errored_checks_reason() -> None:
    crashed = CheckResult(
        name="custom_check", check_type="gate", status=Status.ERRORED,
        message="RuntimeError: simulated crash <before> it recorded anything",
    )  # fmt: skip
    summary = summarize(
        status=Status.FAILED, kind="gate", results=[crashed], dag_id="penguins", task_id="gate",
        run_id="r", try_number=1, check_run_id=1, owner="seabird-data",
    )  # fmt: skip
    incident = incident_json(_incident(failing=summary["failing"]))
    assert incident["errored"] == [
        "custom_check: RuntimeError: simulated crash <before> it recorded anything"
    ]
    html = render_triage("/mlops", [incident | {"data_date": "2026-11-05"}], owner=None)
    assert "ERRORED custom_check: RuntimeError: simulated crash &lt;before&gt; it recorded anything" in html
    assert "<b>2026-11-05</b><br>" in html  # the data's date first, the run id second


def test_an_incident_without_a_recorded_summary_lists_no_reasons() -> None:
    assert incident_json(_incident())["errored"] == []
    assert incident_json(SimpleNamespace(**{**vars(_incident()), "summary": None}))["errored"] == []
