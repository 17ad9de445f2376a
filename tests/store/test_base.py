"""The results store on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from airflow_mlops.core.results import CheckResult, Severity, Status
from airflow_mlops.exceptions import StoreError, StoreUnavailableError
from airflow_mlops.store import CheckRunRecord, ResultsStore
from airflow_mlops.store.engine import head_revision


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    return request.getfixturevalue("pg_url")


def record(try_number: int = 1, status: str = "FAILED", **kwargs) -> CheckRunRecord:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    return CheckRunRecord(
        dag_id="dag",
        task_id="validate",
        run_id="run-1",
        try_number=try_number,
        kind="validation",
        status=status,
        started_at=now,
        finished_at=now,
        **kwargs,
    )


RESULTS = [
    CheckResult(name="a", check_type="expect_x", status=Status.PASSED, observed=1.5),
    CheckResult(
        name="b",
        check_type="expect_y",
        status=Status.FAILED,
        severity=Severity.FAIL,
        column="col",
        observed={"unexpected_count": 3},
        expected={"max_value": 10},
        details={"sample_unexpected": [11, 12, None]},
        statistic=float("nan"),
    ),
]


def test_migrations_apply_on_an_empty_database(url: str) -> None:
    store = ResultsStore(url)
    assert store.current_revision() is None
    store.upgrade()
    assert store.current_revision() == head_revision()
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"mlops_check_run", "mlops_check_result", "mlops_alembic_version"} <= tables
    store.upgrade()  # idempotent
    assert store.current_revision() == head_revision()


def test_first_use_upgrades_automatically(url: str) -> None:
    store = ResultsStore(url)
    run_id = store.record_check_run(record(), RESULTS)
    assert store.current_revision() == head_revision()
    row = store.latest_check_run(dag_id="dag", task_id="validate", run_id="run-1")
    assert row is not None and row.id == run_id
    assert [r.name for r in row.results] == ["a", "b"]
    assert row.results[1].details == {"sample_unexpected": [11, 12, None]}
    assert row.results[1].statistic is None  # NaN is not stored as a number


def test_same_try_written_twice_is_not_duplicated_and_retry_is_its_own_try(url: str) -> None:
    store = ResultsStore(url)
    first = store.record_check_run(record(1, "ERRORED"), RESULTS[:1])
    again = store.record_check_run(record(1, "FAILED"), RESULTS)
    assert first == again
    retry = store.record_check_run(record(2, "PASSED"), RESULTS[:1])
    rows = store.check_runs(dag_id="dag", with_results=True)
    assert sorted((r.try_number, r.status, len(r.results)) for r in rows) == [
        (1, "FAILED", 2),
        (2, "PASSED", 1),
    ]
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM mlops_check_result")).scalar_one() == 3
    latest = store.latest_check_run(dag_id="dag", task_id="validate", run_id="run-1")
    assert latest is not None and latest.id == retry and latest.status == "PASSED"


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
