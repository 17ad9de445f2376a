"""DataValidationOperator in real DAG runs (dag.test) against real files, SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import load_wine, run_dag, task_states, xcom

pytestmark = [pytest.mark.dagrun, pytest.mark.usefixtures("airflow_db")]


@pytest.fixture(scope="module")
def dags():  # type: ignore[no-untyped-def]
    from tests.dags import validation_dags

    return validation_dags


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    from airflow_mlops.config import get_store

    return get_store()


def latest(store, dag_run, task_id: str = "validate"):  # type: ignore[no-untyped-def]
    row = store.latest_check_run(dag_id=dag_run.dag_id, task_id=task_id, run_id=dag_run.run_id)
    assert row is not None, f"no check run recorded for {dag_run.dag_id}.{task_id} {dag_run.run_id}"
    return row


def data_path(name: str) -> Path:
    return Path(os.environ["MLOPS_TEST_DATA"]) / name


# -- DataFrame from a callable ---------------------------------------------------------------------
def test_clean_frame_passes_and_records_every_expectation(dags, store) -> None:
    dag_run = run_dag(dags.validate_frame)
    assert task_states(dag_run) == {"validate": "success"}
    row = latest(store, dag_run)
    assert row.status == "PASSED" and row.kind == "validation" and row.owner == "data-team"
    assert [r.status for r in row.results] == ["PASSED"] * 4
    assert row.results[1].name == "expect_column_values_to_be_between(alcohol)"
    assert row.results[1].expected == {"min_value": 10, "max_value": 16}
    summary = xcom(dag_run, "validate")
    assert summary["status"] == "PASSED" and summary["check_run_id"] == row.id
    assert summary["counts"] == {"PASSED": 4} and summary["failing"] == []


def test_null_spike_fails_task_and_records_unexpected_samples(dags, store) -> None:
    dag_run = run_dag(dags.validate_frame, fault="nulls")
    assert task_states(dag_run) == {"validate": "failed"}
    row = latest(store, dag_run)
    assert row.status == "FAILED"
    not_null = row.results[0]
    assert not_null.status == "FAILED" and not_null.severity == "fail"
    assert not_null.details["unexpected_count"] == 20
    assert not_null.details["sample_unexpected"][:3] == [None, None, None]
    summary = xcom(dag_run, "validate", key="mlops_summary")
    assert summary["status"] == "FAILED"
    assert summary["failing"][0]["name"] == "expect_column_values_to_not_be_null(alcohol)"


def test_warning_severity_warns_without_failing(dags, store) -> None:
    dag_run = run_dag(dags.validate_frame, fault="warn_only")
    assert task_states(dag_run) == {"validate": "success"}
    row = latest(store, dag_run)
    assert row.status == "WARNED"
    assert [r.status for r in row.results] == ["PASSED", "PASSED", "PASSED", "WARNED"]
    assert row.results[3].details["sample_unexpected"] == [99.0, 99.0, 99.0]


@pytest.mark.parametrize(
    ("fault", "needle"),
    [("empty", "has 0 rows"), ("not_a_frame", "returned list, expected a pandas DataFrame")],
)
def test_bad_frames_are_errored(dags, store, fault: str, needle: str) -> None:
    dag_run = run_dag(dags.validate_frame, fault=fault)
    assert task_states(dag_run) == {"validate": "failed"}
    row = latest(store, dag_run)
    assert row.status == "ERRORED"
    assert needle in row.message and "wine_frame" in row.message


def test_a_suite_or_a_task_over_its_cap_is_errored_not_truncated(dags, store, monkeypatch) -> None:
    """The [mlops] caps fail closed: no expectation's result is recorded, so none can pass a gate."""
    monkeypatch.setenv("AIRFLOW__MLOPS__MAX_EXPECTATIONS_PER_SUITE", "3")
    too_long = run_dag(dags.validate_frame)
    monkeypatch.delenv("AIRFLOW__MLOPS__MAX_EXPECTATIONS_PER_SUITE")
    monkeypatch.setenv("AIRFLOW__MLOPS__MAX_RESULTS_PER_TASK", "3")
    too_many = run_dag(dags.validate_frame)
    for dag_run, message in (
        (too_long, "suite list has 4 expectations, over the cap of 3 ([mlops] max_expectations_per_suite); "
                   "split it into several suites (one task each), or raise max_expectations_per_suite in "
                   "[mlops] (env AIRFLOW__MLOPS__MAX_EXPECTATIONS_PER_SUITE)."),
        (too_many, "task validate has 4 results, over the cap of 3 ([mlops] max_results_per_task)"),
    ):  # fmt: skip
        assert task_states(dag_run) == {"validate": "failed"}
        row = latest(store, dag_run)
        assert row.status == "ERRORED" and [r.name for r in row.results] == ["input"], row.message
        assert message in row.message


