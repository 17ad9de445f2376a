"""Incidents and the notification outbox in the store (SQLite and PostgreSQL): the store locks the
incidents a gate decision concerns and applies core.incidents' plan in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow_mlops.core.owners import TeamPolicy
from airflow_mlops.store import ResultsStore


def outcome(store: ResultsStore, run_id: str, *, failing: bool = True, **overrides: Any):  # type: ignore[no-untyped-def]
    values: dict[str, Any] = {
        "dag_id": "orders",
        "gate_task_id": "gate",
        "run_id": run_id,
        "owner": "ml-platform",
        "failing": failing,
        "severity": "fail" if failing else None,
        "fingerprint": "fp" if failing else None,
        "failing_checks": ["validate:nulls"] if failing else [],
        "summary": {"message": "1 check failed"},
        "runbook_url": None,
        "check_run_id": None,
        "policy": TeamPolicy(renotify_after=timedelta(hours=4)),
        "channels": ["email:ml", "webhook:ml"],
        "message": lambda incident, kind: (f"{kind} #{incident.id}", {"count": incident.count}),
    }
    values.update(overrides)
    return store.apply_gate_outcome(**values)


def test_a_new_incident_queues_one_pending_message_per_channel_with_the_gates_subject(store) -> None:  # type: ignore[no-untyped-def]
    first = outcome(store, "run-1")
    assert (first.action, first.incident_count, first.reason) == ("new", 1, "new incident")
    assert first.reasons[1:] == ("'new' of the new incident queued on email:ml, webhook:ml",)
    log = store.notifications(ids=first.notification_ids)
    assert [(n.channel, n.kind, n.status, n.subject) for n in log] == [
        ("email:ml", "new", "pending", f"new #{first.incident_id}"),
        ("webhook:ml", "new", "pending", f"new #{first.incident_id}"),
    ]
    assert log[0].payload == {"count": 1}


def test_a_retry_queues_nothing_new_and_redelivers_what_is_still_pending(store) -> None:  # type: ignore[no-untyped-def]
    first = outcome(store, "run-1")
    store.mark_notification(first.notification_ids[0], sent=True, attempts=1)
    retry = outcome(store, "run-1")
    assert (retry.action, retry.incident_count) == ("quiet", 1)
    assert retry.notification_ids == first.notification_ids[1:]
    assert len(store.notifications(incident_id=first.incident_id)) == 2


def test_a_repeat_of_a_snoozed_incident_stays_quiet_then_reopens_when_the_snooze_ends(store) -> None:  # type: ignore[no-untyped-def]
    # SQLite hands back naive datetimes: the store compares them as UTC (this crashed before the plan)
    first = outcome(store, "run-1")
    until = datetime.now(UTC) + timedelta(hours=1)
    store.update_incident(first.incident_id, action="snooze", user="oncall-bob", until=until)
    repeat = outcome(store, "run-2")
    assert (repeat.action, repeat.incident_count, repeat.notification_ids) == ("quiet", 2, [])
    assert repeat.reason.startswith("snoozed until ")
    assert store.incident(first.incident_id).status == "snoozed"


def test_a_pass_resolves_with_one_resolved_message_per_channel_once(store) -> None:  # type: ignore[no-untyped-def]
    first = outcome(store, "run-1")
    passed = outcome(store, "run-2", failing=False)
    assert (passed.action, passed.incident_id, passed.resolved_incident_ids) == (
        "resolved",
        None,
        (first.incident_id,),
    )
    assert [n.kind for n in store.notifications(ids=passed.notification_ids)] == ["resolved", "resolved"]
    resolved = store.incident(first.incident_id)
    assert (resolved.status, resolved.resolved_by, resolved.last_run_id) == (
        "resolved",
        "gate passed",
        "run-2",
    )
    again = outcome(store, "run-2", failing=False)
    assert (again.action, again.notification_ids) == ("none", [])
