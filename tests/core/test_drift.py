"""Drift statistics against scipy and the textbook formulas; properties with hypothesis. Pure, no Airflow."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon

from airflow_mlops.core.drift import (
    DRIFT_METHODS,
    MAX_STATISTIC,
    NUMERIC_ONLY,
    DriftStatistic,
    chi2_two_sample,
    drift_statistic,
    js_distance,
    ks_from_quantiles,
    psi,
    wasserstein_from_quantiles,
)
from airflow_mlops.core.profile import ColumnProfile, DatasetProfile, profile_frame, quantile_probabilities
from airflow_mlops.exceptions import InputError

PROBS = np.asarray(quantile_probabilities())
#: The worst |sketch − exact| KS error measured below on continuous data with ≥ 10k values was 0.0022.
KS_MEASURED_BOUND = 0.005

COUNT_PAIRS = [
    ([10, 20, 30, 40], [12, 18, 33, 37]),
    ([100, 0, 50, 25], [90, 10, 40, 35]),
    ([1, 1, 1, 1, 1], [5, 0, 0, 0, 1]),
    ([500, 300, 200], [100, 300, 600]),
    ([3, 0, 7, 0, 2], [0, 4, 7, 0, 9]),
    ([1_000_000, 3, 250_000], [2, 999_999, 250_001]),
]


def textbook_psi(baseline: list[int], current: list[int], eps: float = 1e-4) -> float:
    total_b, total_c = sum(baseline), sum(current)
    value = 0.0
    for b, c in zip(baseline, current, strict=True):
        p = b / total_b if b else eps
        q = c / total_c if c else eps
        value += (q - p) * math.log(q / p)
    return value


def sketch(values: np.ndarray) -> list[float]:
    return [float(v) for v in np.quantile(values, PROBS)]


# ------------------------------------------------------------------------ agreement with references


@pytest.mark.parametrize(("baseline", "current"), COUNT_PAIRS)
def test_psi_matches_the_textbook_formula(baseline, current) -> None:
    assert psi(baseline, current) == pytest.approx(textbook_psi(baseline, current), rel=1e-9, abs=1e-12)
    assert psi(baseline, current, eps=1e-6) == pytest.approx(
        textbook_psi(baseline, current, eps=1e-6), rel=1e-9, abs=1e-12
    )


@pytest.mark.parametrize(("baseline", "current"), COUNT_PAIRS)
def test_chi2_is_scipys_two_sample_contingency_statistic_divided_by_n(baseline, current) -> None:
    b, c = np.asarray(baseline), np.asarray(current)
    keep = (b + c) > 0  # scipy refuses all-zero columns; we drop them
    table = np.vstack([b[keep], c[keep]])
    expected = scipy.stats.chi2_contingency(table, correction=False)[0] / table.sum()
    assert chi2_two_sample(baseline, current) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert 0.0 <= chi2_two_sample(baseline, current) <= 1.0


@pytest.mark.parametrize(("baseline", "current"), COUNT_PAIRS)
def test_js_is_scipys_jensen_shannon_distance_base_2(baseline, current) -> None:
    expected = jensenshannon(np.asarray(baseline, float), np.asarray(current, float), base=2)
    assert js_distance(baseline, current) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_two_sample_chi2_is_about_half_the_goodness_of_fit_statistic_for_equal_sizes() -> None:
    """The design-doc pitfall: testing current counts against FIXED baseline proportions (chisquare)
    ignores the baseline's own noise and, for equal sample sizes, gives about twice the two-sample value."""
    rng = np.random.default_rng(7)
    n = 50_000
    baseline = np.bincount(rng.choice(6, n, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.1]), minlength=6)
    current = np.bincount(rng.choice(6, n, p=[0.28, 0.22, 0.2, 0.1, 0.11, 0.09]), minlength=6)
    two_sample = chi2_two_sample(baseline, current) * (2 * n)  # undo the division by N
    goodness_of_fit = scipy.stats.chisquare(current, f_exp=baseline / baseline.sum() * n).statistic
    assert two_sample == pytest.approx(
        scipy.stats.chi2_contingency([baseline, current], correction=False)[0], rel=1e-9
    )
    assert two_sample / goodness_of_fit == pytest.approx(0.5, abs=0.05)


