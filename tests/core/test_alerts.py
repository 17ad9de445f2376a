"""The alert-fatigue rules as pure decisions (the DAG-run tests in tests/operators/test_gate.py prove them end to end)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airflow_mlops.core.alerts import AlertAction, IncidentView, fingerprint, route_failure
from airflow_mlops.core.owners import TeamPolicy
from airflow_mlops.core.results import Severity

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
POLICY = TeamPolicy(renotify_after=timedelta(hours=4))


def _open(**overrides) -> IncidentView:  # type: ignore[no-untyped-def]
    values = {
        "status": "open",
        "severity": Severity.FAIL,
        "last_run_id": "run-1",
        "last_notified_at": NOW - timedelta(hours=1),
    }
    values.update(overrides)
    return IncidentView(**values)


def test_fingerprint_ignores_order_and_duplicates_and_separates_gates() -> None:
    assert fingerprint("d", "gate", ["b", "a", "a"]) == fingerprint("d", "gate", ["a", "b"])
    assert fingerprint("d", "gate", ["a"]) != fingerprint("d", "gate", ["a", "b"])
    assert fingerprint("d", "gate", ["a"]) != fingerprint("d", "gate2", ["a"])
    assert fingerprint("d", "gate", ["a"]) != fingerprint("e", "gate", ["a"])
    assert fingerprint("d", "ga", ["te"]) != fingerprint("d", "g", ["ate"])  # no concatenation collisions


def test_first_failure_notifies() -> None:
    assert (
        route_failure(None, severity=Severity.FAIL, run_id="r", now=NOW, policy=POLICY).action
        is AlertAction.NEW
    )


def test_repeat_within_window_is_quiet_and_counted_then_reminds_after_it() -> None:
    quiet = route_failure(_open(), severity=Severity.FAIL, run_id="run-2", now=NOW, policy=POLICY)
    assert (quiet.action, quiet.counts_as_repeat, quiet.notifies) == (AlertAction.QUIET, True, False)
    later = NOW + timedelta(hours=3, minutes=1)
    reminder = route_failure(_open(), severity=Severity.FAIL, run_id="run-3", now=later, policy=POLICY)
    assert reminder.action is AlertAction.REMINDER and reminder.notifies


def test_a_retry_of_the_same_run_never_notifies_nor_counts() -> None:
    late = NOW + timedelta(days=2)  # even past the renotify window
    routing = route_failure(_open(), severity=Severity.FAIL, run_id="run-1", now=late, policy=POLICY)
    assert (routing.action, routing.counts_as_repeat) == (AlertAction.QUIET, False)


def test_severity_rise_escalates_inside_the_window() -> None:
    routing = route_failure(
        _open(severity=Severity.WARN), severity=Severity.FAIL, run_id="run-2", now=NOW, policy=POLICY
    )
    assert routing.action is AlertAction.ESCALATION


def test_acknowledged_stays_quiet_forever_and_snoozed_until_expiry() -> None:
    late = NOW + timedelta(days=30)
    acked = route_failure(
        _open(status="acknowledged", severity=Severity.WARN),
        severity=Severity.FAIL,
        run_id="r9",
        now=late,
        policy=POLICY,
    )
    assert acked.action is AlertAction.QUIET
    snoozed = _open(
        status="snoozed", snoozed_until=NOW + timedelta(hours=8), last_notified_at=NOW - timedelta(days=1)
    )
    assert (
        route_failure(snoozed, severity=Severity.FAIL, run_id="r2", now=NOW, policy=POLICY).action
        is AlertAction.QUIET
    )
    after = NOW + timedelta(hours=8, seconds=1)
    assert (
        route_failure(snoozed, severity=Severity.FAIL, run_id="r3", now=after, policy=POLICY).action
        is AlertAction.REMINDER
    )


@pytest.mark.parametrize(
    ("policy", "action"),
    [
        (TeamPolicy(), AlertAction.DIGEST),
        (TeamPolicy(warnings="ignore"), AlertAction.QUIET),
        (TeamPolicy(warnings="notify"), AlertAction.NEW),
        (TeamPolicy(page_on="warn", warnings="digest"), AlertAction.NEW),
    ],
)
def test_warnings_follow_the_team_policy(policy, action) -> None:
    assert route_failure(None, severity=Severity.WARN, run_id="r", now=NOW, policy=policy).action is action


def test_a_never_notified_warning_incident_reminds_through_the_digest_not_a_page() -> None:
    incident = _open(severity=Severity.WARN, last_notified_at=None)
    routing = route_failure(incident, severity=Severity.WARN, run_id="r2", now=NOW, policy=TeamPolicy())
    assert routing.action is AlertAction.DIGEST
