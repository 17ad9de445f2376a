"""The GX wrapper on real pandas data (no Airflow): severities, samples and per-expectation errors."""

from __future__ import annotations

import pytest

from airflow_mlops.core.gx import run_suite
from airflow_mlops.core.results import Severity, Status
from airflow_mlops.core.suite import load_suite


@pytest.fixture(scope="module")
def frame():  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.DataFrame({"age": [10, 20, None, 200], "city": ["a", "b", "c", "zz"]})


def run(frame, expectations, severity=Severity.FAIL):  # type: ignore[no-untyped-def]
    return run_suite(
        load_suite(expectations),
        default_severity=severity,
        frame=frame,
        source="test frame",
        columns=list(frame),
        engine="gx",  # GX's wrapper; the native engine is tests/core/test_native*.py's
    )


def test_gx_severities_map_to_statuses(frame) -> None:
    results = run(
        frame,
        [
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "age"},
                "severity": "critical",
            },
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "age", "max_value": 100},
                "severity": "warning",
            },
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "city", "value_set": ["a", "b"]},
                "severity": "info",
            },
            {"type": "expect_column_to_exist", "kwargs": {"column": "city"}},
        ],
    )
    assert [r.status for r in results] == [Status.FAILED, Status.WARNED, Status.INFO, Status.PASSED]
    assert results[1].details["sample_unexpected"] == [200.0]
    assert results[2].details["unexpected_count"] == 2
    assert results[0].details["sample_unexpected"] == [None]


def test_operator_default_severity_applies_only_without_own_severity(frame) -> None:
    results = run(
        frame,
        [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "age"}},
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "age"},
                "severity": "critical",
            },
        ],
        severity=Severity.WARN,
    )
    assert [r.status for r in results] == [Status.WARNED, Status.FAILED]
    assert [r.name for r in results] == [
        "expect_column_values_to_not_be_null(age)",
        "expect_column_values_to_not_be_null(age)#2",
    ]


def test_invalid_kwargs_are_errored_with_the_reason(frame) -> None:
    results = run(frame, [{"type": "expect_column_values_to_be_between", "kwargs": {"min_value": 1}}])
    assert results[0].status is Status.ERRORED
    assert "invalid arguments for 'expect_column_values_to_be_between'" in results[0].message
    assert "column" in results[0].message


def test_exactly_one_target() -> None:
    with pytest.raises(ValueError, match="exactly one of frame= or sql="):
        run_suite(
            load_suite([{"type": "expect_column_to_exist", "kwargs": {"column": "a"}}]),
            default_severity=Severity.FAIL,
            source="x",
        )


# -- one bad expectation never costs the others their results (issue 13) ----------------------------
QUANTILES = {
    "type": "expect_column_quantile_values_to_be_between",
    "kwargs": {
        "column": "age",
        "quantile_ranges": {"quantiles": [0.0, 0.5], "value_ranges": [[5, 15], [15, 25]]},
    },
}
NOT_NULL = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "city"}}
MEAN_TOO_HIGH = {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "age", "max_value": 50}}


def _sql_batch(url: str, frame):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from airflow_mlops.engines.sql import SqlBatch

    engine = sa.create_engine(url)
    frame.to_sql("people", engine, index=False)
    return SqlBatch(engine=engine, table="people", description="table 'people'")


def _run_on(target, expectations):  # type: ignore[no-untyped-def]
    kwargs = {"sql": target} if hasattr(target, "engine") else {"frame": target}
    return run_suite(
        load_suite(expectations), default_severity=Severity.FAIL, source="test data", columns=None,
        engine="gx", **kwargs,
    )  # fmt: skip


def _assert_quantiles_run_next_to_the_others(results) -> None:  # type: ignore[no-untyped-def]
    assert [r.status for r in results] == [Status.PASSED, Status.PASSED, Status.FAILED]
    assert results[1].observed == {"quantiles": [0.0, 0.5], "values": [10.0, 20.0]}
    assert results[2].observed == pytest.approx(230 / 3)