DISTRIBUTIONS = {
    "same normal": lambda rng, n: (rng.normal(0, 1, n), rng.normal(0, 1, n)),
    "normal shift 0.3": lambda rng, n: (rng.normal(0, 1, n), rng.normal(0.3, 1, n)),
    "normal shift 2": lambda rng, n: (rng.normal(0, 1, n), rng.normal(2, 1, n)),
    "normal scale 1.5": lambda rng, n: (rng.normal(0, 1, n), rng.normal(0, 1.5, n)),
    "uniform vs beta(2,2)": lambda rng, n: (rng.uniform(0, 1, n), rng.beta(2, 2, n)),
    "exponential scale": lambda rng, n: (rng.exponential(1, n), rng.exponential(1.3, n)),
}


@pytest.mark.parametrize("n", [10_000, 20_000])
@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_ks_from_sketches_is_within_the_measured_bound_of_exact_ks(name: str, n: int) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{name}/{n}".encode()))
    u, v = DISTRIBUTIONS[name](rng, n)
    exact = scipy.stats.ks_2samp(u, v).statistic
    approx = ks_from_quantiles(sketch(u), sketch(v))
    assert abs(approx - exact) <= KS_MEASURED_BOUND
    assert abs(approx - exact) <= 2 / 100 + 2 / n  # the proven bound, a fortiori


@pytest.mark.filterwarnings(
    "ignore::RuntimeWarning"
)  # scipy's p-value on tiny samples; the statistic is fine
@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-5, 5), min_size=1, max_size=300),
    st.lists(st.integers(-5, 8), min_size=1, max_size=300),
)
def test_ks_from_sketches_respects_the_proven_bound_even_on_discrete_data(u: list[int], v: list[int]) -> None:
    exact = scipy.stats.ks_2samp(u, v).statistic
    approx = ks_from_quantiles(sketch(np.asarray(u, float)), sketch(np.asarray(v, float)))
    assert abs(approx - exact) <= 2 / 100 + 1 / len(u) + 1 / len(v) + 1e-12


WASSERSTEIN_TOLERANCE = {  # absolute, in baseline-std units; the largest error measured was about half
    "same normal": 0.02,
    "normal shift 0.3": 0.02,
    "normal shift 2": 0.02,
    "normal scale 1.5": 0.02,
    "uniform vs beta(2,2)": 0.02,
    "exponential scale": 0.05,
}


@pytest.mark.parametrize("n", [10_000, 20_000])
@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_wasserstein_from_sketches_is_close_to_scipy(name: str, n: int) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{name}/{n}/w".encode()))
    u, v = DISTRIBUTIONS[name](rng, n)
    scale = float(np.std(u, ddof=1))
    exact = scipy.stats.wasserstein_distance(u, v) / scale
    approx = wasserstein_from_quantiles(sketch(u), sketch(v), scale=scale)
    assert abs(approx - exact) <= WASSERSTEIN_TOLERANCE[name]


def test_wasserstein_of_a_pure_shift_is_the_shift_in_std_units() -> None:
    q = np.linspace(-3, 3, 101)
    assert wasserstein_from_quantiles(q, q + 0.5, scale=2.0) == pytest.approx(0.25)


# ------------------------------------------------------------------------------------- edge cases


