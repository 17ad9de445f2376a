"""Incidents and the notification outbox: a gate decision's plan (core.incidents) applied in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from airflow_mlops.core.handoff import utc_moment
from airflow_mlops.core.incidents import (
    GateResult,
    IncidentState,
    QueuedNotification,
    plan_gate_outcome,
)
from airflow_mlops.core.owners import TeamPolicy
from airflow_mlops.core.results import Severity, json_safe
from airflow_mlops.exceptions import InputError
from airflow_mlops.store.audit import audit
from airflow_mlops.store.base import StoreBase, utcnow
from airflow_mlops.store.models import IncidentRow, NotificationRow
from airflow_mlops.store.queries import where_given

__all__ = ["GateOutcome", "IncidentStore"]


@dataclass(frozen=True, kw_only=True)
class GateOutcome:
    """What a gate decision did to incidents: the routing taken, why (``reason`` is the first of
    ``reasons``) and the notifications to deliver."""

    incident_id: int | None
    action: str
    reason: str
    notification_ids: list[int]
    incident_count: int = 0
    first_seen: datetime | None = None
    resolved_incident_ids: tuple[int, ...] = ()
    reasons: tuple[str, ...] = ()


class IncidentStore(StoreBase):
    """Incidents (one open per fingerprint), their triage, and the notifications queued about them."""

    def apply_gate_outcome(
        self,
        *,
        dag_id: str,
        gate_task_id: str,
        run_id: str,
        owner: str | None,
        failing: bool,
        severity: str | None,
        fingerprint: str | None,
        failing_checks: list[str],
        summary: dict[str, Any],
        runbook_url: str | None,
        check_run_id: int | None,
        policy: TeamPolicy,
        channels: Sequence[str],
        message: Callable[[IncidentRow, str], tuple[str, dict[str, Any]]],
    ) -> GateOutcome:
        """Update incidents for one gate decision and queue its notifications, in one transaction.

        The incidents concerned are read and locked, :func:`~airflow_mlops.core.incidents.plan_gate_outcome`
        plans what to do, and the plan is written. ``message(incident, kind)`` returns the subject and JSON
        payload of a notification (asked once the incident row is written). Notifications are queued as
        ``pending`` rows (the outbox) and delivered by the caller.
        """
        gate = GateResult(
            dag_id=dag_id, gate_task_id=gate_task_id, run_id=run_id, owner=owner, failing=failing,
            severity=Severity(severity) if severity else None, fingerprint=fingerprint,
            failing_checks=tuple(failing_checks), summary=summary, runbook_url=runbook_url,
            check_run_id=check_run_id,
        )  # fmt: skip

        def work(session: Session) -> GateOutcome:
            now = utcnow()
            rows = _incidents_concerned(session, gate)
            states = _incident_states(session, rows, run_id=run_id)
            plan = plan_gate_outcome(states, gate, policy=policy, channels=channels, now=now)
            by_id = {row.id: row for row in rows}
            written: list[IncidentRow] = []
            ids: list[int] = []
            for write in plan.writes:
                row = by_id[write.incident_id] if write.incident_id is not None else IncidentRow()
                for column, value in write.fields.items():
                    setattr(row, column, value)
                if write.incident_id is None:
                    session.add(row)
                session.flush()
                written.append(row)
                if write.notify is not None:
                    subject, payload = message(row, write.notify)
                    ids += _queue(session, incident_id=row.id, owner=owner, kind=write.notify, run_id=run_id,
                                  channels=write.channels, subject=subject, payload=payload, now=now)  # fmt: skip
            incident = written[0] if failing else None
            return GateOutcome(
                incident_id=incident.id if incident is not None else None,
                action=plan.action,
                reason=plan.reasons[0],
                reasons=plan.reasons,
                notification_ids=ids + list(plan.redeliver),
                incident_count=incident.count if incident is not None else 0,
                first_seen=incident.first_seen if incident is not None else None,
                resolved_incident_ids=() if failing else tuple(row.id for row in written),
            )

        return self._write(work)

    def notifications(
        self, *, ids: Sequence[int] | None = None, incident_id: int | None = None, owner: str | None = None
    ) -> list[NotificationRow]:
        def work(session: Session) -> list[NotificationRow]:
            query = sa.select(NotificationRow).order_by(NotificationRow.id)
            query = where_given(
                query,
                (NotificationRow.id, ids),
                (NotificationRow.incident_id, incident_id),
                (NotificationRow.owner, owner),
            )
            return list(session.scalars(query))

        return self._read(work)

    def mark_notification(
        self, notification_id: int, *, sent: bool, attempts: int, error: str | None = None
    ) -> None:
        def work(session: Session) -> None:
            row = session.get(NotificationRow, notification_id)
            if row is not None:
                row.status = "sent" if sent else "failed"
                row.attempts = attempts
                row.error = error
                row.sent_at = utcnow() if sent else None

        self._write(work)

    def add_notification(
        self,
        *,
        owner: str | None,
        kind: str,
        run_id: str,
        channel: str,
        subject: str,
        payload: dict[str, Any],
    ) -> int:
        """Queue a notification that belongs to no single incident (a digest)."""

        def work(session: Session) -> int:
            (notification_id,) = _queue(session, incident_id=None, owner=owner, kind=kind, run_id=run_id,
                                        channels=[channel], subject=subject, payload=payload, now=utcnow())  # fmt: skip
            return notification_id

        return self._write(work)

    def incidents(
        self,
        *,
        owner: str | None = None,
        status: Sequence[str] | None = ("open", "acknowledged", "snoozed"),
        dag_id: str | None = None,
        dag_ids: Collection[str] | None = None,
        digest_pending: bool | None = None,
        limit: int = 200,
    ) -> list[IncidentRow]:
        def work(session: Session) -> list[IncidentRow]:
            query = (
                sa.select(IncidentRow)
                .order_by(IncidentRow.last_seen.desc(), IncidentRow.id.desc())
                .limit(limit)
            )
            query = where_given(
                query,
                (IncidentRow.owner, owner),
                (IncidentRow.status, status),
                (IncidentRow.dag_id, dag_id),
                (IncidentRow.dag_id, dag_ids),
                (IncidentRow.digest_pending, digest_pending),
            )
            return list(session.scalars(query))

        return self._read(work)

    def incident(self, incident_id: int) -> IncidentRow | None:
        return self._read(lambda session: session.get(IncidentRow, incident_id))

    def update_incident(
        self,
        incident_id: int,
        *,
        action: str,
        user: str,
        until: datetime | None = None,
        note: str | None = None,
    ) -> IncidentRow:
        """Acknowledge, snooze (until a time) or resolve an incident, recording who did it."""
        if action not in ("ack", "snooze", "resolve"):
            raise InputError(f"action={action!r} must be 'ack', 'snooze' or 'resolve'.")
        if not user or not user.strip():
            raise InputError("the user who acts on an incident is required (--user).")

        def work(session: Session) -> IncidentRow:
            row = session.get(IncidentRow, incident_id)
            if row is None:
                raise InputError(
                    f"incident {incident_id} does not exist; list them with `airflow-mlops incidents list`."
                )
            if row.status == "resolved":
                raise InputError(
                    f"incident {incident_id} is already resolved ({row.resolved_by}, {row.resolved_at})."
                )
            now = utcnow()
            if action == "ack":
                row.status, row.acked_by, row.acked_at = "acknowledged", user, now
            elif action == "snooze":
                if until is None or until <= now:
                    raise InputError("snooze needs a time in the future (e.g. --for 4h).")
                row.status, row.snoozed_by, row.snoozed_until = "snoozed", user, until
            else:
                row.status, row.resolved_by, row.resolved_at = "resolved", user, now
            if note:
                row.note = note
            audit(session, action, user, note=note or None, dag_id=row.dag_id, task_id=row.gate_task_id,
                   run_id=row.last_run_id, incident_id=row.id,
                   details={"until": until.isoformat(timespec="seconds")} if action == "snooze" and until else None)  # fmt: skip
            return row

        return self._write(work)

    def clear_digest(self, incident_ids: Sequence[int]) -> None:
        def work(session: Session) -> None:
            session.execute(
                sa.update(IncidentRow)
                .where(IncidentRow.id.in_(list(incident_ids)))
                .values(digest_pending=False)
            )

        self._write(work)


def _incidents_concerned(session: Session, gate: GateResult) -> list[IncidentRow]:
    """The incidents not resolved that a decision concerns, locked: a failure's one of its fingerprint,
    or every one of the gate when it passes."""
    if gate.failing:
        query = (
            sa.select(IncidentRow)
            .where(IncidentRow.fingerprint == gate.fingerprint, IncidentRow.status != "resolved")
            .order_by(IncidentRow.id.desc())
            .limit(1)
        )
    else:
        query = sa.select(IncidentRow).where(
            IncidentRow.dag_id == gate.dag_id,
            IncidentRow.gate_task_id == gate.gate_task_id,
            IncidentRow.status != "resolved",
        )
    return list(session.scalars(query.with_for_update()))


def _incident_states(session: Session, rows: Sequence[IncidentRow], *, run_id: str) -> list[IncidentState]:
    """What the incident plan needs of ``rows``: their state, times in UTC, and what this run queued."""
    queued: dict[int, list[QueuedNotification]] = {row.id: [] for row in rows}
    if rows:
        query = sa.select(NotificationRow).where(
            NotificationRow.incident_id.in_(list(queued)), NotificationRow.run_id == run_id
        )
        for n in session.scalars(query.order_by(NotificationRow.id)):
            if n.incident_id is not None:
                notice = QueuedNotification(id=n.id, kind=n.kind, channel=n.channel, status=n.status)
                queued[n.incident_id].append(notice)
    return [
        IncidentState(
            id=row.id,
            status=row.status,
            severity=Severity(row.severity),
            count=row.count,
            last_run_id=row.last_run_id,
            last_notified_at=utc_moment(row.last_notified_at, name="last_notified_at"),
            snoozed_until=utc_moment(row.snoozed_until, name="snoozed_until"),
            this_run=tuple(queued[row.id]),
        )
        for row in rows
    ]


def _queue(
    session: Session,
    *,
    incident_id: int | None,
    owner: str | None,
    kind: str,
    run_id: str,
    channels: Sequence[str],
    subject: str,
    payload: dict[str, Any],
    now: datetime,
) -> list[int]:
    """Queue one message as a ``pending`` row per channel (the outbox); their ids, in channel order."""
    rows = [
        NotificationRow(
            incident_id=incident_id,
            owner=owner,
            kind=kind,
            run_id=run_id,
            channel=channel,
            status="pending",
            attempts=0,
            subject=subject,
            payload=json_safe(payload, max_str=2000),
            created_at=now,
        )  # fmt: skip
        for channel in channels
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]