def test_quantile_expectation_runs_on_pandas(frame) -> None:
    """GX's quantile expectation reports success as a numpy bool, which GX's own result store cannot
    serialise: run_suite used to raise TypeError and lose every result of the suite."""
    _assert_quantiles_run_next_to_the_others(_run_on(frame, [NOT_NULL, QUANTILES, MEAN_TOO_HIGH]))


def test_quantile_expectation_runs_on_sqlite(frame, tmp_path) -> None:
    batch = _sql_batch(f"sqlite:///{tmp_path / 'people.db'}", frame)
    _assert_quantiles_run_next_to_the_others(_run_on(batch, [NOT_NULL, QUANTILES, MEAN_TOO_HIGH]))
    batch.engine.dispose()


@pytest.mark.postgres
def test_quantile_expectation_runs_on_postgres(frame, pg_url) -> None:
    batch = _sql_batch(pg_url, frame)
    _assert_quantiles_run_next_to_the_others(_run_on(batch, [NOT_NULL, QUANTILES, MEAN_TOO_HIGH]))
    batch.engine.dispose()


def test_an_expectation_gx_fails_to_prepare_is_errored_alone(frame) -> None:
    """GX raises ValueError for an empty partition_object while it plans the metrics (outside its own
    exception handling): that expectation is ERRORED with the reason, the others keep their results."""
    kl = {
        "type": "expect_column_kl_divergence_to_be_less_than",
        "kwargs": {"column": "age", "partition_object": {}, "threshold": 0.1},
    }
    results = _run_on(frame, [NOT_NULL, kl, MEAN_TOO_HIGH, QUANTILES])
    assert [r.status for r in results] == [Status.PASSED, Status.ERRORED, Status.FAILED, Status.PASSED]
    assert "Invalid partition_object provided" in results[1].message
    assert results[1].name == "expect_column_kl_divergence_to_be_less_than(age)"
    assert results[2].observed == pytest.approx(230 / 3)


def test_an_errored_expectation_blocks_whatever_its_severity(frame) -> None:
    """A crashed check never passes: ERRORED blocks even for a warning or info expectation."""
    from airflow_mlops.core.results import aggregate_status

    kl = {
        "type": "expect_column_kl_divergence_to_be_less_than",
        "kwargs": {"column": "age", "partition_object": {}, "threshold": 0.1},
        "severity": "info",
    }
    results = _run_on(frame, [NOT_NULL, kl])
    assert results[1].status is Status.ERRORED and results[1].status.is_blocking
    assert aggregate_status(r.status for r in results) is Status.ERRORED


def _quantile(column: str, quantile: float, low: float, high: float) -> dict:  # type: ignore[type-arg]
    return {
        "type": "expect_column_quantile_values_to_be_between",
        "kwargs": {
            "column": column,
            "quantile_ranges": {"quantiles": [quantile], "value_ranges": [[low, high]]},
        },
    }


@pytest.fixture(scope="module")
def hundred():  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.DataFrame({"x": [float(v) for v in range(100)]})


