"""SQLAlchemy 2 models of the results store. Alembic migrations (``migrations/``) own the schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "AuditEventRow",
    "Base",
    "BaselineKeyRow",
    "BaselinePinRow",
    "CheckResultRow",
    "CheckRunRow",
    "GateOverrideRow",
    "IncidentRow",
    "JSONType",
    "NotificationRow",
    "ProfileRow",
]

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
        }
    )


class CheckRunRow(Base):
    """One try of one check, comparison or gate task. Unique per (dag, task, run, map index, try)."""

    __tablename__ = "mlops_check_run"
    __table_args__ = (
        sa.UniqueConstraint("dag_id", "task_id", "run_id", "map_index", "try_number"),
        sa.Index("ix_mlops_check_run_dag_run", "dag_id", "run_id"),
        sa.Index("ix_mlops_check_run_finished", "finished_at"),
        sa.Index("ix_mlops_check_run_status", "status"),
        # the UI: the latest decision per gate, and a task's history (newest first)
        sa.Index("ix_mlops_check_run_kind_dag_id_task_id", "kind", "dag_id", "task_id", "id"),
        sa.Index("ix_mlops_check_run_dag_id_task_id_map_index", "dag_id", "task_id", "map_index", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(sa.String(250))
    task_id: Mapped[str] = mapped_column(sa.String(250))
    run_id: Mapped[str] = mapped_column(sa.String(250))
    map_index: Mapped[int] = mapped_column(sa.Integer, default=-1)
    try_number: Mapped[int] = mapped_column(sa.Integer, default=1)
    logical_date: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    run_after: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16))
    owner: Mapped[str | None] = mapped_column(sa.String(250))
    data_source: Mapped[str | None] = mapped_column(sa.Text)
    suite_name: Mapped[str | None] = mapped_column(sa.String(500))
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    duration_s: Mapped[float | None] = mapped_column(sa.Float)
    message: Mapped[str | None] = mapped_column(sa.Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    baseline_key: Mapped[str | None] = mapped_column(sa.String(500))
    # The owning team of the DAG when this row was written: "" for none, NULL when not recorded (rows
    # written before revision 0005). Authorization falls back on it once Airflow no longer knows the DAG.
    team: Mapped[str | None] = mapped_column(sa.String(250))

    results: Mapped[list[CheckResultRow]] = relationship(
        back_populates="check_run",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CheckResultRow.position",
    )


class CheckResultRow(Base):
    """One check's result inside a check run."""

    __tablename__ = "mlops_check_result"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    check_run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("mlops_check_run.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(500))
    check_type: Mapped[str] = mapped_column(sa.String(200))
    column_name: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(16))
    severity: Mapped[str] = mapped_column(sa.String(8))
    observed: Mapped[Any] = mapped_column(JSONType, nullable=True)
    expected: Mapped[Any] = mapped_column(JSONType, nullable=True)
    baseline: Mapped[Any] = mapped_column(JSONType, nullable=True)
    statistic: Mapped[float | None] = mapped_column(sa.Float)
    threshold: Mapped[Any] = mapped_column(JSONType, nullable=True)
    message: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[Any] = mapped_column(JSONType, nullable=True)

    check_run: Mapped[CheckRunRow] = relationship(back_populates="results")