# -- files ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_files_pass_and_corrupted_day_fails(dags, store, fmt: str) -> None:
    clean, corrupted = data_path(f"clean.{fmt}"), data_path(f"corrupted.{fmt}")
    frame = load_wine()
    bad = frame.copy()
    bad.loc[bad.index[:5], "alcohol"] = 42.0
    if fmt == "csv":
        frame.to_csv(clean, index=False)
        bad.to_csv(corrupted, index=False)
    else:
        frame.to_parquet(clean)
        bad.to_parquet(corrupted)

    good_run = run_dag(dags.validate_file, path=str(clean))
    assert task_states(good_run) == {"validate": "success"}
    good = latest(store, good_run)
    assert good.status == "PASSED", good.message
    assert good.data_source == f"file '{clean}'"
    assert {r.status for r in good.results} == {"PASSED"}
    # the info-severity expectation is recorded (it passes here), the warning one too
    assert [r.severity for r in good.results][-2:] == ["warn", "info"]

    bad_run = run_dag(dags.validate_file, path=str(corrupted))
    assert task_states(bad_run) == {"validate": "failed"}
    row = latest(store, bad_run)
    assert row.status == "FAILED"
    between = next(r for r in row.results if r.name == "expect_column_values_to_be_between(alcohol)")
    assert between.status == "FAILED" and between.details["unexpected_count"] == 5
    assert between.details["sample_unexpected"] == [42.0] * 5


def test_yaml_suite(dags, store) -> None:
    path = data_path("clean-yaml.csv")
    load_wine().to_csv(path, index=False)
    dag_run = run_dag(dags.validate_file, path=str(path), suite="suites/wine.yaml")
    row = latest(store, dag_run)
    assert row.status == "PASSED" and row.suite_name == "wine-yaml" and len(row.results) == 2


# -- SQL push-down ----------------------------------------------------------------------------------
def _load_table(url: str, table: str) -> None:
    engine = sa.create_engine(url)
    load_wine().to_sql(table, engine, index=False, if_exists="replace")
    engine.dispose()


def test_sqlite_table(dags, store, tmp_path, monkeypatch) -> None:
    db = tmp_path / "warehouse.db"
    _load_table(f"sqlite:///{db}", "wine")
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_SQLITE", f"sqlite:///{db}")
    dag_run = run_dag(dags.validate_sql, conn_id="warehouse_sqlite", table="wine")
    assert task_states(dag_run) == {"validate": "success"}
    row = latest(store, dag_run)
    assert row.status == "PASSED", row.message
    assert row.data_source == "table 'wine' on connection 'warehouse_sqlite'"
    assert len(row.results) == 6


@pytest.mark.postgres
def test_postgres_table_pushdown_fails_on_bad_rows(dags, store, pg_url, monkeypatch) -> None:
    _load_table(pg_url, "wine")
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE wine SET alcohol = NULL WHERE magnesium > 130"))
        nulls = conn.execute(sa.text("SELECT count(*) FROM wine WHERE alcohol IS NULL")).scalar_one()
    engine.dispose()
    assert nulls > 0
    plain = sa.make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_PG", plain)
    dag_run = run_dag(dags.validate_sql, conn_id="warehouse_pg", table="public.wine")
    assert task_states(dag_run) == {"validate": "failed"}
    row = latest(store, dag_run)
    assert row.status == "FAILED"
    not_null = next(r for r in row.results if r.name == "expect_column_values_to_not_be_null(alcohol)")
    assert not_null.status == "FAILED" and not_null.details["unexpected_count"] == nulls


# -- bad input --------------------------------------------------------------------------------------
def _write_corrupt_parquet() -> Path:
    path = data_path("corrupt.parquet")
    load_wine().to_parquet(path)
    path.write_bytes(path.read_bytes()[:300])  # truncated: no footer
    return path


