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
