"""Baseline checks: each statistic, the warn/fail boundaries, direction and what a result records. Pure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from airflow_mlops.core.checks import (
    DRIFT_METHODS,
    Drift,
    Mean,
    MetricRegression,
    NullRate,
    RowCount,
    Schema,
    grade,
)
from airflow_mlops.core.drift import MAX_STATISTIC, chi2_two_sample, ks_from_quantiles, psi
from airflow_mlops.core.evidence import numeric_evidence
from airflow_mlops.core.metrics import MetricsProfile
from airflow_mlops.core.profile import DatasetProfile, profile_frame
from airflow_mlops.core.results import Severity, Status
from airflow_mlops.exceptions import InputError


def profile(reference: DatasetProfile | None = None, **columns: object) -> DatasetProfile:
    return profile_frame(pd.DataFrame(columns), reference=reference)


def rows(n: int) -> DatasetProfile:
    return profile(x=np.arange(n, dtype="int64"))


def with_nulls(nulls: int, size: int = 10) -> DatasetProfile:
    return profile(x=[np.nan] * nulls + [1.0] * (size - nulls))


def metrics(**values: float) -> MetricsProfile:
    return MetricsProfile(metrics=values)


# ----------------------------------------------------------------------------------------- grade


@pytest.mark.parametrize(
    ("statistic", "warn", "fail", "expected"),
    [
        (0.0, 0.1, 0.2, Status.PASSED),
        (0.1, 0.1, 0.2, Status.PASSED),  # equal to warn: not above it
        (0.10001, 0.1, 0.2, Status.WARNED),
        (0.2, 0.1, 0.2, Status.WARNED),  # equal to fail: not above it
        (0.20001, 0.1, 0.2, Status.FAILED),
        (math.inf, 0.1, 0.2, Status.FAILED),
        (-5.0, 0.1, 0.2, Status.PASSED),  # an improvement
        (0.3, 0.2, 0.2, Status.FAILED),  # warn == fail: no WARNED band
        (1e9, 0.1, None, Status.WARNED),  # warn only: never FAILED
        (1e9, None, 0.2, Status.FAILED),
        (0.15, None, 0.2, Status.PASSED),
        (0.0, 0.0, None, Status.PASSED),  # warn=0: any change warns, no change passes
        (1e-12, 0.0, None, Status.WARNED),
        (math.nan, 0.1, 0.2, Status.ERRORED),  # NaN is never a pass
        # equal up to the last ulps is equal: rounding noise never decides a boundary
        (0.05000000000000002, None, 0.05, Status.PASSED),  # a sketch's KS on the 0.01 grid
        (0.55 - 0.5, 0.05, None, Status.PASSED),  # 0.05000000000000004
        (0.05 * (1 + 2e-9), None, 0.05, Status.FAILED),  # beyond the 1e-9 relative tolerance
        (0.0500001, 0.01, 0.05, Status.FAILED),
    ],
)
def test_grade_is_strictly_above_the_threshold_beyond_rounding_noise(statistic, warn, fail, expected) -> None:
    assert grade(statistic, warn=warn, fail=fail) is expected


# --------------------------------------------------------------------------------- construction


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: RowCount(),
            "row_count: give warn=, fail= or both; a check without thresholds checks nothing.",
        ),
        (
            lambda: RowCount(warn=0.5, fail=0.1),
            "row_count: warn=0.5 is above fail=0.1; the statistic is 'how bad' (higher is worse), "
            "so warn must be <= fail.",
        ),
        (lambda: RowCount(warn=-0.1), "row_count: warn=-0.1 must be a finite number >= 0 (or omitted)."),
        (lambda: RowCount(fail=math.nan), "row_count: fail=nan must be a finite number >= 0 (or omitted)."),
        (lambda: RowCount(fail=math.inf), "row_count: fail=inf must be a finite number >= 0 (or omitted)."),
        (lambda: RowCount(fail=True), "row_count: fail=True must be a finite number >= 0 (or omitted)."),
        (
            lambda: RowCount(warn="0.1"),  # type: ignore[arg-type]
            "row_count: warn='0.1' must be a finite number >= 0 (or omitted).",
        ),
        (lambda: NullRate("", fail=0.1), "NullRate: column must be a non-empty column name; got ''."),
        (
            lambda: Mean(None, fail=0.1),  # type: ignore[arg-type]
            "Mean: column must be a non-empty column name; got None.",
        ),
        (lambda: NullRate("x"), "null_rate(x): give warn=, fail= or both"),
        (lambda: Mean("x", warn=0.3, fail=0.2), "mean(x): warn=0.3 is above fail=0.2"),
        (
            lambda: Drift("x", method="kl", fail=0.1),
            "Drift('x'): method='kl' is not known; use one of 'psi', 'ks', 'chi2', 'js', 'wasserstein'.",
        ),
        (lambda: Drift("", fail=0.1), "Drift: column must be a non-empty column name; got ''."),
        (lambda: Drift("x", method="ks"), "drift_ks(x): give warn=, fail= or both"),
        (lambda: MetricRegression("", fail=0.1), "MetricRegression: metric must be a metric name; got ''."),
        (lambda: MetricRegression("auc", warn=-1), "metric_regression(auc): warn=-1 must be a finite number"),
    ],
)
def test_bad_arguments_raise_at_construction(make, message: str) -> None:
    with pytest.raises(InputError) as info:
        make()
    assert str(info.value).startswith(message)


def test_names_targets_and_recorded_thresholds() -> None:
    checks = [
        RowCount(warn=0.2, fail=0.5),
        Schema(),
        NullRate("amount", fail=0.05),
        Mean("amount", warn=0.05),
        Drift("amount", warn=0.1, fail=0.25),
        Drift("country", method="chi2", warn=0.01, fail=0.05),
        MetricRegression("auc", warn=0.01, fail=0.03),
    ]
    assert [c.name for c in checks] == [
        "row_count",
        "schema",
        "null_rate(amount)",
        "mean(amount)",
        "drift_psi(amount)",
        "drift_chi2(country)",
        "metric_regression(auc)",
    ]
    assert [c.target for c in checks] == ["data"] * 6 + ["metrics"]
    assert [c.thresholds() for c in checks[:4]] == [
        {"warn": 0.2, "fail": 0.5},
        {"warn": None, "fail": 0},  # Schema takes no thresholds: any change fails
        {"warn": None, "fail": 0.05},
        {"warn": 0.05, "fail": None},
    ]
    assert DRIFT_METHODS == ("psi", "ks", "chi2", "js", "wasserstein")
    # thresholds may be equal, zero or integers
    assert RowCount(warn=0, fail=0).thresholds() == {"warn": 0, "fail": 0}


def test_no_baseline_result_records_thresholds_and_severity() -> None:
    current = rows(5)
    warn_only = NullRate("x", warn=0.1).no_baseline(current)
    assert warn_only.status is Status.NO_BASELINE and warn_only.passed
    assert warn_only.severity is Severity.WARN
    assert (warn_only.name, warn_only.check_type, warn_only.column) == ("null_rate(x)", "NullRate", "x")
    assert warn_only.threshold == {"warn": 0.1, "fail": None}
    assert warn_only.statistic is None and warn_only.observed is None and warn_only.baseline is None
    assert warn_only.message == "no baseline yet: this run's profile was recorded"
    assert RowCount(fail=0.5).no_baseline(current).severity is Severity.FAIL
    schema = Schema().no_baseline(current)
    assert schema.status is Status.NO_BASELINE and schema.severity is Severity.FAIL
    assert schema.threshold == {"warn": None, "fail": 0}
    assert MetricRegression("auc", warn=0.01).no_baseline(metrics(auc=0.9)).column is None


# ------------------------------------------------------------------------------------- RowCount


@pytest.mark.parametrize(
    ("current", "statistic", "status"),
    [
        (100, 0.0, Status.PASSED),
        (120, 0.2, Status.PASSED),  # exactly warn
        (80, 0.2, Status.PASSED),  # a drop counts like a rise
        (121, 0.21, Status.WARNED),
        (79, 0.21, Status.WARNED),
        (150, 0.5, Status.WARNED),  # exactly fail
        (49, 0.51, Status.FAILED),
        (151, 0.51, Status.FAILED),
        (0, 1.0, Status.FAILED),
    ],
)
def test_row_count_is_the_relative_change_either_way(current: int, statistic: float, status: Status) -> None:
    result = RowCount(warn=0.2, fail=0.5).evaluate(rows(current), rows(100))
    assert result.statistic == pytest.approx(statistic, abs=1e-12)
    assert result.status is status


def test_row_count_records_observed_baseline_statistic_and_threshold() -> None:
    result = RowCount(warn=0.2, fail=0.5).evaluate(rows(120), rows(100))
    assert result.name == "row_count" and result.check_type == "RowCount" and result.column is None
    assert (result.observed, result.baseline, result.statistic) == (120, 100, 0.2)
    assert result.threshold == {"warn": 0.2, "fail": 0.5}
    assert result.severity is Severity.FAIL
    assert result.message == "120 rows vs 100 (+20.0%)"
    assert RowCount(warn=0.2).evaluate(rows(50), rows(100)).message == "50 rows vs 100 (-50.0%)"


def test_row_count_with_an_empty_baseline() -> None:
    check = RowCount(warn=0.2, fail=0.5)
    both_empty = check.evaluate(rows(0), rows(0))
    assert both_empty.statistic == 0.0 and both_empty.status is Status.PASSED
    grew = check.evaluate(rows(3), rows(0))
    assert grew.statistic == math.inf and grew.status is Status.FAILED
    assert grew.message == "3 rows vs 0 (n/a)"
    assert grew.to_dict()["statistic"] == "inf"  # recorded JSON-safe


def test_warn_only_checks_warn_with_warn_severity_and_never_fail() -> None:
    result = RowCount(warn=0.1).evaluate(rows(1000), rows(10))
    assert result.status is Status.WARNED and result.severity is Severity.WARN


# --------------------------------------------------------------------------------------- Schema


def test_schema_unchanged_passes() -> None:
    base = profile(a=[1, 2], b=["x", "y"])
    result = Schema().evaluate(profile(a=[3, 4], b=["z", "z"]), base)
    assert result.status is Status.PASSED and result.statistic == 0.0
    assert result.message == "schema unchanged"
    assert result.observed == result.baseline == {"a": "int64", "b": "string"}
    assert result.details == {"removed": [], "added": [], "retyped": {}, "diff": []}
    assert result.threshold == {"warn": None, "fail": 0} and result.severity is Severity.FAIL


def test_schema_counts_removed_retyped_and_added_columns() -> None:
    base = profile(a=[1, 2], b=[1.0, 2.0], c=[1, 2])
    current = profile(a=[1, 2], c=[1.0, np.nan], d=["new", "new"])  # a null turned the int column float
    result = Schema().evaluate(current, base)
    assert result.status is Status.FAILED and result.statistic == 3.0
    assert result.details == {
        "removed": ["b"],
        "added": ["d"],
        "retyped": {"c": "int64 -> float64"},
        "diff": ["removed: b", "added: d", "retyped: c int64 -> float64"],
    }
    assert result.message == "removed b; retyped c (int64 -> float64); added d"
    assert result.observed == {"a": "int64", "c": "float64", "d": "string"}
    assert result.baseline == {"a": "int64", "b": "float64", "c": "int64"}


def test_schema_allow_added_ignores_only_additions() -> None:
    base = profile(a=[1, 2])
    added = Schema(allow_added=True).evaluate(profile(a=[1, 2], d=["x", "y"]), base)
    assert added.status is Status.PASSED and added.statistic == 0.0
    assert added.message == "added d (allowed)"
    removed = Schema(allow_added=True).evaluate(profile(d=["x", "y"]), base)
    assert removed.status is Status.FAILED and removed.statistic == 1.0
    assert removed.message == "removed a; added d (allowed)"


# ------------------------------------------------------------------------------------- NullRate


@pytest.mark.parametrize(
    ("nulls", "statistic", "status"),
    [
        (0, 0.0, Status.PASSED),
        (1, 0.1, Status.PASSED),  # exactly warn
        (2, 0.2, Status.WARNED),
        (3, 0.3, Status.WARNED),  # exactly fail
        (4, 0.4, Status.FAILED),
    ],
)
def test_null_rate_is_the_absolute_increase(nulls: int, statistic: float, status: Status) -> None:
    result = NullRate("x", warn=0.1, fail=0.3).evaluate(with_nulls(nulls), with_nulls(0))
    assert result.statistic == pytest.approx(statistic, abs=1e-12)
    assert result.status is status


def test_null_rate_is_absolute_not_relative_and_a_decrease_is_zero() -> None:
    check = NullRate("x", warn=0.01, fail=0.1)
    half = with_nulls(10, size=20)  # 50 %
    more = with_nulls(11, size=20)  # 55 %: +5 points, although +10 % relative
    result = check.evaluate(more, half)
    assert result.statistic == pytest.approx(0.05)
    assert result.status is Status.WARNED
    assert (result.observed, result.baseline) == (0.55, 0.5)
    assert result.message == "null rate 55.00% vs 50.00% (+5.00%)"
    fewer = check.evaluate(with_nulls(0, size=20), half)
    assert fewer.statistic == 0.0 and fewer.status is Status.PASSED
    assert (fewer.observed, fewer.baseline) == (0.0, 0.5)


def test_null_rate_of_an_empty_table_is_zero() -> None:
    result = NullRate("x", fail=0.0).evaluate(profile(x=pd.Series([], dtype="float64")), with_nulls(0))
    assert result.observed == 0.0 and result.status is Status.PASSED


def test_a_missing_column_errors_and_names_the_side() -> None:
    check = NullRate("y", warn=0.1)
    missing_now = check.evaluate(with_nulls(0), profile(y=[1.0]))
    assert missing_now.status is Status.ERRORED
    assert missing_now.message == "column 'y' is not in the current data (columns: x)."
    assert missing_now.statistic is None and missing_now.observed is None
    assert missing_now.threshold == {"warn": 0.1, "fail": None}
    missing_before = check.evaluate(profile(y=[1.0]), with_nulls(0))
    assert missing_before.message == "column 'y' is not in the baseline data (columns: x)."


# ----------------------------------------------------------------------------------------- Mean


@pytest.mark.parametrize(
    ("baseline", "current", "statistic", "status"),
    [
        ([10.0], [10.0], 0.0, Status.PASSED),
        ([10.0], [11.0], 0.1, Status.PASSED),  # exactly warn
        ([10.0], [9.0], 0.1, Status.PASSED),  # a decrease counts like an increase
        ([10.0], [12.0], 0.2, Status.WARNED),
        ([10.0], [13.0], 0.3, Status.WARNED),  # exactly fail
        ([10.0], [6.0], 0.4, Status.FAILED),
        ([-10.0], [-12.0], 0.2, Status.WARNED),  # divided by |baseline|
        ([-1.0, 1.0], [0.25], 0.25, Status.WARNED),  # baseline mean 0: the absolute change
        ([-1.0, 1.0], [-0.5], 0.5, Status.FAILED),
    ],
)
def test_mean_is_the_relative_change(baseline, current, statistic: float, status: Status) -> None:
    result = Mean("x", warn=0.1, fail=0.3).evaluate(profile(x=current), profile(x=baseline))
    assert result.statistic == pytest.approx(statistic, abs=1e-12)
    assert result.status is status


def test_mean_records_both_means_and_uses_finite_values_only() -> None:
    result = Mean("x", warn=0.1).evaluate(profile(x=[11.0, np.inf, np.nan]), profile(x=[9.0, 11.0]))
    assert (result.observed, result.baseline) == (11.0, 10.0)
    assert result.statistic == pytest.approx(0.1)
    assert result.message == "mean 11 vs 10"


def test_mean_errors_on_categorical_and_empty_columns() -> None:
    check = Mean("x", fail=0.1)
    numbers, labels = profile(x=[1.0, 2.0]), profile(x=["a", "b"])
    categorical = check.evaluate(labels, labels)
    assert categorical.status is Status.ERRORED
    assert categorical.message == (
        "Mean('x'): the current column is string, not numeric; use Drift(method='psi') or 'chi2' for "
        "categorical columns."
    )
    retyped = check.evaluate(numbers, labels)
    assert retyped.message.startswith("Mean('x'): the baseline column is string, not numeric")
    empty = check.evaluate(profile(x=[np.nan, np.nan]), numbers)
    assert empty.status is Status.ERRORED
    assert empty.message == "Mean('x'): the current column has no non-null values."
    infinite = check.evaluate(numbers, profile(x=[np.inf, -np.inf, np.nan]))
    assert infinite.status is Status.ERRORED
    assert infinite.message == "Mean('x'): the baseline column has only infinite values (2 ±inf)."


# ---------------------------------------------------------------------------------------- Drift


def test_numeric_psi_on_the_baselines_bins_records_the_details() -> None:
    rng = np.random.default_rng(11)
    baseline = profile(x=rng.normal(0, 1, 5000))
    shifted = profile(baseline, x=rng.normal(0.5, 1, 5000))
    base_col, cur_col = baseline.columns["x"], shifted.columns["x"]
    assert cur_col.hist_edges == base_col.hist_edges  # counted on the baseline's edges

    result = Drift("x", method="psi", warn=0.1, fail=0.25).evaluate(shifted, baseline)
    expected = psi(base_col.hist_counts, cur_col.hist_counts)
    assert result.statistic == pytest.approx(expected)
    assert result.statistic is not None and result.statistic > 0.25
    assert result.status is Status.FAILED
    assert result.name == "drift_psi(x)" and result.check_type == "Drift" and result.column == "x"
    assert result.observed == {"method": "psi", "statistic": result.statistic}
    assert result.baseline is None
    assert result.threshold == {"warn": 0.1, "fail": 0.25}
    assert result.message == f"psi = {result.statistic:.4g}"
    assert result.details["edges"] == base_col.hist_edges
    assert result.details["baseline_count"] == result.details["current_count"] == 5000


def test_identical_data_has_no_drift_with_any_method() -> None:
    values = np.random.default_rng(12).normal(0, 1, 1000)
    baseline = profile(x=values)
    current = profile(baseline, x=values)
    for method in DRIFT_METHODS:
        result = Drift("x", method=method, fail=0.0).evaluate(current, baseline)
        assert result.statistic == 0.0, method
        assert result.status is Status.PASSED, method


def test_categorical_chi2_is_phi_squared_on_aligned_categories() -> None:
    baseline = profile(c=["a"] * 50 + ["b"] * 50)
    current = profile(baseline, c=["a"] * 80 + ["b"] * 20)
    result = Drift("c", method="chi2", warn=0.01, fail=0.05).evaluate(current, baseline)
    # 2x2 table [[50, 50], [80, 20]]: phi^2 = (ad - bc)^2 / (row and column totals multiplied)
    phi2 = (50 * 20 - 50 * 80) ** 2 / (100 * 100 * 130 * 70)
    assert result.statistic == pytest.approx(phi2)
    assert result.statistic == pytest.approx(chi2_two_sample([50, 50, 0], [80, 20, 0]))
    assert result.status is Status.FAILED
    assert result.details["categories"] == ["a", "b", "(other)"]
    assert result.details["current_proportions"] == [0.8, 0.2, 0.0]


def test_categorical_drift_sees_new_categories() -> None:
    baseline = profile(c=["a", "b"] * 50)
    flooded = profile(baseline, c=["z"] * 100)
    result = Drift("c", method="js", warn=0.1, fail=0.5).evaluate(flooded, baseline)
    assert result.statistic == pytest.approx(1.0)  # disjoint supports
    assert result.status is Status.FAILED
    assert result.details["new_categories"] == ["z"]


def test_drift_details_carry_the_numeric_evidence_of_the_compared_profiles() -> None:
    rng = np.random.default_rng(3)
    baseline = profile(x=rng.normal(0, 1, 2000))
    current = profile(baseline, x=rng.normal(1, 1, 2000))
    for method in DRIFT_METHODS:
        result = Drift("x", method=method, warn=0.1).evaluate(current, baseline)
        evidence = result.details["evidence"]
        assert evidence == numeric_evidence(current.columns["x"], baseline.columns["x"]), method
        assert evidence["histogram"]["edges"] == baseline.columns["x"].hist_edges
        assert evidence["histogram"]["current"] == [n / 2000 for n in current.columns["x"].hist_counts]
        assert evidence["stats"]["current"]["median"] == current.columns["x"].quantiles[50]
    assert result.details["computed_from"] == "quantile sketches"  # the drift details stay beside it


def test_drift_details_carry_the_categorical_evidence() -> None:
    baseline = profile(c=["a"] * 60 + ["b"] * 40)
    current = profile(baseline, c=["a"] * 70 + ["z"] * 30)
    result = Drift("c", method="psi", warn=0.1).evaluate(current, baseline)
    evidence = result.details["evidence"]
    assert evidence["kind"] == "categorical"
    assert evidence["new"] == [{"category": "z", "share": 0.3}]
    assert evidence["vanished"] == [{"category": "b", "share": 0.4}]
    assert evidence["movers"][0] == {"category": "b", "baseline": 0.4, "current": 0.0, "change": -0.4}
    assert result.details["new_categories"] == ["z"] and result.to_dict()["details"]["evidence"] == evidence


def test_ks_and_wasserstein_read_the_quantile_sketches() -> None:
    baseline = profile(x=np.arange(100, dtype="float64"))
    shifted = profile(baseline, x=np.arange(100, dtype="float64") + 50)
    ks = Drift("x", method="ks", warn=0.1, fail=0.3).evaluate(shifted, baseline)
    sketches = baseline.columns["x"].quantiles, shifted.columns["x"].quantiles
    assert ks.statistic == ks_from_quantiles(*sketches)
    assert abs(ks.statistic - 0.5) <= 2 / 100 + 1 / 100 + 1 / 100  # the exact KS D is 0.5
    assert ks.status is Status.FAILED

    moved = profile(baseline, x=np.arange(100, dtype="float64") + 10)
    w = Drift("x", method="wasserstein", warn=0.1, fail=0.5).evaluate(moved, baseline)
    std = baseline.columns["x"].std
    assert std is not None
    assert w.statistic == pytest.approx(10 / std)  # a pure shift, in baseline standard deviations
    assert w.status is Status.WARNED
    assert w.details["scale"] == std


def test_wasserstein_against_a_constant_baseline_is_capped_not_infinite() -> None:
    baseline = profile(x=[3.0] * 10)
    result = Drift("x", method="wasserstein", fail=1.0).evaluate(profile(baseline, x=[4.0] * 10), baseline)
    assert result.statistic == MAX_STATISTIC and result.status is Status.FAILED


def test_drift_errors_are_recorded_not_raised() -> None:
    labels = profile(c=["a", "b"])
    ks = Drift("c", method="ks", fail=0.1).evaluate(labels, labels)
    assert ks.status is Status.ERRORED
    assert "column 'c' is categorical (dtype string); use psi, chi2 or js for it." in ks.message
    baseline = profile(x=np.arange(100.0))
    unaligned = profile(x=np.arange(100.0) + 0.5)  # profiled without reference=baseline
    result = Drift("x", method="psi", fail=0.1).evaluate(unaligned, baseline)
    assert result.status is Status.ERRORED
    assert "profile the current data with reference=<baseline profile>" in result.message
    retyped = Drift("x", method="psi", fail=0.1).evaluate(profile(x=["1", "2"]), baseline)
    assert retyped.status is Status.ERRORED
    assert "a type change cannot be measured as drift" in retyped.message


# ------------------------------------------------------------------------------ MetricRegression


@pytest.mark.parametrize(
    ("check", "baseline", "current", "statistic", "status"),
    [
        (MetricRegression("m", warn=0.125, fail=0.25), 0.875, 0.75, 0.125, Status.PASSED),  # exactly warn
        (MetricRegression("m", warn=0.125, fail=0.25), 0.875, 0.625, 0.25, Status.WARNED),  # exactly fail
        (MetricRegression("m", warn=0.125, fail=0.25), 0.875, 0.5, 0.375, Status.FAILED),
        (MetricRegression("m", warn=0.125, fail=0.25), 0.5, 0.875, -0.375, Status.PASSED),  # improved
        # lower is better (an error): a rise is the drop
        (MetricRegression("m", fail=0.25, higher_is_better=False), 2.0, 2.5, 0.5, Status.FAILED),
        (MetricRegression("m", fail=0.25, higher_is_better=False), 2.5, 2.0, -0.5, Status.PASSED),
        # relative: divided by |baseline|
        (MetricRegression("m", warn=0.25, relative=True), 0.5, 0.375, 0.25, Status.PASSED),
        (MetricRegression("m", warn=0.25, relative=True), 0.5, 0.25, 0.5, Status.WARNED),
        (MetricRegression("m", fail=0.25, relative=True), -2.0, -3.0, 0.5, Status.FAILED),
        # relative with a zero baseline: no change 0, a loss +inf, a gain -inf
        (MetricRegression("m", fail=0.25, relative=True), 0.0, 0.0, 0.0, Status.PASSED),
        (MetricRegression("m", fail=0.25, relative=True), 0.0, -0.1, math.inf, Status.FAILED),
        (MetricRegression("m", fail=0.25, relative=True), 0.0, 0.1, -math.inf, Status.PASSED),
    ],
)
def test_metric_regression_is_the_drop_from_the_baseline(check, baseline, current, statistic, status) -> None:
    result = check.evaluate(metrics(m=current), metrics(m=baseline))
    assert result.statistic == statistic
    assert result.status is status
    assert (result.observed, result.baseline) == (current, baseline)


def test_metric_regression_records_the_drop_in_the_message() -> None:
    absolute = MetricRegression("auc", warn=0.01, fail=0.03).evaluate(
        metrics(auc=0.75, f1=0.5), metrics(auc=0.875)
    )
    assert absolute.message == "auc 0.75 vs baseline 0.875 (drop +0.125)"
    assert absolute.name == "metric_regression(auc)" and absolute.check_type == "MetricRegression"
    assert absolute.column is None and absolute.threshold == {"warn": 0.01, "fail": 0.03}
    relative = MetricRegression("auc", warn=0.01, relative=True).evaluate(metrics(auc=0.75), metrics(auc=1.0))
    assert relative.message == "auc 0.75 vs baseline 1 (drop +25.00%)"
    assert relative.severity is Severity.WARN


def test_metric_regression_missing_metric_errors_and_lists_the_metrics() -> None:
    check = MetricRegression("auc", fail=0.01)
    missing_now = check.evaluate(metrics(f1=0.5, accuracy=0.9), metrics(auc=0.9))
    assert missing_now.status is Status.ERRORED
    assert missing_now.message == "metric 'auc' is not in the current metrics (metrics: accuracy, f1)."
    missing_before = check.evaluate(metrics(auc=0.9), MetricsProfile(metrics={}))
    assert missing_before.message == "metric 'auc' is not in the baseline metrics (metrics: none)."


# -- bands: the observed range each threshold allows, drawn by the report's history charts ------------------


def _grade_from_band(observed: float, band: dict[str, list[float | None]]) -> Status:
    def inside(level: str) -> bool:
        low, high = band[level]
        return (low is None or observed >= low) and (high is None or observed <= high)

    if "fail" in band and not inside("fail"):
        return Status.FAILED
    if "warn" in band and not inside("warn"):
        return Status.WARNED
    return Status.PASSED


def test_row_count_band_is_the_baseline_plus_minus_each_threshold() -> None:
    result = RowCount(warn=0.2, fail=0.5).evaluate(rows(130), rows(100))
    assert result.details["band"] == {"warn": [80.0, 120.0], "fail": [50.0, 150.0]}
    assert RowCount(warn=0.2).evaluate(rows(1), rows(0)).details.get("band") is None  # no relative band of 0


@pytest.mark.parametrize(
    ("check", "current", "baseline"),
    [
        (RowCount(warn=0.2, fail=0.5), lambda v: rows(max(int(v), 0)), lambda: rows(100)),
        (Mean("x", warn=0.1, fail=0.3), lambda v: profile(x=[v]), lambda: profile(x=[-4.0])),
        (Mean("x", fail=0.3), lambda v: profile(x=[v]), lambda: profile(x=[0.0])),
        (MetricRegression("auc", warn=0.01, fail=0.05), lambda v: metrics(auc=v), lambda: metrics(auc=0.9)),
        (
            MetricRegression("rmse", fail=0.1, relative=True, higher_is_better=False),
            lambda v: metrics(rmse=v),
            lambda: metrics(rmse=2.0),
        ),
    ],
    ids=["row_count", "mean", "mean_of_zero", "metric_abs", "metric_rel_lower_is_better"],
)
def test_a_band_agrees_with_the_grade_of_every_observed_value(check, current, baseline) -> None:  # type: ignore[no-untyped-def]
    base = baseline()
    for observed in np.linspace(-10, 200, 2101):
        result = check.evaluate(current(float(observed)), base)
        edges = [e for pair in (result.details.get("band") or {}).values() for e in pair if e is not None]
        if result.status is Status.ERRORED or any(math.isclose(observed, e, abs_tol=1e-9) for e in edges):
            continue  # on an edge the band and the grade may round differently: a drawing aid, not the grade
        assert _grade_from_band(float(result.observed), result.details["band"]) is result.status, observed


def test_null_rate_band_is_open_below() -> None:
    result = NullRate("x", warn=0.01, fail=0.05).evaluate(
        profile(x=[1.0, None, None, None]), profile(x=[1.0, 2.0, 3.0, None])
    )
    assert result.details["band"] == {"warn": [None, 0.26], "fail": [None, 0.3]}
    assert result.status is Status.FAILED


def test_drift_and_schema_have_no_band() -> None:
    base = profile(x=[1.0, 2.0, 3.0, 4.0])
    assert "band" not in Drift("x", method="psi", fail=0.2).evaluate(base, base).details
    assert "band" not in Schema().evaluate(base, base).details
