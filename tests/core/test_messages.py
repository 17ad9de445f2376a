"""Alert content: the links an alert carries are http(s) and whole, checked again where they are sent."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_mlops.core.messages import alert_payload, render_html, render_text

HOSTILE = "javascript:fetch('/mlops/api/v1/incidents/2/resolve',{method:'POST',body:'{}'})"
LONG = "https://wiki.example.com/runbooks/" + "data-quality-" * 100  # 1,334 characters


def payload(**links: Any) -> dict[str, Any]:
    return alert_payload(
        kind="new", incident_id=2, owner="ml", team_name="ML", dag_id="d", gate_task_id="gate", run_id="r",
        severity="fail", failing=[], first_seen=None, count=1,
        **{"report_url": "https://airflow.example.com/mlops/report/d/r/gate", "runbook_url": None, **links},
    )  # fmt: skip


@pytest.mark.parametrize("field", ["runbook_url", "report_url"])
def test_a_link_that_is_not_http_is_never_sent(field: str) -> None:
    sent = payload(**{field: HOSTILE})
    assert sent[field] is None  # the JSON that webhooks, PagerDuty and the store get
    # a payload stored before this check existed is checked again where it is rendered
    stored = {**sent, field: HOSTILE}
    assert "javascript:" not in render_html(stored) and "javascript:" not in render_text(stored)


def test_a_long_runbook_url_is_sent_whole_in_every_rendering() -> None:
    sent = payload(runbook_url=LONG)
    assert sent["runbook_url"] == LONG  # the payload trims other strings to 300 characters
    assert f"<a href='{LONG}'>Runbook</a>" in render_html(sent)
    assert f"Runbook: {LONG}\n" in render_text(sent) + "\n"


def test_the_subject_names_the_data_date_and_the_failing_checks() -> None:
    from datetime import UTC, datetime

    from airflow_mlops.core.messages import alert_subject, data_date

    day = datetime(2026, 11, 5, tzinfo=UTC)
    assert data_date(day, datetime(2026, 11, 6, tzinfo=UTC)) == "2026-11-05"
    assert data_date(None, datetime(2026, 11, 6, 7, tzinfo=UTC)) == "2026-11-06 (manual run)"
    assert data_date(None, None) is None
    subject = alert_subject(
        "new", severity="fail", dag_id="penguins", gate_task_id="gate", owner="seabird-data",
        data_date="2026-11-05", checks=["ks(flipper_length_mm)", "row_count", "row_count"],
    )  # fmt: skip
    assert subject == "[seabird-data] FAILED 2026-11-05 penguins.gate: ks(flipper_length_mm), row_count"
    many = alert_subject(
        "new", severity="warn", dag_id="d", gate_task_id="g", owner=None, checks=list("abcde")
    )
    assert many == "WARNING d.g: a, b, c +2 more"
    assert alert_subject("digest", severity="warn", dag_id="d", gate_task_id="g", owner="t") == (
        "[t] WARNINGS DIGEST: quality gate d.g"
    )