def test_gx_still_reads_one_quantile_metric_for_every_quantile_expectation_on_a_column(hundred) -> None:
    """The GX behaviour run_suite works around: in one GX run, the second quantile expectation on a
    column reads the first one's quantiles. If this starts failing, GX fixed it (the workaround in
    airflow_mlops.core.gx._sharing_a_metric can go)."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("p").add_dataframe_asset("frame")
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": hundred}
    )
    suite = context.suites.add(
        gx.ExpectationSuite(
            name="quantiles",
            expectations=[
                gx.expectations.ExpectColumnQuantileValuesToBeBetween(
                    **_quantile("x", 0.5, 40, 60)["kwargs"]
                ),
                gx.expectations.ExpectColumnQuantileValuesToBeBetween(**_quantile("x", 0.9, 0, 60)["kwargs"]),
            ],
        )
    )
    second = next(
        r for r in batch.validate(suite).results if r.expectation_config.id == suite.expectations[1].id
    )
    assert second.result["observed_value"] == {"quantiles": [0.9], "values": [50.0]}  # q0.5's value
    assert second.success  # a wrong pass: the 0.9 quantile is 89


def test_quantile_expectations_on_one_column_each_get_their_own_quantiles(hundred) -> None:
    results = _run_on(
        hundred,
        [_quantile("x", 0.5, 40, 60), _quantile("x", 0.9, 0, 60), _quantile("x", 0.1, 5, 15), NOT_NULL_X],
    )
    assert [r.status for r in results] == [Status.PASSED, Status.FAILED, Status.PASSED, Status.PASSED]
    assert [r.observed["values"] for r in results[:3]] == [[50.0], [89.0], [10.0]]


NOT_NULL_X = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"}}


def test_errors_of_several_expectations_stay_each_their_own(frame) -> None:
    """More than one errored expectation: each is validated again alone, and keeps its own reason."""
    results = _run_on(
        frame,
        [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "absent"}},
            MEAN_TOO_HIGH,
            {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "city", "min_value": 0}},
            {
                "type": "expect_column_values_to_match_like_pattern",
                "kwargs": {"column": "city", "like_pattern": "a%"},
            },
            NOT_NULL,
        ],
    )
    assert [r.status for r in results] == [
        Status.ERRORED, Status.FAILED, Status.ERRORED, Status.ERRORED, Status.PASSED,
    ]  # fmt: skip
    assert results[0].message.startswith("column 'absent' does not exist in test data.")
    assert "mean" in results[2].message
    assert results[3].message.startswith("GX does not implement this expectation for pandas")


def test_a_lost_database_connection_is_raised_for_a_retry(frame, monkeypatch) -> None:
    """Not any one expectation's fault: run_suite raises it (the operator marks it retryable)."""
    import sqlalchemy as sa
    from great_expectations.validator.v1_validator import Validator

    def lost(self, expect, **kwargs):  # type: ignore[no-untyped-def]
        raise sa.exc.OperationalError(
            "SELECT 1", {}, ConnectionError("server closed"), connection_invalidated=True
        )

    monkeypatch.setattr(Validator, "validate_expectation_suite", lost)
    monkeypatch.setattr(Validator, "validate_expectation", lost)
    with pytest.raises(sa.exc.OperationalError):
        _run_on(frame, [NOT_NULL, MEAN_TOO_HIGH])


def test_a_query_that_fails_errors_every_expectation_with_the_reason(tmp_path) -> None:
    """Every expectation fails for the same reason: each is ERRORED with it, none passes."""
    import sqlalchemy as sa

    from airflow_mlops.engines.sql import SqlBatch

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    batch = SqlBatch(engine=engine, query="SELECT * FROM absent", description="query on 'empty'")
    results = _run_on(
        batch, [NOT_NULL, MEAN_TOO_HIGH, {"type": "expect_table_row_count_to_equal", "kwargs": {"value": 0}}]
    )
    engine.dispose()
    assert [r.status for r in results] == [Status.ERRORED] * 3
    assert all("no such table: absent" in r.message for r in results), [r.message for r in results]


@pytest.mark.postgres
def test_two_failing_aggregates_in_one_sql_bundle_keep_their_own_reasons(frame, pg_url) -> None:
    """Plain GX gives every failed metric of a SQL bundle the last failure's message (here mean(city)
    would read "function sum(text) does not exist"); each is validated again alone for its own."""
    batch = _sql_batch(pg_url, frame)
    results = _run_on(
        batch,
        [
            {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "city", "min_value": 0}},
            {"type": "expect_column_sum_to_be_between", "kwargs": {"column": "city", "min_value": 0}},
            MEAN_TOO_HIGH,
        ],
    )
    batch.engine.dispose()
    assert [r.status for r in results] == [Status.ERRORED, Status.ERRORED, Status.FAILED]
    assert "sum(text)" not in results[0].message and "double precision * text" in results[0].message
    assert "function sum(text) does not exist" in results[1].message
