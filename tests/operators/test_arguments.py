"""Constructor checks: bad arguments fail when the DAG is parsed, with a message naming the argument."""

from __future__ import annotations

import pytest

from airflow_mlops.checks import Drift, MetricRegression, NullRate, RowCount
from airflow_mlops.exceptions import InputError
from airflow_mlops.operators import BaselineComparisonOperator, DataValidationOperator, SqlSource

SUITE = [{"type": "expect_column_to_exist", "kwargs": {"column": "a"}}]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"data": 42, "suite": SUITE}, TypeError, "data= must be a callable"),
        ({"data": "x.csv", "suite": 3.5}, TypeError, "suite= must be a path"),
        (
            {"data": "x.csv", "suite": SUITE, "severity": "fatal"},
            ValueError,
            "severity= must be one of 'fail', 'warn'; got 'fatal'",
        ),
        (
            {"data": "x.csv", "suite": SUITE, "result_format": "FULL"},
            ValueError,
            "result_format= must be one of .*; got 'FULL'",
        ),
        (
            {"data": "x.csv", "suite": SUITE, "fail_task": "yes"},
            TypeError,
            "fail_task= must be True or False",
        ),
    ],
)
def test_validation_operator_arguments(kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        DataValidationOperator(task_id="v", **kwargs)


def test_templated_arguments_are_checked_after_rendering_only() -> None:
    op = DataValidationOperator(
        task_id="v", data="{{ params.path }}", suite=SUITE, severity="{{ params.sev }}"
    )
    assert op.severity == "{{ params.sev }}"
    assert "data" in op.template_fields


def test_callable_data_is_not_a_template_field() -> None:
    op = DataValidationOperator(task_id="v", data=lambda: None, suite=SUITE)
    assert "data" not in op.template_fields and "suite" in op.template_fields


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"checks": [RowCount(fail=0.5)]}, TypeError, "exactly one of data= .* or metrics="),
        ({"data": "x.csv", "metrics": dict, "checks": [RowCount(fail=0.5)]}, TypeError, "exactly one of"),
        ({"data": "x.csv", "checks": []}, TypeError, "non-empty list"),
        ({"data": "x.csv", "checks": ["row_count"]}, TypeError, "not a check from airflow_mlops.checks"),
        ({"data": "x.csv", "checks": [MetricRegression("auc", fail=0.1)]}, TypeError, "compares metrics"),
        ({"metrics": dict, "checks": [RowCount(fail=0.1)]}, TypeError, "compares data"),
        ({"data": "x.csv", "checks": [RowCount(fail=1), RowCount(warn=1)]}, TypeError, "repeats row_count"),
        (
            {"data": "x.csv", "checks": [RowCount(fail=1)], "baseline": "latest"},
            InputError,
            "not a baseline policy",
        ),
        ({"data": "x.csv", "checks": [RowCount(fail=1)], "baseline": "rolling:0"}, InputError, "rolling:N"),
        ({"data": "x.csv", "checks": [RowCount(fail=1)], "baseline": "pinned:a b"}, InputError, "label"),
        (
            {"data": "x.csv", "checks": [RowCount(fail=1)], "on_missing_baseline": "skip"},
            ValueError,
            "'pass', 'warn'",
        ),
        (
            {"data": "x.csv", "checks": [RowCount(fail=1)], "share_baseline_with": "other_dag"},
            TypeError,
            r"share_baseline_with= must be a list of DAG ids \(or None\); got 'other_dag'",
        ),
    ],
)
def test_comparison_operator_arguments(kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        BaselineComparisonOperator(task_id="c", **kwargs)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: RowCount(), "give warn=, fail= or both"),
        (lambda: RowCount(warn=0.5, fail=0.1), "warn=0.5 is above fail=0.1"),
        (lambda: NullRate("a", fail=-0.1), "fail=-0.1 must be a finite number >= 0"),
        (lambda: NullRate("a", fail=float("nan")), "must be a finite number"),
        (lambda: Drift("a", method="kl", fail=0.1), "method='kl' is not known; use one of 'psi', 'ks'"),
        (lambda: Drift("", fail=0.1), "column must be a non-empty column name"),
        (lambda: MetricRegression("", fail=0.1), "metric must be a metric name"),
    ],
)
def test_check_arguments(build, message: str) -> None:
    with pytest.raises(InputError, match=message):
        build()


def test_sql_source_arguments() -> None:
    with pytest.raises(TypeError, match="exactly one of table= or query="):
        SqlSource(conn_id="wh")
    with pytest.raises(TypeError, match="non-empty connection id"):
        SqlSource(conn_id="", table="t")
