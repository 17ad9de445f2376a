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
