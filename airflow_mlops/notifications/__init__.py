"""Delivery of alerts through Airflow notifiers (``BaseNotifier``)."""

from __future__ import annotations

from airflow_mlops.notifications.email import AlertEmailNotifier
from airflow_mlops.notifications.webhook import WebhookNotifier

__all__ = ["AlertEmailNotifier", "WebhookNotifier"]
