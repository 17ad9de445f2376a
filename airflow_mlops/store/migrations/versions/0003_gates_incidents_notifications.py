"""Gate overrides, incidents and the notification log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mlops_gate_override",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dag_id", sa.String(250), nullable=False),
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("task_id", sa.String(250), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(250), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mlops_gate_override"),
    )
    op.create_index("ix_mlops_gate_override_target", "mlops_gate_override", ["dag_id", "run_id", "task_id"])
    op.create_table(
        "mlops_incident",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("dag_id", sa.String(250), nullable=False),
        sa.Column("gate_task_id", sa.String(250), nullable=False),
        sa.Column("owner", sa.String(250), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("failing_checks", JSONType, nullable=False),
        sa.Column("summary", JSONType, nullable=True),
        sa.Column("runbook_url", sa.Text, nullable=True),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("first_run_id", sa.String(250), nullable=False),
        sa.Column("last_run_id", sa.String(250), nullable=False),
        sa.Column("last_check_run_id", sa.Integer, nullable=True),
        sa.Column("last_notified_at", TS, nullable=True),
        sa.Column("digest_pending", sa.Boolean, nullable=False),
        sa.Column("acked_by", sa.String(250), nullable=True),
        sa.Column("acked_at", TS, nullable=True),
        sa.Column("snoozed_by", sa.String(250), nullable=True),
        sa.Column("snoozed_until", TS, nullable=True),
        sa.Column("resolved_by", sa.String(250), nullable=True),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mlops_incident"),
    )
    op.create_index("ix_mlops_incident_fingerprint_status", "mlops_incident", ["fingerprint", "status"])
    op.create_index("ix_mlops_incident_owner_status", "mlops_incident", ["owner", "status"])
    op.create_index("ix_mlops_incident_gate", "mlops_incident", ["dag_id", "gate_task_id", "status"])
    op.create_table(
        "mlops_notification",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer, nullable=True),
        sa.Column("owner", sa.String(250), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("run_id", sa.String(250), nullable=False),
        sa.Column("channel", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("payload", JSONType, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mlops_notification"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["mlops_incident.id"],
            name="fk_mlops_notification_incident_id_mlops_incident",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "incident_id",
            "kind",
            "run_id",
            "channel",
            name="uq_mlops_notification_incident_id_kind_run_id_channel",
        ),
    )
    op.create_index("ix_mlops_notification_incident_id", "mlops_notification", ["incident_id"])
    op.create_index("ix_mlops_notification_status", "mlops_notification", ["status"])


def downgrade() -> None:
    op.drop_table("mlops_notification")
    op.drop_table("mlops_incident")
    op.drop_table("mlops_gate_override")
