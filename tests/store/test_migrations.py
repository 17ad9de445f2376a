"""Upgrading a filled results store from every earlier Alembic revision to head loses no row, on a real
SQLite file and a real PostgreSQL database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from airflow_mlops.store import ResultsStore
from airflow_mlops.store.engine import head_revision

REVISIONS = ["0001", "0002", "0003", "0004"]
ROWS_PER_TABLE = 3


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, sqlite_url: str) -> str:  # type: ignore[no-untyped-def]
    return sqlite_url if request.param == "sqlite" else request.getfixturevalue("pg_url")


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