def test_empty_sides_follow_the_documented_rules() -> None:
    assert psi([0, 0], [0, 0]) == 0.0
    assert chi2_two_sample([0, 0], [0, 0]) == 0.0
    assert js_distance([0, 0], [0, 0]) == 0.0
    assert psi([], []) == 0.0
    # one empty side: maximal drift
    assert psi([10, 30], [0, 0]) == pytest.approx(textbook_psi([10, 30], [0, 0]))
    assert psi([10, 30], [0, 0]) > 1
    assert chi2_two_sample([10, 30], [0, 0]) == 1.0
    assert chi2_two_sample([0, 0], [5, 0]) == 1.0
    assert js_distance([10, 30], [0, 0]) == 1.0
    assert ks_from_quantiles([], []) == 0.0
    assert ks_from_quantiles([1.0, 2.0], []) == 1.0
    assert wasserstein_from_quantiles([], [], scale=1.0) == 0.0
    assert wasserstein_from_quantiles([], [1.0, 2.0], scale=1.0) == MAX_STATISTIC
    # a single non-empty bin carries no information about the shape
    assert chi2_two_sample([5, 0], [7, 0]) == 0.0


def test_constant_baseline_scale_never_gives_nan_or_inf() -> None:
    same = [3.0] * 101
    assert wasserstein_from_quantiles(same, same, scale=0.0) == 0.0
    assert wasserstein_from_quantiles(same, same, scale=None) == 0.0
    moved = wasserstein_from_quantiles(same, [4.0] * 101, scale=0.0)
    assert moved == MAX_STATISTIC
    assert wasserstein_from_quantiles(same, [3.0 + 1e-6] * 101, scale=None) == pytest.approx(1e6)
    assert ks_from_quantiles(same, [4.0] * 101) == 1.0
    assert ks_from_quantiles(same, same) == 0.0


