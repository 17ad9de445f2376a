"""Indexes for the UI: latest decision per gate, a task's history, open incidents, baselines per DAG.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_mlops_check_run_kind_dag_id_task_id", "mlops_check_run", ["kind", "dag_id", "task_id", "id"]),
    (
        "ix_mlops_check_run_dag_id_task_id_map_index",
        "mlops_check_run",
        ["dag_id", "task_id", "map_index", "id"],
    ),
    ("ix_mlops_incident_status_last_seen", "mlops_incident", ["status", "last_seen"]),
    ("ix_mlops_profile_dag_id_baseline_key", "mlops_profile", ["dag_id", "baseline_key"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