class ProfileRow(Base):
    """A data profile or a metrics snapshot, in the series named by ``baseline_key``.

    ``run_status`` is the status of the check run that recorded it; ``gate_status`` is set when a gate
    decides on its DAG run. Only eligible rows (see ``airflow_mlops.core.baseline``) become baselines.
    """

    __tablename__ = "mlops_profile"
    __table_args__ = (
        sa.Index("ix_mlops_profile_key_kind_run_after", "baseline_key", "kind", "run_after"),
        sa.Index("ix_mlops_profile_dag_id_baseline_key", "dag_id", "baseline_key"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    check_run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("mlops_check_run.id", ondelete="CASCADE"), index=True, nullable=True
    )
    baseline_key: Mapped[str] = mapped_column(sa.String(500))
    kind: Mapped[str] = mapped_column(sa.String(16))  # "data" | "metrics"
    dag_id: Mapped[str | None] = mapped_column(sa.String(250))
    run_id: Mapped[str | None] = mapped_column(sa.String(250))
    try_number: Mapped[int] = mapped_column(sa.Integer, default=1)
    run_after: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    run_status: Mapped[str] = mapped_column(sa.String(16))
    gate_status: Mapped[str | None] = mapped_column(sa.String(16))
    row_count: Mapped[int | None] = mapped_column(sa.BigInteger)
    source: Mapped[str | None] = mapped_column(sa.Text)
    profile: Mapped[dict[str, Any]] = mapped_column(JSONType)


class BaselineKeyRow(Base):
    """Who may write a baseline key: its owner DAG (the first DAG that wrote it, or set with
    ``airflow-mlops baseline owner``) and the DAGs the owner shares it with (``share_baseline_with=``)."""

    __tablename__ = "mlops_baseline_key"

    baseline_key: Mapped[str] = mapped_column(sa.String(500), primary_key=True)
    owner_dag_id: Mapped[str] = mapped_column(sa.String(250))
    shared_with: Mapped[list[str]] = mapped_column(JSONType, default=list)
    declared_by: Mapped[str | None] = mapped_column(sa.String(250))  # None: claimed by its first write
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    def may_write(self, dag_id: str) -> bool:
        return dag_id == self.owner_dag_id or dag_id in (self.shared_with or [])


class BaselinePinRow(Base):
    """A profile pinned as the baseline of a key under a label (``default``, ``champion``, ``notebook`` ...).

    Pins are never deleted: unpinning or re-pinning deactivates the old row, so the history stays audited.
    """

    __tablename__ = "mlops_baseline_pin"
    __table_args__ = (sa.Index("ix_mlops_baseline_pin_key_label_active", "baseline_key", "label", "active"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    baseline_key: Mapped[str] = mapped_column(sa.String(500))
    label: Mapped[str] = mapped_column(sa.String(64))
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("mlops_profile.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    pinned_by: Mapped[str] = mapped_column(sa.String(250))
    pinned_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(sa.Text)
    unpinned_by: Mapped[str | None] = mapped_column(sa.String(250))
    unpinned_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    unpin_reason: Mapped[str | None] = mapped_column(sa.Text)

    profile: Mapped[ProfileRow] = relationship()

    def summary(self) -> dict[str, Any]:
        """What the CLI and the UI show of a pin (load ``profile`` first). ``run_id`` is the pinned run, or
        where a profile no run produced came from (``contract:...``, ``notebook``)."""
        profile = self.profile
        pinned_at = (
            self.pinned_at
            if self.pinned_at is None or self.pinned_at.tzinfo
            else self.pinned_at.replace(tzinfo=UTC)
        )
        return {
            "key": self.baseline_key,
            "label": self.label,
            "active": self.active,
            "profile_id": self.profile_id,
            "run_id": (profile.run_id or profile.source) if profile is not None else None,
            "pinned_by": self.pinned_by,
            "pinned_at": pinned_at.isoformat(timespec="seconds") if pinned_at is not None else None,
            "reason": self.reason,
            "unpinned_by": self.unpinned_by,
        }


class GateOverrideRow(Base):
    """An audited override: a re-run of the gate for that DAG run passes as OVERRIDDEN."""

    __tablename__ = "mlops_gate_override"
    __table_args__ = (sa.Index("ix_mlops_gate_override_target", "dag_id", "run_id", "task_id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(sa.String(250))
    run_id: Mapped[str] = mapped_column(sa.String(250))
    task_id: Mapped[str] = mapped_column(sa.String(250))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_by: Mapped[str] = mapped_column(sa.String(250))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)


class IncidentRow(Base):
    """One incident per fingerprint while open: (dag_id, gate task_id, set of failing checks)."""

    __tablename__ = "mlops_incident"
    __table_args__ = (
        sa.Index("ix_mlops_incident_fingerprint_status", "fingerprint", "status"),
        sa.Index("ix_mlops_incident_owner_status", "owner", "status"),
        sa.Index("ix_mlops_incident_gate", "dag_id", "gate_task_id", "status"),
        sa.Index("ix_mlops_incident_status_last_seen", "status", "last_seen"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    dag_id: Mapped[str] = mapped_column(sa.String(250))
    gate_task_id: Mapped[str] = mapped_column(sa.String(250))
    owner: Mapped[str | None] = mapped_column(sa.String(250))
    status: Mapped[str] = mapped_column(sa.String(16))  # open | acknowledged | snoozed | resolved
    severity: Mapped[str] = mapped_column(sa.String(8))  # fail | warn
    failing_checks: Mapped[Any] = mapped_column(JSONType)
    summary: Mapped[Any] = mapped_column(JSONType, nullable=True)
    runbook_url: Mapped[str | None] = mapped_column(sa.Text)
    first_seen: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    count: Mapped[int] = mapped_column(sa.Integer, default=1)
    first_run_id: Mapped[str] = mapped_column(sa.String(250))
    last_run_id: Mapped[str] = mapped_column(sa.String(250))
    last_check_run_id: Mapped[int | None] = mapped_column(sa.Integer)
    last_notified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    digest_pending: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    acked_by: Mapped[str | None] = mapped_column(sa.String(250))
    acked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    snoozed_by: Mapped[str | None] = mapped_column(sa.String(250))
    snoozed_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(sa.String(250))
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(sa.Text)


class NotificationRow(Base):
    """The notification log: every message we meant to send, per channel, and what happened to it.

    Rows are written as ``pending`` in the same transaction as the incident change (an outbox), then
    delivered; a crashed try's pending rows are delivered by its retry, so nothing is sent twice or lost.
    """

    __tablename__ = "mlops_notification"
    __table_args__ = (
        sa.UniqueConstraint("incident_id", "kind", "run_id", "channel"),
        sa.Index("ix_mlops_notification_status", "status"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("mlops_incident.id", ondelete="CASCADE"), index=True
    )
    owner: Mapped[str | None] = mapped_column(sa.String(250))
    kind: Mapped[str] = mapped_column(sa.String(16))  # new | reminder | escalation | resolved | digest
    run_id: Mapped[str] = mapped_column(sa.String(250))
    channel: Mapped[str] = mapped_column(sa.String(300))  # "email:ml@example.com", "webhook:conn_id"
    status: Mapped[str] = mapped_column(sa.String(16))  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    subject: Mapped[str] = mapped_column(sa.Text)
    payload: Mapped[Any] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class AuditEventRow(Base):
    """One human action, append-only: who did what, when, to which incident, gate or baseline, and why.

    ``action`` is one of :data:`airflow_mlops.store.audit.AUDIT_ACTIONS`. Rows are only ever
    inserted; the incident, pin and override rows keep the latest state for fast reads.
    """

    __tablename__ = "mlops_audit_event"
    __table_args__ = (
        sa.Index("ix_mlops_audit_event_dag_id_id", "dag_id", "id"),
        sa.Index("ix_mlops_audit_event_incident_id", "incident_id"),
        sa.Index("ix_mlops_audit_event_baseline_key", "baseline_key"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(sa.String(250))
    action: Mapped[str] = mapped_column(sa.String(16))
    dag_id: Mapped[str | None] = mapped_column(sa.String(250))
    task_id: Mapped[str | None] = mapped_column(sa.String(250))
    run_id: Mapped[str | None] = mapped_column(sa.String(250))
    incident_id: Mapped[int | None] = mapped_column(sa.Integer)
    baseline_key: Mapped[str | None] = mapped_column(sa.String(500))
    label: Mapped[str | None] = mapped_column(sa.String(64))
    note: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[Any] = mapped_column(JSONType, nullable=True)

    def summary(self) -> dict[str, Any]:
        """What the API, the pages and the CLI show of an event."""
        at = self.at if self.at.tzinfo else self.at.replace(tzinfo=UTC)
        return {
            "id": self.id,
            "at": at.isoformat(timespec="seconds"),
            "actor": self.actor,
            "action": self.action,
            "dag_id": self.dag_id,
            "task_id": self.task_id,
            "run_id": self.run_id,
            "incident_id": self.incident_id,
            "baseline_key": self.baseline_key,
            "label": self.label,
            "note": self.note,
            "details": self.details or {},
        }