def test_disjoint_supports_give_maximal_bounded_statistics() -> None:
    assert js_distance([10, 0], [0, 10]) == pytest.approx(1.0)
    assert chi2_two_sample([10, 0], [0, 10]) == pytest.approx(1.0)
    assert ks_from_quantiles(np.linspace(0, 1, 101), np.linspace(2, 3, 101)) == 1.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: psi([1, 2], [1, 2, 3]), "same bins"),
        (lambda: psi([1, -2], [1, 2]), "finite counts >= 0"),
        (lambda: psi([1, float("nan")], [1, 2]), "finite counts >= 0"),
        (lambda: psi([1, 2], [1, 2], eps=0), "eps=0"),
        (lambda: chi2_two_sample([[1, 2]], [[1, 2]]), "one-dimensional"),
        (lambda: js_distance(["a"], [1]), "list of counts"),
        (lambda: ks_from_quantiles([2.0, 1.0], [1.0, 2.0]), "non-decreasing"),
        (lambda: wasserstein_from_quantiles([1.0, 2.0], [1.0, 2.0, 3.0], scale=1.0), "same probabilities"),
    ],
)
def test_bad_inputs_raise_input_error_naming_the_argument(call, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()


# ---------------------------------------------------------------------------------- hypothesis


counts_strategy = st.lists(st.integers(0, 10_000), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_count_statistics_are_finite_non_negative_and_bounded(data) -> None:
    baseline = data.draw(counts_strategy)
    current = data.draw(st.lists(st.integers(0, 10_000), min_size=len(baseline), max_size=len(baseline)))
    for value in (psi(baseline, current), chi2_two_sample(baseline, current), js_distance(baseline, current)):
        assert math.isfinite(value)
        assert value >= 0
    assert js_distance(baseline, current) <= 1
    assert chi2_two_sample(baseline, current) <= 1
    # identical distributions (any scale factor) give ~0
    doubled = [2 * n for n in baseline]
    assert psi(baseline, doubled) == pytest.approx(0, abs=1e-12)
    assert chi2_two_sample(baseline, doubled) == pytest.approx(0, abs=1e-12)
    assert js_distance(baseline, doubled) == pytest.approx(0, abs=1e-7)


finite_floats = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(finite_floats, min_size=1, max_size=200), st.lists(finite_floats, min_size=1, max_size=200))
def test_sketch_statistics_are_finite_non_negative_and_zero_on_identical_samples(u, v) -> None:
    qu, qv = sketch(np.asarray(u)), sketch(np.asarray(v))
    ks = ks_from_quantiles(qu, qv)
    assert 0.0 <= ks <= 1.0
    scale = float(np.std(u, ddof=1)) if len(u) > 1 else None
    w = wasserstein_from_quantiles(qu, qv, scale=scale)
    assert math.isfinite(w)
    assert 0 <= w <= MAX_STATISTIC
    assert ks_from_quantiles(qu, qu) == 0.0
    assert wasserstein_from_quantiles(qu, qu, scale=scale) == 0.0


# ------------------------------------------------------------------------------ drift_statistic


def numeric(name: str, values) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return pd.DataFrame({name: values})


def test_numeric_drift_uses_reference_bins_and_quantiles() -> None:
    rng = np.random.default_rng(3)
    baseline = profile_frame(numeric("x", rng.normal(0, 1, 20_000))).columns["x"]
    shifted = pd.DataFrame({"x": rng.normal(0.5, 1, 20_000)})
    reference = DatasetProfile(row_count=20_000, columns={"x": baseline})
    current = profile_frame(shifted, reference=reference).columns["x"]
    same = profile_frame(numeric("x", rng.normal(0, 1, 20_000)), reference=reference).columns["x"]

    for method in DRIFT_METHODS:
        drifted = drift_statistic(method, baseline, current)
        stable = drift_statistic(method, baseline, same)
        assert isinstance(drifted, DriftStatistic)
        assert drifted.method == method
        assert drifted.column == "x"
        assert drifted.statistic > stable.statistic >= 0, method
    psi_result = drift_statistic("psi", baseline, current)
    assert psi_result.statistic == pytest.approx(psi(baseline.hist_counts, current.hist_counts))
    assert psi_result.details["edges"] == baseline.hist_edges
    assert sum(psi_result.details["current_proportions"]) == pytest.approx(1, abs=1e-5)
    w = drift_statistic("wasserstein", baseline, current)
    assert w.statistic == pytest.approx(0.5, abs=0.05)
    assert w.details["scale"] == baseline.std


def test_numeric_histogram_drift_refuses_different_edges() -> None:
    rng = np.random.default_rng(4)
    baseline = profile_frame(numeric("x", rng.normal(0, 1, 1000))).columns["x"]
    unaligned = profile_frame(numeric("x", rng.normal(1, 1, 1000))).columns["x"]
    with pytest.raises(ValueError, match="reference=<baseline profile>"):
        drift_statistic("psi", baseline, unaligned)
    # the quantile-based methods need no alignment
    assert drift_statistic("ks", baseline, unaligned).statistic > 0.2


def test_categorical_drift_aligns_categories_by_name() -> None:
    baseline = ColumnProfile(
        name="color",
        kind="categorical",
        dtype="string",
        count=100,
        null_count=0,
        top={"red": 60, "white": 40},
        distinct_count=2,
    )
    current = ColumnProfile(
        name="color",
        kind="categorical",
        dtype="string",
        count=100,
        null_count=0,
        top={"white": 50, "rosé": 30, "red": 20},
        distinct_count=3,
    )
    result = drift_statistic("psi", baseline, current)
    assert result.details["categories"] == ["red", "white", "rosé", "(other)"]
    assert result.details["new_categories"] == ["rosé"]
    assert result.statistic == pytest.approx(textbook_psi([60, 40, 0, 0], [20, 50, 30, 0]))
    assert drift_statistic("chi2", baseline, current).statistic == pytest.approx(
        chi2_two_sample([60, 40, 0], [20, 50, 30])
    )


@pytest.mark.parametrize("method", sorted(NUMERIC_ONLY))
def test_ordered_methods_on_a_categorical_column_name_it_and_suggest_others(method: str) -> None:
    profile = profile_frame(pd.DataFrame({"grade": ["a", "b", "a"]})).columns["grade"]
    with pytest.raises(InputError, match=r"column 'grade' is categorical \(dtype string\).*psi, chi2 or js"):
        drift_statistic(method, profile, profile)


def test_unknown_method_lists_the_allowed_ones() -> None:
    profile = profile_frame(pd.DataFrame({"x": [1.0, 2.0]})).columns["x"]
    with pytest.raises(InputError, match="psi, ks, chi2, js, wasserstein"):
        drift_statistic("kl", profile, profile)


def test_a_type_change_is_not_drift() -> None:
    as_number = profile_frame(pd.DataFrame({"x": [1.0, 2.0]})).columns["x"]
    as_text = profile_frame(pd.DataFrame({"x": ["1", "2"]})).columns["x"]
    with pytest.raises(InputError, match="column 'x' is categorical"):
        drift_statistic("psi", as_number, as_text)


def test_a_column_that_became_all_null_is_maximal_drift() -> None:
    frame = pd.DataFrame({"x": np.arange(100, dtype=float), "c": ["a", "b"] * 50})
    baseline = profile_frame(frame)
    empty = profile_frame(pd.DataFrame({"x": [np.nan] * 10, "c": [None] * 10}), reference=baseline)
    x, c = baseline.columns["x"], baseline.columns["c"]
    assert drift_statistic("js", x, empty.columns["x"]).statistic == 1.0
    assert drift_statistic("chi2", x, empty.columns["x"]).statistic == 1.0
    assert drift_statistic("ks", x, empty.columns["x"]).statistic == 1.0
    assert drift_statistic("wasserstein", x, empty.columns["x"]).statistic == MAX_STATISTIC
    assert drift_statistic("psi", x, empty.columns["x"]).statistic > 5
    assert drift_statistic("js", c, empty.columns["c"]).statistic == 1.0
    both_empty = profile_frame(pd.DataFrame({"x": [np.nan], "c": [None]}))
    for method in DRIFT_METHODS:
        column = both_empty.columns["x"]
        assert drift_statistic(method, column, column).statistic == 0.0


# ------------------------------------------------------------------- hypothesis on whole profiles

cell = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.just(float("nan")),
    st.just(float("inf")),
    st.just(float("-inf")),
)
column_values = st.one_of(
    st.lists(cell, min_size=0, max_size=60),
    st.integers(0, 60).map(lambda n: [float("nan")] * n),  # all null
    st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.integers(1, 60)).map(
        lambda t: [t[0]] * t[1]
    ),  # constant
)
category_values = st.lists(
    st.one_of(st.none(), st.sampled_from(["a", "b", "c", "é x", "新"]), st.text(min_size=0, max_size=3)),
    min_size=0,
    max_size=60,
)


