"""Alert fatigue rules: fingerprints, one incident per fingerprint, and when to notify.

These rules are the product:

1. The fingerprint is (dag_id, gate task_id, the sorted set of failing checks).
2. One open incident per fingerprint: a repeat increments its count and stays quiet until
   ``renotify_after`` has passed since the last notification, unless the severity rises.
3. A retry of the same DAG run never notifies twice.
4. Acknowledged incidents, and snoozed ones until the snooze ends, stay quiet.
5. When the gate passes again, its open incidents resolve, each with exactly one "resolved" message.
6. Warnings go to the team's digest, not a page (unless the team's policy says ``page_on: warn``).
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from airflow_mlops.core.owners import TeamPolicy
from airflow_mlops.core.results import Severity

__all__ = ["AlertAction", "IncidentView", "Routing", "fingerprint", "route_failure"]


def fingerprint(dag_id: str, gate_task_id: str, failing_checks: Iterable[str]) -> str:
    """A stable id for "this gate failing on these checks", independent of order and of the run."""
    checks = sorted(set(failing_checks))
    text = "\x1f".join([dag_id, gate_task_id, *checks])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class AlertAction(enum.StrEnum):
    NEW = "new"  # first time: notify the owner's channels
    REMINDER = "reminder"  # still open after renotify_after: notify once more
    ESCALATION = "escalation"  # the severity rose (warning -> failure): notify
    DIGEST = "digest"  # a warning: queue for the team's digest
    QUIET = "quiet"  # record the repeat, send nothing
    RESOLVED = "resolved"


@dataclass(frozen=True, kw_only=True)
class IncidentView:
    """What routing needs to know of an open incident."""

    status: str  # open | acknowledged | snoozed
    severity: Severity
    last_run_id: str | None
    last_notified_at: datetime | None
    snoozed_until: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Routing:
    action: AlertAction
    reason: str
    counts_as_repeat: bool = True

    @property
    def notifies(self) -> bool:
        return self.action in (AlertAction.NEW, AlertAction.REMINDER, AlertAction.ESCALATION)


def _notify_or_digest(severity: Severity, policy: TeamPolicy, action: AlertAction, reason: str) -> Routing:
    if severity is Severity.WARN and policy.page_on == "fail":
        if policy.warnings == "ignore":
            return Routing(
                action=AlertAction.QUIET, reason=f"{reason}; warnings are ignored by the team's policy"
            )
        if policy.warnings == "digest":
            return Routing(
                action=AlertAction.DIGEST, reason=f"{reason}; a warning goes to the digest, not a page"
            )
    return Routing(action=action, reason=reason)


def route_failure(
    incident: IncidentView | None,
    *,
    severity: Severity,
    run_id: str,
    now: datetime,
    policy: TeamPolicy,
) -> Routing:
    """Decide what a failing (or warning) gate decision does to its incident and who hears of it."""
    if incident is None:
        return _notify_or_digest(severity, policy, AlertAction.NEW, "new incident")
    if incident.last_run_id == run_id:
        return Routing(
            action=AlertAction.QUIET,
            reason="a retry of the same DAG run: already handled",
            counts_as_repeat=False,
        )
    rises = incident.severity is Severity.WARN and severity is Severity.FAIL
    if incident.status == "acknowledged":
        return Routing(action=AlertAction.QUIET, reason="acknowledged: repeats stay quiet")
    if incident.status == "snoozed" and incident.snoozed_until is not None and now < incident.snoozed_until:
        return Routing(action=AlertAction.QUIET, reason=f"snoozed until {incident.snoozed_until.isoformat()}")
    if rises:
        return Routing(action=AlertAction.ESCALATION, reason="severity rose from warning to failure")
    last = incident.last_notified_at
    if last is None or now - last >= policy.renotify_after:
        since = "never notified" if last is None else f"last notified {now - last} ago"
        return _notify_or_digest(
            severity,
            policy,
            AlertAction.REMINDER,
            f"still open, {since} (renotify_after {policy.renotify_after})",
        )
    return Routing(action=AlertAction.QUIET, reason=f"repeat within renotify_after ({policy.renotify_after})")
