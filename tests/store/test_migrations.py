"""Upgrading a filled results store from every earlier Alembic revision to head loses no row, on a real
SQLite file and a real PostgreSQL database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from airflow_mlops.store import ResultsStore
from airflow_mlops.store.engine import head_revision

REVISIONS = ["0001", "0002", "0003", "0004", "0005"]
ROWS_PER_TABLE = 3


def _value(column: sa.Column, i: int, parents: dict[str, list[int]]) -> Any:
    """A value for a required column of the i-th row: a parent's id for a foreign key, else by type."""
    for fk in column.foreign_keys:
        return parents[fk.column.table.name][i % len(parents[fk.column.table.name])]
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return i % 2 == 0
    if isinstance(kind, sa.Integer):
        return i + 1
    if isinstance(kind, sa.Float | sa.Numeric):
        return 0.5 + i
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 1, 1 + i, tzinfo=UTC)
    if isinstance(kind, sa.JSON) or type(kind).__name__ in ("JSONB", "JSON"):
        return {"row": i}
    text = f"{column.name}-{i}"
    length = getattr(kind, "length", None)
    return text[-length:] if length else text  # keep the distinguishing suffix within VARCHAR(n)


def fill(engine: sa.Engine) -> dict[str, int]:
    """Insert rows in every table of the schema as it is (parents first), by reflection."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    parents: dict[str, list[int]] = {}
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name == "mlops_alembic_version":
                continue
            ids = []
            for i in range(ROWS_PER_TABLE):
                row = {
                    c.name: _value(c, i, parents)
                    for c in table.columns
                    if not c.primary_key and (not c.nullable or c.foreign_keys) and c.server_default is None
                }
                inserted = conn.execute(sa.insert(table).values(row).returning(*table.primary_key.columns))
                ids.append(inserted.scalar_one())
            parents[table.name] = ids
    return counts(engine)


def counts(engine: sa.Engine) -> dict[str, int]:
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in metadata.sorted_tables
            if t.name != "mlops_alembic_version"
        }


def test_the_revisions_are_the_ones_tested() -> None:
    assert head_revision() == REVISIONS[-1]


@pytest.mark.parametrize("start", REVISIONS[:-1])
def test_upgrading_a_filled_store_from_an_earlier_revision_loses_nothing(url: str, start: str) -> None:
    store = ResultsStore(url, auto_upgrade=False)
    store.upgrade(start)
    assert store.current_revision() == start
    before = fill(store.engine)
    assert before and all(n == ROWS_PER_TABLE for n in before.values())
    store.upgrade()
    assert store.current_revision() == head_revision()
    after = counts(store.engine)
    assert {table: after[table] for table in before} == before  # 0 rows lost
    assert set(after) >= set(before)
    assert len(store.check_runs(limit=10)) == ROWS_PER_TABLE  # the head code reads the old rows


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite gives naive UTC times


def insert(engine: sa.Engine, table_name: str, **values: Any) -> int:
    """Insert one row into a table as the schema is, with ``values`` and by-type values elsewhere."""
    table = sa.Table(table_name, sa.MetaData(), autoload_with=engine)
    row = {
        c.name: _value(c, 0, {})
        for c in table.columns
        if not c.primary_key and not c.nullable and c.name not in values
    }
    with engine.begin() as conn:
        return int(conn.execute(sa.insert(table).values(row | values).returning(table.c.id)).scalar_one())


def test_upgrading_keeps_every_past_action_as_an_audit_event_and_gives_each_key_its_first_writer(
    url: str,
) -> None:
    store = ResultsStore(url, auto_upgrade=False)
    store.upgrade("0004")
    at = [datetime(2026, 3, day, 12, tzinfo=UTC) for day in range(1, 10)]
    engine = store.engine
    first = insert(engine, "mlops_profile", baseline_key="k1", dag_id="first", run_id="r1")
    insert(engine, "mlops_profile", baseline_key="k1", dag_id="second", run_id="r2")
    insert(engine, "mlops_profile", baseline_key="k2", dag_id=None, source="notebook")
    insert(engine, "mlops_baseline_pin", baseline_key="k1", label="golden", profile_id=first, active=False,
           pinned_by="alice", pinned_at=at[0], reason="reviewed", unpinned_by="bob", unpinned_at=at[1],
           unpin_reason="stale")  # fmt: skip
    # a re-pin retires the old pin: part of the new pin, not an unpin
    insert(engine, "mlops_baseline_pin", baseline_key="k1", label="x", profile_id=first, active=False,
           pinned_by="carl", pinned_at=at[2], reason="v1", unpinned_by="carl", unpinned_at=at[3],
           unpin_reason="replaced: v2")  # fmt: skip
    insert(engine, "mlops_gate_override", dag_id="d", run_id="r", task_id="gate", reason="known outage",
           created_by="erin", created_at=at[4], active=True)  # fmt: skip
    incident = insert(engine, "mlops_incident", dag_id="d", gate_task_id="gate", last_run_id="r",
                      acked_by="fay", acked_at=at[5], status="resolved", resolved_by="gus", resolved_at=at[6],
                      note="latest note")  # fmt: skip
    insert(engine, "mlops_incident", dag_id="d", gate_task_id="gate", status="resolved",
           resolved_by="gate passed", resolved_at=at[7])  # fmt: skip

    store.upgrade()
    events = [
        (e.action, e.actor, aware(e.at), e.dag_id, e.incident_id, e.baseline_key, e.label, e.note)
        for e in reversed(store.audit_events(limit=50))
    ]
    assert events == [
        ("pin", "alice", at[0], "first", None, "k1", "golden", "reviewed"),
        ("unpin", "bob", at[1], "first", None, "k1", "golden", "stale"),
        ("pin", "carl", at[2], "first", None, "k1", "x", "v1"),
        ("override", "erin", at[4], "d", None, None, None, "known outage"),
        ("ack", "fay", at[5], "d", incident, None, None, None),
        ("resolve", "gus", at[6], "d", incident, None, None, None),
    ]
    assert store.baseline_key_owner("k1").owner_dag_id == "first"  # the first writer
    assert store.baseline_key_owner("k2") is None  # only a notebook wrote it: the first DAG will own it