def frame(numbers: list[float], labels: list[str | None]) -> pd.DataFrame:
    """Two columns of possibly different lengths (the shorter is padded with nulls)."""
    return pd.concat(
        [pd.Series(numbers, dtype="float64", name="x"), pd.Series(labels, dtype="object", name="c")], axis=1
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(column_values, column_values, category_values, category_values)
def test_every_statistic_is_finite_and_non_negative_on_any_profiles(xb, xc, cb, cc) -> None:
    baseline = profile_frame(frame(xb, cb), top_k=3)
    current = profile_frame(frame(xc, cc), reference=baseline)
    for name in ("x", "c"):
        b, c = baseline.columns[name], current.columns[name]
        assert b.kind == c.kind == ("numeric" if name == "x" else "categorical")
        if c.kind == "numeric":
            assert sum(c.hist_counts) == c.count
        else:
            assert c.other_count >= 0
        for method in DRIFT_METHODS:
            if method in NUMERIC_ONLY and b.kind == "categorical":
                continue
            value = drift_statistic(method, b, c).statistic
            assert math.isfinite(value), (method, name)
            assert value >= 0
            if method in ("js", "chi2", "ks"):
                assert value <= 1
            same = drift_statistic(method, b, b).statistic
            assert same == pytest.approx(0, abs=1e-7), (method, name)
