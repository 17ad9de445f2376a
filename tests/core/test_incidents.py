"""The incident plan (core.incidents) rule by rule, in milliseconds: what each gate decision writes to its
incident, which notifications it queues, and why. tests/operators/test_gate.py proves the same rules in
real DAG runs against real SMTP and webhook servers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from airflow_mlops.core.incidents import (
    GateResult,
    IncidentPlan,
    IncidentState,
    QueuedNotification,
    plan_gate_outcome,
)
from airflow_mlops.core.owners import TeamPolicy
from airflow_mlops.core.results import Severity

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
POLICY = TeamPolicy(renotify_after=timedelta(hours=4))
CHANNELS = ("email:ml", "webhook:ml")


def failing(run_id: str = "run-2", severity: Severity = Severity.FAIL, **overrides: Any) -> GateResult:
    values: dict[str, Any] = {
        "dag_id": "orders",
        "gate_task_id": "gate",
        "run_id": run_id,
        "owner": "ml-platform",
        "failing": True,
        "severity": severity,
        "fingerprint": "fp",
        "failing_checks": ("validate:nulls",),
        "summary": {"message": "1 check failed", "failing": []},
        "runbook_url": "https://runbooks.example.com/orders",
        "check_run_id": 42,
    }
    values.update(overrides)
    return GateResult(**values)


def passing(run_id: str = "run-3") -> GateResult:
    return GateResult(dag_id="orders", gate_task_id="gate", run_id=run_id, owner="ml-platform", failing=False)


def incident(**overrides: Any) -> IncidentState:
    values: dict[str, Any] = {
        "id": 7,
        "status": "open",
        "severity": Severity.FAIL,
        "count": 1,
        "last_run_id": "run-1",
        "last_notified_at": NOW - timedelta(hours=1),
    }
    values.update(overrides)
    return IncidentState(**values)


def plan(
    current: IncidentState | list[IncidentState] | None,
    gate: GateResult,
    *,
    policy: TeamPolicy = POLICY,
    channels: tuple[str, ...] = CHANNELS,
    now: datetime = NOW,
) -> IncidentPlan:
    incidents = current if isinstance(current, list) else [] if current is None else [current]
    return plan_gate_outcome(incidents, gate, policy=policy, channels=channels, now=now)


def queued(result: IncidentPlan) -> list[tuple[str | None, tuple[str, ...]]]:
    return [(w.notify, w.channels) for w in result.writes if w.notify is not None]


# -- rule 1: the first failure opens an incident and notifies every channel --------------------------------
def test_a_first_failure_opens_an_incident_and_queues_new_on_every_channel() -> None:
    result = plan(None, failing(run_id="run-1"))
    assert result.action == "new" and result.reasons[0] == "new incident"
    (write,) = result.writes
    assert write.incident_id is None  # insert
    assert dict(write.fields) == {
        "fingerprint": "fp",
        "dag_id": "orders",
        "gate_task_id": "gate",
        "owner": "ml-platform",
        "status": "open",
        "severity": "fail",
        "failing_checks": ["validate:nulls"],
        "first_seen": NOW,
        "count": 1,
        "first_run_id": "run-1",
        "digest_pending": False,
        "last_seen": NOW,
        "last_run_id": "run-1",
        "summary": {"message": "1 check failed", "failing": []},
        "runbook_url": "https://runbooks.example.com/orders",
        "last_check_run_id": 42,
        "last_notified_at": NOW,
    }
    assert queued(result) == [("new", CHANNELS)]
    assert result.reasons[1] == "'new' of the new incident queued on email:ml, webhook:ml"


def test_a_failure_without_severity_opens_a_blocking_incident() -> None:
    write = plan(None, failing(severity=None)).writes[0]  # type: ignore[arg-type]
    assert write.fields["severity"] == "fail"


def test_the_incident_summary_is_trimmed_and_made_json_safe() -> None:
    write = plan(None, failing(summary={"message": "x" * 2000, "at": NOW})).writes[0]
    assert len(write.fields["summary"]["message"]) <= 500 and write.fields["summary"]["at"] == NOW.isoformat()


# -- rule 2: repeats are counted and quiet until renotify_after, then one reminder ------------------------
def test_a_repeat_inside_the_window_is_counted_and_quiet() -> None:
    result = plan(incident(count=3), failing())
    assert result.action == "quiet" and queued(result) == [] and result.redeliver == ()
    fields = result.writes[0].fields
    assert result.writes[0].incident_id == 7
    assert fields["count"] == 4 and fields["last_run_id"] == "run-2" and fields["last_seen"] == NOW
    assert "last_notified_at" not in fields and "status" not in fields
    assert result.reasons == ("repeat within renotify_after (4:00:00)", "seen 4 times")


def test_a_repeat_after_the_window_reminds_once_and_restarts_the_window() -> None:
    result = plan(incident(last_notified_at=NOW - timedelta(hours=4)), failing())
    assert result.action == "reminder" and queued(result) == [("reminder", CHANNELS)]
    assert result.writes[0].fields["last_notified_at"] == NOW
    assert result.reasons[0].startswith("still open, last notified 4:00:00 ago")


# -- rule 3: a retry of the same DAG run sends nothing more ------------------------------------------------
def test_a_retry_of_the_same_run_neither_counts_nor_queues_but_redelivers_what_is_pending() -> None:
    this_run = (
        QueuedNotification(id=11, kind="new", channel="email:ml", status="sent"),
        QueuedNotification(id=12, kind="new", channel="webhook:ml", status="pending"),
    )
    late = NOW + timedelta(days=2)  # even past the renotify window
    result = plan(incident(last_run_id="run-2", this_run=this_run), failing(run_id="run-2"), now=late)
    assert result.action == "quiet" and queued(result) == []
    assert "count" not in result.writes[0].fields
    assert result.redeliver == (12,)  # the sent one is not sent again
    assert result.reasons == (
        "a retry of the same DAG run: already handled",
        "delivering 1 notification(s) an earlier try queued",
    )


def test_a_retry_whose_notifications_were_all_sent_delivers_nothing() -> None:
    sent = (QueuedNotification(id=11, kind="new", channel="email:ml", status="sent"),)
    result = plan(incident(last_run_id="run-2", this_run=sent), failing(run_id="run-2"))
    assert result.redeliver == () and queued(result) == []


def test_a_channel_that_already_had_this_kind_in_this_run_is_not_queued_again() -> None:
    this_run = (QueuedNotification(id=11, kind="escalation", channel="email:ml", status="failed"),)
    current = incident(severity=Severity.WARN, this_run=this_run)
    assert queued(plan(current, failing())) == [("escalation", ("webhook:ml",))]


# -- rule 3b: a rise in severity escalates, even inside the window -----------------------------------------
def test_a_severity_rise_escalates_inside_the_window_and_raises_the_incident() -> None:
    result = plan(incident(severity=Severity.WARN), failing())
    assert result.action == "escalation" and queued(result) == [("escalation", CHANNELS)]
    assert result.writes[0].fields["severity"] == "fail"
    assert result.writes[0].fields["last_notified_at"] == NOW


def test_a_warning_after_a_failure_keeps_the_incident_blocking() -> None:
    result = plan(incident(), failing(severity=Severity.WARN))
    assert result.action == "quiet" and "severity" not in result.writes[0].fields


# -- rule 4: acknowledged stays quiet; snoozed stays quiet until the snooze ends ---------------------------
def test_an_acknowledged_incident_stays_quiet_even_past_the_window_and_on_a_severity_rise() -> None:
    acked = incident(status="acknowledged", severity=Severity.WARN, last_notified_at=NOW - timedelta(days=9))
    result = plan(acked, failing())
    assert result.action == "quiet" and queued(result) == []
    assert result.reasons[0] == "acknowledged: repeats stay quiet"
    assert result.writes[0].fields["count"] == 2 and "status" not in result.writes[0].fields


def test_a_snoozed_incident_stays_quiet_until_the_snooze_ends() -> None:
    snoozed = incident(
        status="snoozed", snoozed_until=NOW + timedelta(hours=1), last_notified_at=NOW - timedelta(days=1)
    )
    result = plan(snoozed, failing())
    assert result.action == "quiet" and queued(result) == []
    assert "status" not in result.writes[0].fields
    assert result.reasons[0] == f"snoozed until {(NOW + timedelta(hours=1)).isoformat()}"


def test_once_the_snooze_ends_the_incident_opens_again_and_the_reminder_rules_apply() -> None:
    ended = NOW - timedelta(minutes=1)
    snoozed = incident(status="snoozed", snoozed_until=ended, last_notified_at=NOW - timedelta(hours=9))
    result = plan(snoozed, failing())
    assert result.action == "reminder" and queued(result) == [("reminder", CHANNELS)]
    assert result.writes[0].fields["status"] == "open"
    assert f"the snooze ended at {ended.isoformat()}: open again" in result.reasons
    # inside the renotify window, the reopened incident stays quiet
    recent = replace(snoozed, last_notified_at=NOW - timedelta(hours=1))
    quiet = plan(recent, failing())
    assert quiet.action == "quiet" and quiet.writes[0].fields["status"] == "open"


def test_a_snooze_that_ends_during_a_retry_still_reopens_without_counting() -> None:
    snoozed = incident(status="snoozed", snoozed_until=NOW - timedelta(minutes=1), last_run_id="run-2")
    result = plan(snoozed, failing(run_id="run-2"))
    assert result.action == "quiet" and result.writes[0].fields["status"] == "open"
    assert "count" not in result.writes[0].fields


# -- rule 6: warnings go to the digest, not a page -----------------------------------------------------
def test_a_warning_marks_its_new_incident_for_the_digest_and_pages_nobody() -> None:
    result = plan(None, failing(severity=Severity.WARN))
    assert result.action == "digest" and queued(result) == []
    fields = result.writes[0].fields
    assert (
        fields["digest_pending"] is True and fields["severity"] == "warn" and "last_notified_at" not in fields
    )


def test_a_repeated_warning_past_the_window_goes_to_the_digest_again() -> None:
    result = plan(incident(severity=Severity.WARN, last_notified_at=None), failing(severity=Severity.WARN))
    assert result.action == "digest" and result.writes[0].fields["digest_pending"] is True


@pytest.mark.parametrize(
    ("policy", "action", "notified"),
    [
        (TeamPolicy(warnings="ignore"), "quiet", False),
        (TeamPolicy(warnings="notify"), "new", True),
        (TeamPolicy(page_on="warn", warnings="digest"), "new", True),
    ],
)
def test_warnings_follow_the_team_policy(policy: TeamPolicy, action: str, notified: bool) -> None:
    result = plan(None, failing(severity=Severity.WARN), policy=policy)
    fields = result.writes[0].fields
    assert result.action == action and fields["digest_pending"] is False
    assert ("last_notified_at" in fields) is notified and bool(queued(result)) is notified


# -- rule 5: passing again resolves, with one "resolved" message for what people were told of ---------------
def test_a_pass_resolves_every_open_incident_and_tells_only_those_people_heard_of() -> None:
    told = incident(id=7)
    digested = incident(id=8, severity=Severity.WARN, last_notified_at=None)
    result = plan([told, digested], passing())
    assert result.action == "resolved"
    assert [w.incident_id for w in result.writes] == [7, 8]
    for write in result.writes:
        assert dict(write.fields) == {
            "status": "resolved",
            "resolved_at": NOW,
            "resolved_by": "gate passed",
            "last_run_id": "run-3",
            "last_seen": NOW,
        }
    assert queued(result) == [("resolved", CHANNELS)] and result.writes[0].incident_id == 7
    assert result.reasons == (
        "gate passed: 2 open incident(s) resolved",
        "'resolved' of incident #7 queued on email:ml, webhook:ml",
        "incident #8 resolves quietly: nobody was notified of it",
    )


def test_a_pass_with_nothing_open_does_nothing() -> None:
    result = plan([], passing())
    assert (result.action, result.writes, result.redeliver) == ("none", (), ())
    assert result.reasons == ("gate passed: 0 open incident(s) resolved",)


def test_a_resolution_already_queued_in_this_run_is_not_queued_again() -> None:
    done = (QueuedNotification(id=20, kind="resolved", channel="email:ml", status="sent"),)
    result = plan([incident(this_run=done)], passing())
    assert queued(result) == [("resolved", ("webhook:ml",))]


# -- no channels, and a broken input -------------------------------------------------------------------
def test_without_channels_a_notification_is_planned_but_goes_nowhere_and_says_so() -> None:
    result = plan(None, failing(), channels=())
    assert queued(result) == [("new", ())] and result.writes[0].fields["last_notified_at"] == NOW
    assert (
        result.reasons[-1]
        == "'new' of the new incident: no channel to queue it on (none, or all done in this run)"
    )


def test_a_failure_concerns_at_most_one_open_incident() -> None:
    with pytest.raises(ValueError, match="one open incident per fingerprint, not 2"):
        plan([incident(id=1), incident(id=2)], failing())
