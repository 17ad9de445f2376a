"""Delivery through Airflow's own notifiers to real endpoints on loopback: SMTP, Slack webhook, JSON webhook.

PagerDuty's Events API lives at a fixed public address that this machine cannot reach, so its test checks
the event our notifier builds and that an unreachable PagerDuty is retried, logged and recorded as failed.
"""

from __future__ import annotations

import logging

import pytest

from airflow_mlops.core.owners import Channel
from airflow_mlops.notifications.delivery import build_notifier, channel_key, deliver
from airflow_mlops.store import ResultsStore

PAYLOAD = {
    "kind": "new",
    "severity": "fail",
    "dag_id": "orders",
    "gate_task_id": "gate",
    "run_id": "manual__2026-11-27",
    "incident_id": 7,
    "owner": "ml-platform",
    "team": "ML Platform",
    "first_seen": "2026-11-27T02:00:00+00:00",
    "count": 1,
    "report_url": "http://airflow.local/mlops/report/orders/manual__2026-11-27/gate",
    "runbook_url": "https://runbooks.example.com/orders",
    "failing_checks": [
        {
            "task_id": "validate",
            "check": "expect_column_values_to_not_be_null(amount)",
            "status": "FAILED",
            "observed": "12 nulls",
            "expected": "0 nulls",
        }
    ],
}


@pytest.fixture
def store(sqlite_url: str) -> ResultsStore:
    return ResultsStore(sqlite_url)


def queue(store: ResultsStore, channel: Channel, subject: str = "[FAIL] orders.gate") -> int:
    return store.add_notification(
        owner="ml-platform",
        kind="new",
        run_id="r1",
        channel=channel_key(channel),
        subject=subject,
        payload=PAYLOAD,
    )


def test_slack_goes_through_the_slack_providers_webhook_notifier(store, webhook_sink, monkeypatch) -> None:
    slack_url = f"http://127.0.0.1:{webhook_sink.port}/services/T000/B000/XXX"
    monkeypatch.setenv(
        "AIRFLOW_CONN_MLOPS_SLACK", f'{{"conn_type": "slackwebhook", "password": "{slack_url}"}}'
    )
    channel = Channel(type="slack", conn_id="mlops_slack")
    notification = queue(store, channel)
    report = deliver(store, [notification], [channel], backoff=0)
    assert report == [(notification, True, None)]
    [post] = webhook_sink.posts
    text = post["text"]
    assert text.startswith("*[FAIL] orders.gate*\nOwner: ML Platform (ml-platform)\n")
    assert "expect_column_values_to_not_be_null(amount)" in text and "12 nulls" in text
    assert "Runbook: https://runbooks.example.com/orders" in text
    assert store.notifications(ids=[notification])[0].status == "sent"


def test_email_goes_through_the_smtp_providers_notifier(store, smtp_sink) -> None:
    channel = Channel(type="email", conn_id="mlops_smtp", to=("oncall@example.com",))
    notification = queue(store, channel, subject="[FAIL] orders.gate: 1 failing check")
    assert deliver(store, [notification], [channel], backoff=0).failed == []
    [message] = smtp_sink.messages
    assert (
        message["To"] == "oncall@example.com" and message["Subject"] == "[FAIL] orders.gate: 1 failing check"
    )


def test_pagerduty_event_is_deduplicated_per_incident_and_resolves() -> None:
    channel = Channel(type="pagerduty", conn_id="mlops_pd")
    notifier = build_notifier(channel, subject="[FAIL] orders.gate", payload=PAYLOAD)
    assert (notifier.severity, notifier.action, notifier.dedup_key) == (
        "critical",
        "trigger",
        "airflow-mlops-7",
    )
    assert notifier.source == "orders.gate" and notifier.custom_details["owner"] == "ml-platform"
    resolved = build_notifier(
        channel, subject="[RESOLVED] orders.gate", payload={**PAYLOAD, "kind": "resolved"}
    )
    assert (resolved.action, resolved.dedup_key) == ("resolve", "airflow-mlops-7")


@pytest.mark.parametrize("kind", ["webhook", "pagerduty"])
def test_a_queued_payload_never_sends_a_link_that_is_not_http(kind: str) -> None:
    """A payload stored before the URL checks existed: the link is dropped where it is sent."""
    hostile = {**PAYLOAD, "runbook_url": "javascript:alert(1)", "report_url": "data:text/html,<b>x</b>"}
    notifier = build_notifier(Channel(type=kind, conn_id="x"), subject="[FAIL] orders.gate", payload=hostile)  # type: ignore[arg-type]
    sent = notifier.payload if kind == "webhook" else notifier.custom_details  # type: ignore[attr-defined]
    assert sent["runbook_url"] is None and sent["report_url"] is None and sent["dag_id"] == "orders"


def test_unreachable_pagerduty_is_retried_logged_and_recorded_never_raised(
    store, monkeypatch, caplog
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_MLOPS_PD", '{"conn_type": "pagerduty_events", "password": "routing-key"}'
    )
    channel = Channel(type="pagerduty", conn_id="mlops_pd")
    notification = queue(store, channel)
    with caplog.at_level(logging.WARNING, logger="airflow_mlops.notifications.delivery"):
        report = deliver(store, [notification], [channel], attempts=2, backoff=0)
    assert [(nid, sent) for nid, sent, _ in report] == [(notification, False)]
    row = store.notifications(ids=[notification])[0]
    assert (row.status, row.attempts) == ("failed", 2) and row.error
    assert "(try 1/2)" in caplog.text and "(try 2/2)" in caplog.text


def test_a_channel_removed_from_the_registry_is_recorded_as_failed(store) -> None:
    gone = Channel(type="webhook", conn_id="old_hook")
    notification = queue(store, gone)
    [(_, sent, error)] = deliver(store, [notification], [], backoff=0)
    assert not sent and error == "channel webhook:old_hook is no longer in the owner registry"