@pytest.mark.parametrize(
    ("conf", "needles"),
    [
        ({"path": "/nonexistent/day.csv"}, ["data file '/nonexistent/day.csv' does not exist"]),
        ({"path": "CORRUPT_PARQUET"}, ["cannot be read as PARQUET", "corrupt.parquet"]),
        (
            {"path": "CLEAN_CSV", "suite": "suites/broken.json"},
            ["is not valid JSON", "broken.json", "line 3"],
        ),
        (
            {"path": "CLEAN_CSV", "suite": "suites/broken.yaml"},
            ["is not valid YAML", "broken.yaml", "at line 4"],
        ),
        (
            {"path": "CLEAN_CSV", "suite": "suites/absent.json"},
            ["suite file", "absent.json", "does not exist"],
        ),
        ({"path": "/tmp/data.xlsx"}, ["has no known format", "data.xlsx"]),
    ],
)
def test_bad_files_and_suites_are_errored(dags, store, conf, needles) -> None:
    clean = data_path("clean-bad-input.csv")
    load_wine().to_csv(clean, index=False)
    conf = dict(conf)
    conf["path"] = {"CORRUPT_PARQUET": str(_write_corrupt_parquet()), "CLEAN_CSV": str(clean)}.get(
        conf["path"], conf["path"]
    )
    dag_run = run_dag(dags.validate_file, **conf)
    assert task_states(dag_run) == {"validate": "failed"}
    row = latest(store, dag_run)
    assert row.status == "ERRORED"
    for needle in needles:
        assert needle in row.message, row.message


def test_unknown_expectation_type_and_missing_column_are_errored_per_expectation(dags, store) -> None:
    clean = data_path("clean-unknown.csv")
    load_wine().to_csv(clean, index=False)
    dag_run = run_dag(dags.validate_file, path=str(clean), suite="suites/unknown_type.json")
    row = latest(store, dag_run)
    assert row.status == "ERRORED"
    assert [r.status for r in row.results] == ["ERRORED", "PASSED"]
    assert "unknown expectation type 'expect_column_values_to_not_be_nul'" in row.results[0].message
    assert "expect_column_values_to_not_be_null" in row.results[0].message  # the suggestion

    dag_run = run_dag(dags.validate_file, path=str(clean), suite="suites/missing_column.json")
    row = latest(store, dag_run)
    assert row.status == "ERRORED"
    assert [r.status for r in row.results] == ["ERRORED", "PASSED"]
    assert "column 'no_such_column' does not exist" in row.results[0].message
    assert "alcohol" in row.results[0].message  # lists the columns that do exist


@pytest.mark.parametrize(
    ("conn_id", "table", "needle"),
    [
        ("no_such_conn", "wine", "connection 'no_such_conn' is not defined"),
        ("warehouse_sqlite2", "no_such_table", "table 'no_such_table' does not exist"),
        ("warehouse_sqlite2", "wine; DROP TABLE wine", "contains ';'"),
        ("warehouse_sqlite2", 'wine" OR 1=1 --', "contains '\"'"),
    ],
)
def test_bad_sql_sources_are_errored_and_never_executed(
    dags, store, tmp_path, monkeypatch, conn_id, table, needle
):
    db = tmp_path / "warehouse2.db"
    _load_table(f"sqlite:///{db}", "wine")
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_SQLITE2", f"sqlite:///{db}")
    dag_run = run_dag(dags.validate_sql, conn_id=conn_id, table=table)
    assert task_states(dag_run) == {"validate": "failed"}
    row = latest(store, dag_run)
    assert row.status == "ERRORED"
    assert needle in row.message, row.message
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:  # the injection attempt did not run
        assert conn.execute(sa.text("SELECT count(*) FROM wine")).scalar_one() == 178
    engine.dispose()


