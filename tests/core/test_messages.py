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


def test_a_digest_payload_renders_without_run_or_gate() -> None:
    """send_digests builds its payload itself: no run id, no DAG, no decision."""
    digest = {
        "kind": "digest",
        "owner": "t",
        "team": "Team",
        "severity": "warn",
        "incident_id": None,
        "failing_checks": [{"task_id": "d.gate", "check": "x", "status": "WARNED", "observed": "seen 2x"}],
        "count": 1,
    }
    text = render_text(digest)
    assert text.splitlines()[:2] == ["WARNINGS DIGEST", "owner Team (t)"]
    assert "WARNED      d.gate / x\n            observed seen 2x" in text


def test_slack_text_is_escaped_and_cut_without_splitting_an_entity() -> None:
    from airflow_mlops.core.messages import _slack_escaped, render_slack_blocks

    assert _slack_escaped("<!channel> & <http://x|y>", 100) == "&lt;!channel&gt; &amp; &lt;http://x|y&gt;"
    cut = _slack_escaped("a<" * 10, 12)
    assert len(cut) <= 12 and cut.endswith("…") and "&lt;" in cut and not cut[:-1].endswith("&")
    blocks = render_slack_blocks("s" * 400, payload(runbook_url=None))
    assert len(blocks[0]["text"]["text"]) == 150  # Block Kit's header limit
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [b["text"]["text"] for b in actions["elements"]] == ["Gate report"]  # only allowed links


def test_values_are_formatted_for_people_and_rates_as_percentages() -> None:
    from airflow_mlops.core.messages import alert_content

    sent = alert_payload(
        kind="new", incident_id=1, owner="ml", team_name="ML", dag_id="d", gate_task_id="gate", run_id="r",
        severity="fail", first_seen=None, count=1, report_url=None, runbook_url=None,
        failing=[
            {"task_id": "c", "check": "row_count", "status": "FAILED", "observed": 12345, "baseline": 20000},
            {"task_id": "c", "check": "null_rate(x)", "status": "WARNED", "observed": 0.397, "baseline": 0.0},
        ],
        results={
            "c:row_count": {"check_type": "RowCount", "threshold": {"warn": 0.2, "fail": 0.5}, "statistic": 0.38275},
            "c:null_rate(x)": {"check_type": "NullRate", "threshold": {"warn": None, "fail": 0.05}},
        },
    )  # fmt: skip
    rows, rates = alert_content(sent).checks
    assert rows.values == (
        ("observed", "12,345"),
        ("expected", "warn 0.2 · fail 0.5"),
        ("baseline", "20,000"),
        ("statistic", "0.383"),
    )
    # a rate check: every value a percentage; an unset threshold level left out
    assert dict(rates.values) == {
        "observed": "39.7 %",
        "expected": "fail 5.0 %",
        "baseline": "0.0 %",
    }
