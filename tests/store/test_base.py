"""The store's core (store.base): migrations on first use, WAL, and clear errors when the database is
unreachable, missing or given as a SQLite URI. On a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from airflow_mlops.exceptions import StoreError, StoreUnavailableError
from airflow_mlops.store import ResultsStore
from airflow_mlops.store.engine import head_revision


def test_migrations_apply_on_an_empty_database(url: str) -> None:
    store = ResultsStore(url)
    assert store.current_revision() is None
    store.upgrade()
    assert store.current_revision() == head_revision()
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"mlops_check_run", "mlops_check_result", "mlops_alembic_version"} <= tables
    store.upgrade()  # idempotent
    assert store.current_revision() == head_revision()


def test_sqlite_store_uses_wal(sqlite_url: str) -> None:
    store = ResultsStore(sqlite_url)
    store.ensure_ready()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"


def test_unreachable_store_says_where_and_what_to_do() -> None:
    store = ResultsStore("postgresql+psycopg://postgres:secret@127.0.0.1:1/nothing")
    with pytest.raises(StoreUnavailableError) as excinfo:
        store.ensure_ready()
    message = str(excinfo.value)
    assert "127.0.0.1:1/nothing is unreachable" in message and "results_db_url" in message
    assert "secret" not in message


def test_missing_sqlite_directory_and_bad_url_are_clear(tmp_path) -> None:
    with pytest.raises(StoreUnavailableError, match="does not exist"):
        ResultsStore(f"sqlite:///{tmp_path}/absent/dir/store.db")
    with pytest.raises(StoreUnavailableError, match="is not a SQLAlchemy URL"):
        ResultsStore("not a url")


@pytest.mark.parametrize(
    "database", ["file:{dir}/store.db?mode=ro&uri=true", "file:{dir}/store.db", "{dir}/store.db?uri=true"]
)
def test_sqlite_uri_mode_is_refused_with_a_message_about_uri_mode(tmp_path, database: str) -> None:
    ResultsStore(f"sqlite:///{tmp_path}/store.db").ensure_ready()  # the file exists: the URL is refused
    with pytest.raises(StoreUnavailableError) as raised:
        ResultsStore("sqlite:///" + database.format(dir=tmp_path))
    message = str(raised.value)
    assert "SQLite URI mode (a 'file:' database or uri=true) is not supported" in message
    assert "sqlite:////path/airflow_mlops.db" in message and "results_db_url" in message


def test_auto_upgrade_off_requires_the_cli(sqlite_url: str) -> None:
    store = ResultsStore(sqlite_url, auto_upgrade=False)
    with pytest.raises(StoreError, match="run `airflow-mlops db upgrade`"):
        store.ensure_ready()
