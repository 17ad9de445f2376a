"""The audit trail: every human action is one append-only event, written in the action's transaction."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from airflow_mlops.core.results import json_safe
from airflow_mlops.exceptions import InputError
from airflow_mlops.store.base import StoreBase, utcnow
from airflow_mlops.store.models import AuditEventRow
from airflow_mlops.store.queries import where_given

__all__ = ["AUDIT_ACTIONS", "AuditStore", "audit", "check_actor"]

#: What an audit event records: the triage of an incident, a gate override (an approval through Airflow's
#: human-in-the-loop is one) or a rejection, a pin or unpin of a baseline, and a baseline key handed to
#: another DAG (``airflow-mlops baseline owner``).
AUDIT_ACTIONS = (
    "ack",
    "snooze",
    "resolve",
    "override",
    "reject",
    "pin",
    "unpin",
    "own",
    "exclude",
    "expected",
)


class AuditStore(StoreBase):
    """Reads the audit trail, and records the actions that change no other row."""

    def audit_events(
        self,
        *,
        dag_id: str | None = None,
        dag_ids: Collection[str] | None = None,
        incident_ids: Collection[int] | None = None,
        baseline_key: str | None = None,
        limit: int = 100,
    ) -> list[AuditEventRow]:
        """Audit events, newest first. ``dag_ids`` restricts to the DAGs a user may read."""

        def work(session: Session) -> list[AuditEventRow]:
            query = sa.select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
            query = where_given(
                query,
                (AuditEventRow.dag_id, dag_id),
                (AuditEventRow.dag_id, dag_ids),
                (AuditEventRow.incident_id, incident_ids),
                (AuditEventRow.baseline_key, baseline_key),
            )
            return list(session.scalars(query))

        return self._read(work)

    def add_audit_event(self, *, action: str, user: str, note: str | None = None, **where: Any) -> None:
        """Record a human action that changes no other row (a gate's approval rejected). ``where``: the
        columns naming what it was about (``dag_id``, ``run_id``, ``task_id``, ``incident_id`` ...)."""
        self._write(lambda session: audit(session, action, user, note=note, **where))

    def report_audit(
        self, *, dag_id: str, run_id: str, task_id: str, incident_id: int | None, limit: int = 100
    ) -> list[AuditEventRow]:
        """What people did about one task's report, newest first: overrides of that task in that run, and
        every action on its incident."""

        def work(session: Session) -> list[AuditEventRow]:
            this_run = sa.and_(
                AuditEventRow.dag_id == dag_id,
                AuditEventRow.run_id == run_id,
                AuditEventRow.task_id == task_id,
            )
            about = sa.or_(this_run, AuditEventRow.incident_id == incident_id) if incident_id else this_run
            query = sa.select(AuditEventRow).where(about).order_by(AuditEventRow.id.desc()).limit(limit)
            return list(session.scalars(query))

        return self._read(work)


def audit(session: Session, action: str, actor: str, **columns: Any) -> None:
    """Append one audit event in the caller's transaction: it exists exactly when the action does."""
    if action not in AUDIT_ACTIONS:
        raise InputError(f"audit action={action!r} is not one of {', '.join(AUDIT_ACTIONS)}.")
    details = columns.pop("details", None)
    session.add(
        AuditEventRow(at=utcnow(), actor=actor, action=action, details=json_safe(details) if details else None,
                      **columns)
    )  # fmt: skip


def check_actor(user: str, reason: str, *, what: str) -> None:
    """Refuse a human action without a reason or without the user who does it (``what``: the action)."""
    if not isinstance(reason, str) or not reason.strip():
        raise InputError(f"{what} needs a reason; it is kept in the audit trail (`airflow-mlops audit`).")
    if not isinstance(user, str) or not user.strip():
        raise InputError(f"{what} needs the user who does it (--user).")
