"""The incident state machine as a pure plan: what one gate decision does to its incidents.

:func:`plan_gate_outcome` takes the incidents the decision concerns (as the store read and locked them),
the decision, the owning team's policy, the channels and the time, and returns an :class:`IncidentPlan`:
the incident rows to write, the notifications to queue and the reasons, in words, that the gate logs.
It reads no database and builds no message: the store applies the plan in one transaction and asks the
gate for each notification's subject and payload once the incident row has its id.

The rules (see :mod:`airflow_mlops.core.alerts` for who hears of a failure):

- a failure with no open incident of its fingerprint opens one (count 1);
- a repeat in a later DAG run counts (count + 1); a retry of the same DAG run does not, sends nothing
  new, and delivers again what an earlier try of that run queued but could not send;
- a snooze that has ended reopens the incident; a failure after a warning raises its severity;
- a notification is queued once per (incident, kind, DAG run, channel), never twice;
- a pass resolves every open incident of the gate, with one "resolved" message for those that people
  were told of (a warning only ever digested, or ignored, resolves quietly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_mlops.core.alerts import AlertAction, IncidentView, Routing, route_failure
from airflow_mlops.core.owners import TeamPolicy
from airflow_mlops.core.results import Severity, json_safe

__all__ = [
    "RESOLVED_BY_GATE",
    "GateResult",
    "IncidentPlan",
    "IncidentState",
    "IncidentWrite",
    "QueuedNotification",
    "plan_gate_outcome",
]

#: who resolved an incident that the gate passing again closed
RESOLVED_BY_GATE = "gate passed"


@dataclass(frozen=True, kw_only=True)
class QueuedNotification:
    """A notification already in the outbox for an incident in this DAG run."""

    id: int
    kind: str
    channel: str
    status: str  # pending | sent | failed


@dataclass(frozen=True, kw_only=True)
class IncidentState(IncidentView):
    """An incident not yet resolved, as the store read it (times are aware, in UTC)."""

    id: int
    count: int
    this_run: tuple[QueuedNotification, ...] = ()  # what is already queued for it in this DAG run


@dataclass(frozen=True, kw_only=True)
class GateResult:
    """One gate decision, as far as incidents are concerned.

    :param failing: the gate FAILED or WARNED (else it passed, or was overridden).
    :param severity: how bad a failing decision is; None when it passes.
    :param summary: what the incident shows of the decision (trimmed when written).
    """

    dag_id: str
    gate_task_id: str
    run_id: str
    owner: str | None
    failing: bool
    severity: Severity | None = None
    fingerprint: str | None = None
    failing_checks: tuple[str, ...] = ()
    summary: Mapping[str, Any] | None = None
    runbook_url: str | None = None
    check_run_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class IncidentWrite:
    """What to write to one incident row, and which notification to queue about it.

    :param incident_id: the row to change; None: insert a new incident with ``fields``.
    :param fields: the row's new column values.
    :param notify: the kind of notification to queue (``new``, ``reminder``, ``escalation``,
        ``resolved``), or None.
    :param channels: the channels to queue it on: the team's, less those already queued in this run.
    """

    incident_id: int | None
    fields: Mapping[str, Any]
    notify: str | None = None
    channels: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class IncidentPlan:
    """What a gate decision does to incidents.

    :param action: the routing taken (an :class:`~airflow_mlops.core.alerts.AlertAction` value), or
        ``"none"`` when a pass had nothing to resolve.
    :param reasons: why, in words; the first one is the routing's reason.
    :param redeliver: pending notifications of an earlier try of this DAG run, to deliver again.
    """

    action: str
    reasons: tuple[str, ...]
    writes: tuple[IncidentWrite, ...] = ()
    redeliver: tuple[int, ...] = ()


def plan_gate_outcome(
    incidents: Sequence[IncidentState],
    gate: GateResult,
    *,
    policy: TeamPolicy,
    channels: Sequence[str],
    now: datetime,
) -> IncidentPlan:
    """Plan what ``gate`` does to its incidents.

    :param incidents: the incidents not resolved that the decision concerns: when it fails, the one of
        its fingerprint (at most one); when it passes, every one of the gate.
    :param channels: the owning team's channel keys, where notifications go.
    :param now: the time of the decision, aware (UTC).
    """
    if not gate.failing:
        return _plan_resolution(incidents, gate, channels=channels, now=now)
    if len(incidents) > 1:
        raise ValueError(f"a failing gate has one open incident per fingerprint, not {len(incidents)}")
    incident = incidents[0] if incidents else None
    severity = gate.severity or Severity.FAIL
    routing = route_failure(incident, severity=severity, run_id=gate.run_id, now=now, policy=policy)
    if incident is None:
        return _plan_new(gate, routing, severity, channels=channels, now=now)
    return _plan_repeat(incident, gate, routing, channels=channels, now=now)


def _decision_fields(gate: GateResult, now: datetime) -> dict[str, Any]:
    """What every failing decision writes to its incident."""
    return {
        "last_seen": now,
        "last_run_id": gate.run_id,
        "summary": json_safe(dict(gate.summary or {}), max_str=500),
        "runbook_url": gate.runbook_url,
        "last_check_run_id": gate.check_run_id,
    }


def _routed(routing: Routing, fields: dict[str, Any], now: datetime) -> None:
    """The fields the routing sets: notified now, or waiting for the digest."""
    if routing.notifies:
        fields["last_notified_at"] = now
    elif routing.action is AlertAction.DIGEST:
        fields["digest_pending"] = True


def _plan_new(
    gate: GateResult, routing: Routing, severity: Severity, *, channels: Sequence[str], now: datetime
) -> IncidentPlan:
    fields: dict[str, Any] = {
        "fingerprint": gate.fingerprint,
        "dag_id": gate.dag_id,
        "gate_task_id": gate.gate_task_id,
        "owner": gate.owner,
        "status": "open",
        "severity": severity.value,
        "failing_checks": list(gate.failing_checks),
        "first_seen": now,
        "count": 1,
        "first_run_id": gate.run_id,
        "digest_pending": False,
        **_decision_fields(gate, now),
    }
    _routed(routing, fields, now)
    write = _notifying(IncidentWrite(incident_id=None, fields=fields), routing, channels, ())
    return IncidentPlan(action=routing.action.value, reasons=(routing.reason, *_said(write)), writes=(write,))


def _plan_repeat(
    incident: IncidentState, gate: GateResult, routing: Routing, *, channels: Sequence[str], now: datetime
) -> IncidentPlan:
    fields = _decision_fields(gate, now)
    reasons = [routing.reason]
    if routing.counts_as_repeat:
        fields["count"] = incident.count + 1
        reasons.append(f"seen {incident.count + 1} times")
    snoozed_until = incident.snoozed_until
    if incident.status == "snoozed" and snoozed_until is not None and now >= snoozed_until:
        fields["status"] = "open"
        reasons.append(f"the snooze ended at {snoozed_until.isoformat()}: open again")
    if gate.severity is Severity.FAIL:
        fields["severity"] = Severity.FAIL.value
    _routed(routing, fields, now)
    write = _notifying(
        IncidentWrite(incident_id=incident.id, fields=fields), routing, channels, incident.this_run
    )
    redeliver: tuple[int, ...] = ()
    if routing.action is AlertAction.QUIET and incident.last_run_id == gate.run_id:
        # a retry: deliver what an earlier try of this run queued but could not send
        redeliver = tuple(n.id for n in incident.this_run if n.status == "pending")
        if redeliver:
            reasons.append(f"delivering {len(redeliver)} notification(s) an earlier try queued")
    return IncidentPlan(
        action=routing.action.value, reasons=(*reasons, *_said(write)), writes=(write,), redeliver=redeliver
    )


def _plan_resolution(
    incidents: Sequence[IncidentState], gate: GateResult, *, channels: Sequence[str], now: datetime
) -> IncidentPlan:
    writes: list[IncidentWrite] = []
    reasons = [f"gate passed: {len(incidents)} open incident(s) resolved"]
    for incident in incidents:
        fields = {
            "status": "resolved",
            "resolved_at": now,
            "resolved_by": RESOLVED_BY_GATE,
            "last_run_id": gate.run_id,
            "last_seen": now,
        }
        write = IncidentWrite(incident_id=incident.id, fields=fields)
        if incident.last_notified_at is not None:  # only tell people about what they were told of
            write = _queue(write, "resolved", channels, incident.this_run)
        else:
            reasons.append(f"incident #{incident.id} resolves quietly: nobody was notified of it")
        writes.append(write)
        reasons += _said(write)
    return IncidentPlan(
        action="resolved" if incidents else "none", reasons=tuple(reasons), writes=tuple(writes)
    )


def _notifying(
    write: IncidentWrite, routing: Routing, channels: Sequence[str], this_run: Sequence[QueuedNotification]
) -> IncidentWrite:
    return _queue(write, routing.action.value, channels, this_run) if routing.notifies else write


def _queue(
    write: IncidentWrite, kind: str, channels: Sequence[str], this_run: Sequence[QueuedNotification]
) -> IncidentWrite:
    """``write`` queueing ``kind`` on each channel that has not had it in this DAG run."""
    queued = {n.channel for n in this_run if n.kind == kind}
    fresh = tuple(c for c in channels if c not in queued)
    return IncidentWrite(incident_id=write.incident_id, fields=write.fields, notify=kind, channels=fresh)


def _said(write: IncidentWrite) -> list[str]:
    """What the plan tells people about one incident, in words."""
    if write.notify is None:
        return []
    who = f"incident #{write.incident_id}" if write.incident_id is not None else "the new incident"
    if not write.channels:
        return [f"'{write.notify}' of {who}: no channel to queue it on (none, or all done in this run)"]
    return [f"'{write.notify}' of {who} queued on {', '.join(write.channels)}"]
