"""The audit trail, baseline key owners, and the team recorded with each check run.

- ``mlops_audit_event``: one append-only row per human action (ack, snooze, resolve, override, pin,
  unpin, a key's new owner). Filled from what the store already knew: every pin and unpin, every
  override, and the last ack and resolve of each incident (earlier ones were overwritten before).
- ``mlops_baseline_key``: the DAG that owns each key. A key gets the DAG of its first profile that a DAG
  wrote; a key only notebooks wrote gets the first DAG that writes it.
- ``mlops_check_run.team``: the owning team of the DAG when the row was written; NULL on older rows.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)
SYSTEM_RESOLVER = "gate passed"  # the gate resolves an incident when it passes again: not a person


def _audit_table() -> sa.Table:
    return op.create_table(
        "mlops_audit_event",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(250), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("dag_id", sa.String(250), nullable=True),
        sa.Column("task_id", sa.String(250), nullable=True),
        sa.Column("run_id", sa.String(250), nullable=True),
        sa.Column("incident_id", sa.Integer, nullable=True),
        sa.Column("baseline_key", sa.String(500), nullable=True),
        sa.Column("label", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("details", JSONType, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mlops_audit_event"),
    )


def _key_table() -> sa.Table:
    return op.create_table(
        "mlops_baseline_key",
        sa.Column("baseline_key", sa.String(500), nullable=False),
        sa.Column("owner_dag_id", sa.String(250), nullable=False),
        sa.Column("shared_with", JSONType, nullable=False),
        sa.Column("declared_by", sa.String(250), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("baseline_key", name="pk_mlops_baseline_key"),
    )


def _event(at: Any, actor: str, action: str, **columns: Any) -> dict[str, Any]:
    empty = dict.fromkeys(("dag_id", "task_id", "run_id", "incident_id", "baseline_key", "label", "note"))
    return {**empty, "at": at, "actor": actor, "action": action, "details": {"backfilled": True}, **columns}


def _past_events(conn: sa.Connection, owners: dict[str, str]) -> list[dict[str, Any]]:
    """What the store recorded about human actions before the audit trail existed, oldest first. A pin's
    event belongs to its key's owner DAG (``owners``), as the pins of new versions do."""
    meta = sa.MetaData()
    pin, profile, override, incident = (
        sa.Table(name, meta, autoload_with=conn)
        for name in ("mlops_baseline_pin", "mlops_profile", "mlops_gate_override", "mlops_incident")
    )
    events = []
    pins = sa.select(pin, profile.c.dag_id, profile.c.run_id, profile.c.source).join(
        profile, profile.c.id == pin.c.profile_id
    )
    for p in conn.execute(pins).mappings():
        where = {
            "dag_id": owners.get(p["baseline_key"], p["dag_id"]),
            "baseline_key": p["baseline_key"],
            "label": p["label"],
        }
        events.append(_event(p["pinned_at"], p["pinned_by"], "pin", note=p["reason"],
                             run_id=p["run_id"] or p["source"], **where))  # fmt: skip
        retired = p["unpinned_by"] is not None and p["unpinned_at"] is not None
        if retired and not (p["unpin_reason"] or "").startswith("replaced:"):  # a re-pin: part of the pin
            events.append(
                _event(p["unpinned_at"], p["unpinned_by"], "unpin", note=p["unpin_reason"], **where)
            )
    for o in conn.execute(sa.select(override)).mappings():
        events.append(_event(o["created_at"], o["created_by"], "override", note=o["reason"],
                             dag_id=o["dag_id"], run_id=o["run_id"], task_id=o["task_id"]))  # fmt: skip
    for i in conn.execute(sa.select(incident)).mappings():
        where = {"dag_id": i["dag_id"], "task_id": i["gate_task_id"], "incident_id": i["id"]}
        if i["acked_by"] and i["acked_at"]:
            events.append(_event(i["acked_at"], i["acked_by"], "ack", **where))
        if i["resolved_by"] and i["resolved_at"] and i["resolved_by"] != SYSTEM_RESOLVER:
            events.append(_event(i["resolved_at"], i["resolved_by"], "resolve", **where))
    return sorted(events, key=lambda e: e["at"])


def _first_writers(conn: sa.Connection) -> list[dict[str, Any]]:
    profile = sa.Table("mlops_profile", sa.MetaData(), autoload_with=conn)
    first = (
        sa.select(sa.func.min(profile.c.id))
        .where(profile.c.dag_id.is_not(None))
        .group_by(profile.c.baseline_key)
        .scalar_subquery()
    )
    rows = conn.execute(
        sa.select(profile.c.baseline_key, profile.c.dag_id, profile.c.recorded_at).where(
            profile.c.id.in_(first)
        )
    )
    return [
        {"baseline_key": key, "owner_dag_id": dag_id, "shared_with": [], "declared_by": None,
         "created_at": at, "updated_at": at}
        for key, dag_id, at in rows
    ]  # fmt: skip


def upgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("mlops_check_run") as batch:
        batch.add_column(sa.Column("team", sa.String(250), nullable=True))
    audit = _audit_table()
    op.create_index("ix_mlops_audit_event_dag_id_id", "mlops_audit_event", ["dag_id", "id"])
    op.create_index("ix_mlops_audit_event_incident_id", "mlops_audit_event", ["incident_id"])
    op.create_index("ix_mlops_audit_event_baseline_key", "mlops_audit_event", ["baseline_key"])
    keys = _key_table()
    owners = _first_writers(conn)
    op.bulk_insert(keys, owners)
    op.bulk_insert(audit, _past_events(conn, {k["baseline_key"]: k["owner_dag_id"] for k in owners}))


def downgrade() -> None:
    op.drop_table("mlops_baseline_key")
    op.drop_table("mlops_audit_event")
    with op.batch_alter_table("mlops_check_run") as batch:
        batch.drop_column("team")
