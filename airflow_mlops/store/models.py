"""SQLAlchemy 2 models of the results store. Alembic migrations (``migrations/``) own the schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["BaselinePinRow", "Base", "CheckResultRow", "CheckRunRow", "ProfileRow"]

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
    __table_args__ = (sa.Index("ix_mlops_profile_key_kind_run_after", "baseline_key", "kind", "run_after"),)

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
