"""Check runs (store.check_runs) on a real SQLite file and a real PostgreSQL database: writes are
idempotent per try, and readers see the latest try."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from airflow_mlops.core.results import CheckResult, Severity, Status
from airflow_mlops.store import CheckRunRecord, ResultsStore
from airflow_mlops.store.engine import head_revision


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
