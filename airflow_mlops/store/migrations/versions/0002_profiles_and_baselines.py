"""Profiles (data and metrics) per baseline key, and audited baseline pins.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("mlops_check_run") as batch:
        batch.add_column(sa.Column("baseline_key", sa.String(500), nullable=True))
    op.create_table(
        "mlops_profile",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("check_run_id", sa.Integer, nullable=True),
        sa.Column("baseline_key", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("dag_id", sa.String(250), nullable=True),
        sa.Column("run_id", sa.String(250), nullable=True),
        sa.Column("try_number", sa.Integer, nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_status", sa.String(16), nullable=False),
        sa.Column("gate_status", sa.String(16), nullable=True),
        sa.Column("row_count", sa.BigInteger, nullable=True),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("profile", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mlops_profile"),
        sa.ForeignKeyConstraint(
            ["check_run_id"],
            ["mlops_check_run.id"],
            name="fk_mlops_profile_check_run_id_mlops_check_run",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_mlops_profile_check_run_id", "mlops_profile", ["check_run_id"])
    op.create_index(
        "ix_mlops_profile_key_kind_run_after", "mlops_profile", ["baseline_key", "kind", "run_after"]
    )
    op.create_table(
        "mlops_baseline_pin",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("baseline_key", sa.String(500), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("profile_id", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("pinned_by", sa.String(250), nullable=False),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("unpinned_by", sa.String(250), nullable=True),
        sa.Column("unpinned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unpin_reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mlops_baseline_pin"),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["mlops_profile.id"],
            name="fk_mlops_baseline_pin_profile_id_mlops_profile",
            ondelete="RESTRICT",
        ),
    )
    op.create_index(
        "ix_mlops_baseline_pin_key_label_active", "mlops_baseline_pin", ["baseline_key", "label", "active"]
    )


def downgrade() -> None:
    op.drop_table("mlops_baseline_pin")
    op.drop_table("mlops_profile")
    with op.batch_alter_table("mlops_check_run") as batch:
        batch.drop_column("baseline_key")
