"""Check runs and per-check results.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mlops_check_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dag_id", sa.String(250), nullable=False),
        sa.Column("task_id", sa.String(250), nullable=False),
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("map_index", sa.Integer, nullable=False),
        sa.Column("try_number", sa.Integer, nullable=False),
        sa.Column("logical_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(250), nullable=True),
        sa.Column("data_source", sa.Text, nullable=True),
        sa.Column("suite_name", sa.String(500), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Float, nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("summary", JSONType, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mlops_check_run"),
        sa.UniqueConstraint(
            "dag_id",
            "task_id",
            "run_id",
            "map_index",
            "try_number",
            name="uq_mlops_check_run_dag_id_task_id_run_id_map_index_try_number",
        ),
    )
    op.create_index("ix_mlops_check_run_dag_run", "mlops_check_run", ["dag_id", "run_id"])
    op.create_index("ix_mlops_check_run_finished", "mlops_check_run", ["finished_at"])
    op.create_index("ix_mlops_check_run_status", "mlops_check_run", ["status"])
    op.create_table(
        "mlops_check_result",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("check_run_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("check_type", sa.String(200), nullable=False),
        sa.Column("column_name", sa.String(500), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("observed", JSONType, nullable=True),
        sa.Column("expected", JSONType, nullable=True),
        sa.Column("baseline", JSONType, nullable=True),
        sa.Column("statistic", sa.Float, nullable=True),
        sa.Column("threshold", JSONType, nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("details", JSONType, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mlops_check_result"),
        sa.ForeignKeyConstraint(
            ["check_run_id"],
            ["mlops_check_run.id"],
            name="fk_mlops_check_result_check_run_id_mlops_check_run",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_mlops_check_result_check_run_id", "mlops_check_result", ["check_run_id"])


def downgrade() -> None:
    op.drop_table("mlops_check_result")
    op.drop_table("mlops_check_run")
