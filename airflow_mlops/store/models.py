"""SQLAlchemy 2 models of the results store. Alembic migrations (``migrations/``) own the schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["Base", "CheckResultRow", "CheckRunRow"]

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