def test_unreachable_store_fails_task_clearly(dags, monkeypatch, caplog) -> None:
    monkeypatch.setenv("AIRFLOW__MLOPS__RESULTS_DB_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    dag_run = run_dag(dags.validate_frame)
    assert task_states(dag_run) == {"validate": "failed"}
    assert xcom(dag_run, "validate") is None  # nothing pretends to have passed


@pytest.mark.postgres
def test_store_lost_while_writing_fails_retryably_leaves_no_partial_rows_and_the_retry_writes_once(
    dags, pg_database, monkeypatch, capfd
) -> None:
    """The connection to the results store (real PostgreSQL behind a TCP proxy) is cut between the run's
    row and its results: try 1 fails with a retryable error and leaves nothing; try 2 writes once."""
    import threading

    from airflow_mlops.store import ResultsStore
    from tests.helpers import TcpProxy

    proxy = TcpProxy(int(sa.make_url(pg_database).port or 5432))
    monkeypatch.setenv(
        "AIRFLOW__MLOPS__RESULTS_DB_URL",
        str(sa.make_url(pg_database).set(port=proxy.port).render_as_string(False)),
    )
    results_written_by_try: list[int] = []

    def cut_before_the_results(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO MLOPS_CHECK_RESULT"):
            if proxy.cuts == 0:
                proxy.cut()  # the check run's own row is already sent, inside the open transaction
                threading.Timer(1.0, proxy.restore).start()
            else:
                results_written_by_try.append(1)

    sa.event.listen(sa.Engine, "before_cursor_execute", cut_before_the_results)
    try:
        dag_run = run_dag(dags.validate_outage)
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", cut_before_the_results)
        proxy.close()
    out = capfd.readouterr()
    assert proxy.cuts == 1 and results_written_by_try
    assert task_states(dag_run) == {"validate": "success"}  # the retry succeeded
    assert "the outcome (PASSED) could not be recorded: results store" in out.out + out.err
    direct = ResultsStore(pg_database)  # not through the proxy
    rows = direct.check_runs(dag_id=dag_run.dag_id, run_id=dag_run.run_id, with_results=True)
    assert [(r.try_number, r.status, len(r.results)) for r in rows] == [(2, "PASSED", 4)]  # nothing of try 1
    with direct.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM mlops_check_result")).scalar_one() == 4
    direct.engine.dispose()


# -- retries ----------------------------------------------------------------------------------------
def test_retry_is_its_own_try_and_readers_use_the_latest(dags, store) -> None:
    marker = data_path("flaky-marker")
    marker.unlink(missing_ok=True)
    dag_run = run_dag(dags.validate_retry)
    assert task_states(dag_run) == {"validate": "success"}
    rows = store.check_runs(dag_id=dag_run.dag_id, run_id=dag_run.run_id, with_results=True)
    assert sorted((r.try_number, r.status) for r in rows) == [(1, "ERRORED"), (2, "PASSED")]
    assert latest(store, dag_run).try_number == 2


# -- engine= ------------------------------------------------------------------------------------------
def test_the_native_engine_runs_covered_types_and_the_report_and_xcom_say_so(dags, store) -> None:
    dag_run = run_dag(dags.validate_engine)  # engine="auto": every type of suites/wine.json is covered
    assert task_states(dag_run) == {"validate": "success"}
    row = latest(store, dag_run)
    assert [r.details["engine"] for r in row.results] == ["native"] * 6
    assert row.summary["engines"] == {"native": 6}
    assert xcom(dag_run, "validate")["engines"] == {"native": 6}

    dag_run = run_dag(dags.validate_engine, engine="gx")
    gx_row = latest(store, dag_run)
    assert [r.details["engine"] for r in gx_row.results] == ["gx"] * 6
    assert xcom(dag_run, "validate")["engines"] == {"gx": 6}
    for native_result, gx_result in zip(row.results, gx_row.results, strict=True):
        assert (native_result.status, native_result.observed) == (gx_result.status, gx_result.observed)
        assert {k: v for k, v in native_result.details.items() if k != "engine"} == {
            k: v for k, v in gx_result.details.items() if k != "engine"
        }


@pytest.mark.parametrize(
    ("conf", "needle"),
    [
        ({"engine": "fast"}, "validate: engine= must be one of 'auto', 'native', 'gx'; got 'fast'."),
        (
            {"engine": "native", "suite": "suites/unknown_type.json"},
            "engine='native' does not cover 'expect_column_values_to_not_be_nul'",
        ),
    ],
)
def test_a_bad_or_impossible_engine_is_errored_after_rendering(dags, store, conf, needle) -> None:
    dag_run = run_dag(dags.validate_engine, **conf)
    assert task_states(dag_run) == {"validate": "failed"}
    row = latest(store, dag_run)
    assert row.status == "ERRORED"
    assert needle in row.message, row.message


def test_the_engine_argument_is_checked_when_the_dag_is_parsed() -> None:
    from airflow_mlops.exceptions import ArgumentError
    from airflow_mlops.operators import DataValidationOperator

    with pytest.raises(
        ArgumentError, match=r"check: engine= must be one of 'auto', 'native', 'gx'; got 'pandas'\."
    ):
        DataValidationOperator(task_id="check", data="x.csv", suite=[], engine="pandas")
    templated = DataValidationOperator(
        task_id="templated", data="x.csv", suite=[], engine="{{ params.engine }}"
    )
    assert templated.engine == "{{ params.engine }}" and "engine" in templated.template_fields


def test_mlops_validation_engine_is_the_default_and_is_checked(dags, store, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW__MLOPS__VALIDATION_ENGINE", "gx")
    row = latest(store, run_dag(dags.validate_frame))
    assert {r.details["engine"] for r in row.results} == {"gx"}
    monkeypatch.setenv("AIRFLOW__MLOPS__VALIDATION_ENGINE", "turbo")
    row = latest(store, run_dag(dags.validate_frame))
    assert row.status == "ERRORED"
    assert "[mlops] validation_engine='turbo' is not allowed" in row.message
