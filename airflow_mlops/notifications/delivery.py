"""Deliver queued notifications through Airflow notifiers, with retries; never fails the caller."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from airflow_mlops.core.messages import (
    render_html,
    render_slack_blocks,
    render_text,
    slack_text,
    with_allowed_links,
)
from airflow_mlops.core.owners import Channel
from airflow_mlops.exceptions import DeliveryError

if TYPE_CHECKING:
    from airflow.sdk import BaseNotifier

    from airflow_mlops.store import ResultsStore

__all__ = ["DeliveryReport", "build_notifier", "channel_key", "deliver"]

log = logging.getLogger(__name__)
#: The Airflow provider each channel needs (the extra of the same name installs it).
_PROVIDERS = {"slack": "apache-airflow-providers-slack", "pagerduty": "apache-airflow-providers-pagerduty"}


def channel_key(channel: Channel) -> str:
    """How a channel is named in the notification log (never a secret: connection ids and addresses)."""
    return f"{channel.type}:{','.join(channel.to) if channel.to else channel.conn_id}"


def build_notifier(channel: Channel, *, subject: str, payload: dict[str, Any]) -> BaseNotifier:
    """The Airflow notifier for a channel: e-mail (text and HTML parts, through the smtp provider's hook),
    Slack webhook (Block Kit blocks with a text fallback), PagerDuty or our JSON webhook. Links are
    checked again here (a payload queued before the checks existed may hold any URL)."""
    payload = with_allowed_links(payload)
    if channel.type == "email":
        from airflow_mlops.notifications.email import AlertEmailNotifier

        sender = channel.options.get("from_email")
        return AlertEmailNotifier(
            to=list(channel.to),
            subject=subject,
            text=render_text(payload),
            html=render_html(payload),
            smtp_conn_id=channel.conn_id or "smtp_default",
            from_email=str(sender) if sender else None,
        )
    if channel.type == "webhook":
        from airflow_mlops.notifications.webhook import WebhookNotifier

        return WebhookNotifier(conn_id=str(channel.conn_id), payload={"subject": subject, **payload})
    try:
        if channel.type == "slack":
            from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

            return SlackWebhookNotifier(
                slack_webhook_conn_id=str(channel.conn_id),
                text=slack_text(subject, payload),
                blocks=render_slack_blocks(subject, payload),
                unfurl_links=False,
            )
        from airflow.providers.pagerduty.notifications.pagerduty import PagerdutyNotifier

        return PagerdutyNotifier(
            pagerduty_events_conn_id=channel.conn_id,
            summary=subject[:1024],
            severity="critical" if payload.get("severity") == "fail" else "warning",
            source=f"{payload.get('dag_id')}.{payload.get('gate_task_id')}",
            action="resolve" if payload.get("kind") == "resolved" else "trigger",
            dedup_key=f"airflow-mlops-{payload.get('incident_id')}",
            custom_details=payload,
        )
    except ImportError as exc:
        provider = _PROVIDERS.get(channel.type, channel.type)
        raise DeliveryError(
            f"the {channel.type} channel needs its Airflow provider: pip install {provider} (or the "
            f"'{channel.type}' extra from the checkout: pip install -e '.[{channel.type}]') ({exc})"
        ) from None


class DeliveryReport(list[tuple[int, bool, str | None]]):
    @property
    def failed(self) -> list[tuple[int, bool, str | None]]:
        return [r for r in self if not r[1]]


def deliver(
    store: ResultsStore,
    notification_ids: Sequence[int],
    channels: Iterable[Channel],
    *,
    attempts: int = 3,
    backoff: float = 0.5,
) -> DeliveryReport:
    """Send each pending notification; retry, log and record failures. Never raises."""
    by_key = {channel_key(c): c for c in channels}
    report = DeliveryReport()
    if not notification_ids:
        return report
    for row in store.notifications(ids=notification_ids):
        if row.status == "sent":
            continue
        channel = by_key.get(row.channel)
        error: str | None = None
        sent = False
        tries = 0
        if channel is None:
            error = f"channel {row.channel} is no longer in the owner registry"
        else:
            for tries in range(1, attempts + 1):
                try:
                    build_notifier(channel, subject=row.subject, payload=dict(row.payload)).notify({})
                    sent, error = True, None
                    break
                except Exception as exc:  # a failed delivery must never fail the gate
                    error = f"{type(exc).__name__}: {exc}"[:1000]
                    log.warning(
                        "delivery of notification %s to %s failed (try %s/%s): %s",
                        row.id,
                        row.channel,
                        tries,
                        attempts,
                        error,
                    )
                    if tries < attempts:
                        time.sleep(backoff * 2 ** (tries - 1))
        try:
            store.mark_notification(row.id, sent=sent, attempts=max(tries, 1), error=error)
        except Exception as exc:  # the store may be gone too; the log still says what happened
            log.error("could not record delivery of notification %s: %s", row.id, exc)
        if sent:
            log.info("notified %s: %s", row.channel, row.subject)
        report.append((row.id, sent, error))
    return report
