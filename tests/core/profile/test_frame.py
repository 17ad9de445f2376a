"""The frame engine: pandas profiles agree with numpy, bin on a reference and keep their invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_mlops.core.profile import DISCRETE_VALUES, MAX_NEW_CATEGORIES, profile_frame
from tests.core.profile.helpers import PROBS, only, round_trip


def test_numeric_profile_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(10, 3, 5000)
    values[:50] = np.nan
    values[50:53] = [np.inf, -np.inf, np.inf]
    column = only(pd.DataFrame({"x": values}))
    finite = values[np.isfinite(values)]
    assert (column.kind, column.dtype) == ("numeric", "float64")
    assert (column.count, column.null_count, column.inf_count) == (4950, 50, 3)
    assert column.null_rate == pytest.approx(0.01)
    assert column.quantiles == [float(v) for v in np.quantile(finite, PROBS)]
    assert column.min == finite.min()
    assert column.max == finite.max()
    assert column.mean == pytest.approx(finite.mean(), rel=1e-12)
    assert column.std == pytest.approx(finite.std(ddof=1), rel=1e-12)  # sample std
    assert column.hist_edges == sorted(set(column.quantiles[::5]))
    assert len(column.hist_edges) == 21
    assert sum(column.hist_counts) == column.count  # the infinities sit in the open-ended end bins
    inner = np.histogram(finite, bins=column.hist_edges)[0]
    assert column.hist_counts[1:-1] == list(inner[1:-1])
    assert column.hist_counts[0] == inner[0] + 1  # -inf
    assert column.hist_counts[-1] == inner[-1] + 2  # +inf twice


def test_constant_all_null_single_row_and_empty_columns() -> None:
    constant = only(pd.DataFrame({"x": [4.0] * 7}))
    assert constant.hist_edges == [4.0, 4.0]
    assert constant.hist_counts == [7]
    assert (constant.min, constant.max, constant.std) == (4.0, 4.0, 0.0)
    assert constant.quantiles == [4.0] * 101

    all_null = only(pd.DataFrame({"x": [np.nan] * 5}))
    assert (all_null.count, all_null.null_count, all_null.null_rate) == (0, 5, 1.0)
    assert all_null.quantiles == [] and all_null.hist_edges == [] and all_null.hist_counts == [0]
    assert all_null.mean is None and all_null.std is None

    single = only(pd.DataFrame({"x": [2.5]}))
    assert (single.count, single.min, single.max, single.mean, single.std) == (1, 2.5, 2.5, 2.5, None)
    assert single.hist_counts == [1]

    only_inf = only(pd.DataFrame({"x": [np.inf, -np.inf]}))
    assert (only_inf.count, only_inf.inf_count, only_inf.quantiles, only_inf.hist_counts) == (2, 2, [], [2])

    empty = profile_frame(
        pd.DataFrame({"x": pd.Series([], dtype="float64"), "c": pd.Series([], dtype="str")})
    )
    assert empty.row_count == 0
    assert empty.columns["x"].count == 0 and empty.columns["x"].null_rate == 0.0
    assert empty.columns["c"].top == {} and empty.columns["c"].distinct_count == 0
    assert profile_frame(pd.DataFrame()).columns == {}


def test_categorical_profile_counts_top_other_and_distinct() -> None:
    values = ["b"] * 5 + ["a"] * 5 + ["c"] * 3 + ["d"] * 2 + [None, np.nan]
    column = only(pd.DataFrame({"x": values}), top_k=2)
    assert (column.kind, column.dtype) == ("categorical", "string")
    assert list(column.top.items()) == [("a", 5), ("b", 5)]  # ties by label
    assert (column.count, column.null_count, column.other_count, column.distinct_count) == (15, 2, 5, 4)
    assert column.quantiles == [] and column.mean is None


def test_bool_category_datetime_and_object_dtypes() -> None:
    frame = pd.DataFrame(
        {
            "flag": [True, False, True, True],
            "maybe": pd.array([True, None, False, True], dtype="boolean"),
            "grade": pd.Categorical(["x", "y", "x", None], categories=["x", "y", "unused"]),
            "when": pd.to_datetime(
                ["1970-01-01 00:00:10", "2024-01-01", None, "1969-12-31 23:59:59.5"], format="ISO8601"
            ),
            "aware": pd.to_datetime(["2024-01-01 01:00"] * 4).tz_localize("Europe/Paris"),
            "ints": pd.array([1, None, 3, 4], dtype="Int64"),
            "numbers_as_objects": pd.Series([1, 2.5, None, 4], dtype="object"),
            "wait": pd.to_timedelta(["1s", "2min", None, "0s"]),
        }
    )
    profile = profile_frame(frame)
    assert profile.schema == {
        "flag": "bool",
        "maybe": "bool",
        "grade": "string",
        "when": "datetime",
        "aware": "datetime",
        "ints": "int64",
        "numbers_as_objects": "float64",
        "wait": "timedelta",
    }
    assert profile.columns["flag"].top == {"True": 3, "False": 1}
    assert profile.columns["maybe"].top == {"True": 2, "False": 1}
    assert profile.columns["grade"].top == {"x": 2, "y": 1}  # the unused category is not a value
    assert profile.columns["grade"].distinct_count == 2
    when = profile.columns["when"]
    assert (when.min, when.max, when.count) == (-0.5, 1704067200.0, 3)
    assert profile.columns["aware"].min == 1704067200.0  # 01:00 in Paris is midnight UTC
    assert profile.columns["ints"].quantiles[0] == 1.0 and profile.columns["ints"].null_count == 1
    assert profile.columns["wait"].max == 120.0


def test_huge_cardinality_keeps_only_top_k() -> None:
    n = 1_000_000
    labels = pd.Series([f"id-{i}" for i in range(n)], dtype="str")
    labels.iloc[-3:] = "id-hot"
    column = only(pd.DataFrame({"x": labels}))
    assert column.distinct_count == n - 2
    assert len(column.top) == 50
    assert list(column.top.items())[0] == ("id-hot", 3)
    assert list(column.top)[1:] == sorted(labels.iloc[:-3])[:49]  # ties in code-point order
    assert column.other_count == n - sum(column.top.values())


def test_reference_binning_uses_the_reference_edges_and_categories() -> None:
    rng = np.random.default_rng(2)
    baseline = profile_frame(
        pd.DataFrame(
            {"x": rng.normal(0, 1, 1000), "c": rng.choice(["red", "white", "rosé"], 1000, p=[0.5, 0.3, 0.2])}
        )
    )
    current_frame = pd.DataFrame(
        {
            "x": np.concatenate([rng.normal(5, 1, 500), [-100.0, np.inf, np.nan]]),
            "c": ["red"] * 200 + ["orange"] * 150 + ["blue"] * 100 + ["green"] * 53,
        }
    )
    current = profile_frame(current_frame, reference=baseline)
    x, c = current.columns["x"], current.columns["c"]
    assert x.hist_edges == baseline.columns["x"].hist_edges
    assert sum(x.hist_counts) == x.count == 502
    assert x.hist_counts[0] == 1  # -100 below the first edge
    assert x.hist_counts[-1] > 450  # everything far above the last edge, and +inf
    assert x.quantiles == [
        float(v) for v in np.quantile(current_frame["x"].dropna()[:-1], PROBS)
    ]  # own sketch
    assert list(c.top) == list(baseline.columns["c"].top)  # the reference's categories, in its order
    assert c.top == {"red": 200, "white": 0, "rosé": 0}
    assert c.other_count == 303
    assert c.new_categories == ["orange", "blue", "green"]
    assert c.distinct_count == 4


def test_new_categories_are_capped_and_ranked() -> None:
    baseline = profile_frame(pd.DataFrame({"c": ["a"] * 3}))
    values = [f"n{i:02d}" for i in range(30) for _ in range(i % 4 + 1)]
    column = only(pd.DataFrame({"c": values}), "c", reference=baseline)
    assert len(column.new_categories) == MAX_NEW_CATEGORIES
    assert column.new_categories[:3] == ["n03", "n07", "n11"]  # 4 each, then by label
    assert column.top == {"a": 0} and column.other_count == len(values)


def test_a_column_whose_kind_changed_is_binned_on_its_own() -> None:
    baseline = profile_frame(pd.DataFrame({"x": ["1", "2"]}))
    column = only(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), reference=baseline)
    assert column.kind == "numeric" and column.hist_edges == sorted(set(column.quantiles[::5]))


labels = st.one_of(st.none(), st.sampled_from(["a", "b", "é", "名", " "]), st.text(max_size=4))


numbers = st.one_of(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 0.0]),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(numbers, labels, st.integers(-5, 5)), max_size=80), st.integers(1, 5))
def test_profile_invariants_hold_on_any_frame(rows, top_k: int) -> None:
    frame = pd.DataFrame(
        {
            "x": pd.Series([r[0] for r in rows], dtype="float64"),
            "c": pd.Series([r[1] for r in rows], dtype="object"),
            "i": pd.Series([r[2] for r in rows], dtype="int64"),
        }
    )
    profile = profile_frame(frame, top_k=top_k)
    assert round_trip(profile) == profile
    for column in profile.columns.values():
        assert column.count + column.null_count == len(frame)
        if column.kind == "numeric":
            assert sum(column.hist_counts) == column.count
            assert len(column.quantiles) in (0, 101)
            assert column.quantiles == sorted(column.quantiles)
            # at most 20 quantile bins, or one bin per value of a discrete column (at most 50 values)
            assert len(column.hist_edges) <= 21 or (
                len(column.hist_edges) <= DISCRETE_VALUES + 1
                and column.hist_edges[-1] == column.hist_edges[-2]
            )
        else:
            assert len(column.top) <= top_k
            assert sum(column.top.values()) + column.other_count == column.count
    again = profile_frame(frame, reference=profile)
    assert again.columns["x"].hist_counts == profile.columns["x"].hist_counts
    assert again.columns["c"].top == profile.columns["c"].top
