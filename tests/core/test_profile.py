"""Data profiles: pandas and in-database (SQLite, PostgreSQL) give equal profiles. Pure, no Airflow."""

from __future__ import annotations

import contextlib
import json
import math
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_mlops.core.profile import (
    DISCRETE_VALUES,
    MAX_NEW_CATEGORIES,
    ColumnProfile,
    DatasetProfile,
    median_profile,
    own_binned,
    profile_frame,
    profile_sql,
    quantile_probabilities,
)
from airflow_mlops.exceptions import InputError

PROBS = np.asarray(quantile_probabilities())


def only(frame: pd.DataFrame, name: str = "x", **kwargs) -> ColumnProfile:  # type: ignore[no-untyped-def]
    return profile_frame(frame, **kwargs).columns[name]


def round_trip(profile: DatasetProfile) -> DatasetProfile:
    return DatasetProfile.from_dict(json.loads(json.dumps(profile.to_dict(), allow_nan=False)))


# ------------------------------------------------------------------------------------ pandas profile


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


def test_unicode_and_space_column_names_round_trip_through_json() -> None:
    frame = pd.DataFrame(
        {
            "prix unitaire (€)": [1.5, 2.5, np.nan, np.inf],
            "名前": ["太郎", "花子", None, "太郎"],
            'quote " and \\ backslash': [1, 2, 3, 4],
            "": [0.0, 0.0, 0.0, 0.0],
        }
    )
    profile = profile_frame(frame)
    assert list(profile.columns) == list(frame.columns)
    restored = round_trip(profile)
    assert restored == profile
    assert list(restored.columns) == list(frame.columns)
    assert restored.columns["名前"].top == {"太郎": 2, "花子": 1}


def test_to_dict_is_nan_free_and_keeps_category_order() -> None:
    profile = profile_frame(pd.DataFrame({"x": [np.nan, np.nan], "c": ["z", "z"]}))
    data = profile.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["columns"][0]["mean"] is None
    assert data["columns"][1]["top"] == [["z", 2]]  # a list of pairs: jsonb would reorder an object


def test_json_of_a_million_row_profile_is_small() -> None:
    rng = np.random.default_rng(5)
    n = 1_000_000
    frame = pd.DataFrame({f"x{i}": rng.normal(i, 1, n) for i in range(6)})
    frame["small_int"] = rng.integers(0, 100, n)
    frame["level"] = pd.Series(rng.choice(["low", "mid", "high"], n), dtype="str")
    frame["flag"] = rng.random(n) < 0.2
    frame["user"] = pd.Series([f"user-{i:07d}" for i in range(n)], dtype="str")
    size = len(json.dumps(profile_frame(frame).to_dict(), allow_nan=False))
    small = len(json.dumps(profile_frame(frame.head(1000)).to_dict(), allow_nan=False))
    assert size < 25_000, size  # ~2 KB per numeric column (101 quantiles + ≤ 21 edges)
    assert size < small * 1.3


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


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: profile_frame([1, 2]), "needs a pandas DataFrame"),
        (
            lambda: profile_frame(pd.DataFrame([[1, 2]], columns=["a", "a"])),
            r"duplicate column names \['a'\]",
        ),
        (lambda: profile_frame(pd.DataFrame({"a": [1]}), top_k=0), "top_k=0"),
        (lambda: DatasetProfile.from_dict({"columns": []}), "not a dataset profile"),
        (lambda: DatasetProfile.from_dict({"version": 99, "row_count": 1, "columns": []}), "version 99"),
        (
            lambda: DatasetProfile.from_dict({"row_count": 1, "columns": [{"name": "a", "kind": "vector"}]}),
            "column profile 'a': kind='vector'",
        ),
        (
            lambda: DatasetProfile.from_dict({"row_count": 1, "columns": [{"name": "a", "kind": "numeric"}]}),
            "column profile 'a' is malformed",
        ),
        (lambda: median_profile([]), "at least one profile"),
    ],
)
def test_bad_input_is_reported_with_the_input_named(call, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()


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


# --------------------------------------------------------------------------------- median profile


def test_median_profile_of_rolling_baselines() -> None:
    rng = np.random.default_rng(11)
    frames = [
        pd.DataFrame(
            {"x": rng.uniform(shift, shift + 10, 2000 + 100 * i), "c": rng.choice(["a", "b"], 2000 + 100 * i)}
        )
        for i, shift in enumerate([0.0, 1.0, 2.0])
    ]
    frames[2].loc[:99, "c"] = "new"
    profiles = [profile_frame(f) for f in frames]
    median = median_profile(profiles)
    x = median.columns["x"]
    assert median.row_count == int(np.median([len(f) for f in frames]))
    assert x.count == 2100
    assert x.quantiles == list(np.median([p.columns["x"].quantiles for p in profiles], axis=0))
    assert x.mean == pytest.approx(np.median([p.columns["x"].mean for p in profiles]))
    assert x.hist_edges == profiles[-1].columns["x"].hist_edges  # the most recent edges
    assert sum(x.hist_counts) == x.count
    # per bin, the median of the profiles' shares (exact for the last one, whose edges these are; read
    # off the sketch for the others: within 2/100 + 2/n of the exact share), scaled to the median count
    inner = np.asarray(x.hist_edges[1:-1])
    exact = [np.bincount(np.searchsorted(inner, f["x"], side="right"), minlength=20) / len(f) for f in frames]
    shares = np.median(exact, axis=0)
    np.testing.assert_allclose(
        np.asarray(x.hist_counts) / x.count, shares / shares.sum(), atol=0.02 + 2 / 2000
    )
    # ... and the median distribution is about uniform on [1, 11] (the last edges span [2, 12])
    uniform_cdf = np.clip((np.asarray(x.hist_edges[1:-1]) - 1.0) / 10.0, 0.0, 1.0)
    expected = np.diff(np.concatenate([[0.0], uniform_cdf, [1.0]]))
    np.testing.assert_allclose(np.asarray(x.hist_counts) / x.count, expected, atol=0.03)
    assert x.hist_counts[-1] == 0  # nothing above 11 in the median distribution

    c = median.columns["c"]
    counts = [p.columns["c"].top for p in profiles]
    assert list(c.top) == ["a", "b"]  # "new" appears in one profile only: median 0, dropped
    assert c.top["a"] == int(np.median([t["a"] for t in counts]))
    assert c.other_count == c.count - sum(c.top.values())


def test_median_of_one_profile_keeps_its_histogram_shape() -> None:
    rng = np.random.default_rng(12)
    profile = profile_frame(pd.DataFrame({"x": rng.normal(0, 1, 10_000)}))
    median = median_profile([profile])
    original, derived = profile.columns["x"], median.columns["x"]
    assert derived.quantiles == original.quantiles
    np.testing.assert_allclose(derived.hist_counts, original.hist_counts, atol=10)


def test_median_profile_handles_empty_and_changed_columns() -> None:
    empty = profile_frame(pd.DataFrame({"x": [np.nan, np.nan], "y": ["a", "b"]}))
    full = profile_frame(pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 3.0]}))
    median = median_profile([empty, full, full])
    assert median.columns["x"].count == 3
    assert median.columns["y"].kind == "numeric"  # the last profile's kind wins
    assert median.columns["y"].count == 3
    assert sum(median.columns["x"].hist_counts) == 3
    assert median_profile([empty]).columns["x"].hist_counts == [0]


# ---------------------------------------------------------------------------- SQL: equals pandas


def wine_frame() -> pd.DataFrame:
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame.copy()
    n = len(frame)  # 178
    rng = np.random.default_rng(42)
    frame.loc[::9, "alcohol"] = np.nan
    frame.loc[5, "magnesium"] = np.inf
    frame.loc[6, "magnesium"] = -np.inf
    frame['odd "quoted" name'] = frame["hue"] * 2
    frame["with space é"] = frame["proline"] / 7
    colors = ["apple"] * 30 + ["Zebra"] * 30 + ["rosé"] * 30 + ["x y"] * 20 + ["émigré"] * 20 + ["b"] * 20
    colors += [None] * (n - len(colors))
    frame["color"] = pd.Series(list(rng.permutation(np.asarray(colors, dtype=object))), dtype="str")
    frame["flag"] = frame["target"] == 1
    frame["label"] = pd.array(np.where(np.arange(n) % 10 == 0, None, frame["target"] * 10), dtype="Int64")
    seconds = rng.integers(0, 86_400 * 30, n)
    frame["seen_at"] = pd.Timestamp("2024-03-01") + pd.to_timedelta(seconds, unit="s")
    frame.loc[::11, "seen_at"] = pd.NaT
    frame["all_null"] = np.nan
    frame["constant"] = 7.5
    frame["binary"] = (np.arange(n) % 3 == 0).astype("int64")  # discrete: binned by value
    frame["visit_day"] = pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 5, n), unit="D")
    return frame


def close(a: float | None, b: float | None, rel: float, scale: float = 1.0) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=rel, abs_tol=rel * 1e-3 * scale)


def assert_same_profile(sql: DatasetProfile, pandas: DatasetProfile) -> None:
    assert sql.row_count == pandas.row_count
    assert sql.schema == pandas.schema
    for name, expected in pandas.columns.items():
        got = sql.columns[name]
        where = f"column {name!r}"
        keys = (
            "kind",
            "dtype",
            "count",
            "null_count",
            "inf_count",
            "hist_counts",
            "own_counts",
            "other_count",
        )
        for key in keys:
            assert getattr(got, key) == getattr(expected, key), f"{where}: {key}"
        assert len(got.own_edges) == len(expected.own_edges), where
        assert list(got.top.items()) == list(expected.top.items()), where
        assert (got.distinct_count, got.new_categories) == (expected.distinct_count, expected.new_categories)
        scale = max(abs(expected.min or 0.0), abs(expected.max or 0.0), 1.0)
        for key in ("min", "max", "mean"):
            assert close(getattr(got, key), getattr(expected, key), 1e-9, scale), f"{where}: {key}"
        assert close(got.std, expected.std, 1e-6, scale), f"{where}: std"
        assert len(got.quantiles) == len(expected.quantiles), where
        for a, b in zip(got.quantiles, expected.quantiles, strict=True):
            assert close(a, b, 1e-9, scale), f"{where}: quantiles"
        assert len(got.hist_edges) == len(expected.hist_edges), where
        for a, b in zip(got.hist_edges, expected.hist_edges, strict=True):
            assert close(a, b, 1e-9, scale), f"{where}: edges"


@contextlib.contextmanager
def recorded_statements(engine: sa.Engine) -> Iterator[list[str]]:
    """Every statement the engine sends while the block runs, lower-cased, on any of its connections."""
    statements: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.lower())

    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)


TABLE = "wine data"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    url = (
        f"sqlite:///{tmp_path / 'profile.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def wine(engine: sa.Engine) -> pd.DataFrame:
    frame = wine_frame()
    frame.to_sql(TABLE, engine, index=False)
    return frame


def test_profile_sql_equals_profile_frame(engine: sa.Engine, wine: pd.DataFrame) -> None:
    for top_k in (50, 5):  # 5 cuts through a tie: b, x y, émigré all count 20 (code-point order picks b, x y)
        expected = profile_frame(wine, top_k=top_k)
        assert_same_profile(profile_sql(engine, sa.table(TABLE), top_k=top_k), expected)
    assert list(expected.columns["color"].top) == ["Zebra", "apple", "rosé", "b", "x y"]
    assert expected.columns['odd "quoted" name'].count == len(wine)
    assert expected.columns["magnesium"].inf_count == 2
    assert expected.columns["binary"].hist_edges == [0.0, 1.0, 1.0]  # one bin per value
    assert expected.columns["binary"].hist_counts == [len(wine) - len(wine[::3]), len(wine[::3])]
    assert len(expected.columns["visit_day"].hist_counts) == 5


def test_profile_sql_with_a_reference_equals_profile_frame(engine: sa.Engine, wine: pd.DataFrame) -> None:
    sample = wine.sample(120, random_state=3).copy()
    sample["color"] = sample["color"].replace({"b": "gone", "x y": None})
    sample["magnesium"] = sample["magnesium"] + 5
    reference = profile_frame(sample, top_k=4)
    expected = profile_frame(wine, reference=reference)
    got = profile_sql(engine, sa.table(TABLE), reference=reference)
    assert_same_profile(got, expected)
    assert got.columns["magnesium"].hist_edges == reference.columns["magnesium"].hist_edges
    assert "b" in got.columns["color"].new_categories
    assert list(got.columns["color"].top) == list(reference.columns["color"].top)
    # a reference computed in the database works the same
    in_db = profile_sql(engine, sa.table(TABLE))
    assert_same_profile(
        profile_sql(engine, sa.table(TABLE), reference=in_db), profile_frame(wine, reference=in_db)
    )


def test_profile_sql_of_a_subquery_and_of_chosen_columns(engine: sa.Engine, wine: pd.DataFrame) -> None:
    table = sa.Table(TABLE, sa.MetaData(), autoload_with=engine)
    subquery = (
        sa.select(table.c["proline"], table.c['odd "quoted" name'], table.c["color"])
        .where(table.c["target"] == 1)
        .subquery()
    )
    rows = wine[wine["target"] == 1][["proline", 'odd "quoted" name', "color"]]
    assert_same_profile(profile_sql(engine, subquery), profile_frame(rows))

    chosen = profile_sql(engine, sa.table(TABLE), columns={"with space é": "float64", "color": "string"})
    assert_same_profile(chosen, profile_frame(wine[["with space é", "color"]]))
    listed = profile_sql(engine, sa.table(TABLE, sa.column("flag"), sa.column("seen_at")))
    assert_same_profile(listed, profile_frame(wine[["flag", "seen_at"]]))


def test_profile_sql_of_an_empty_table(engine: sa.Engine) -> None:
    frame = wine_frame().iloc[:0]
    frame.to_sql("empty", engine, index=False)
    got = profile_sql(engine, sa.table("empty"))
    assert got.row_count == 0
    assert_same_profile(got, profile_frame(frame))
    assert_same_profile(profile_sql(engine, sa.table("empty"), quantiles="sketch"), profile_frame(frame))
    reference = profile_frame(wine_frame())
    assert_same_profile(
        profile_sql(engine, sa.table("empty"), reference=reference), profile_frame(frame, reference=reference)
    )


@pytest.mark.postgres
def test_postgres_ties_are_cut_in_code_point_order_whatever_the_column_collation(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    frame = wine_frame()[["color"]]
    frame["again"] = frame["color"]  # two columns: counted in one grouping-sets scan
    frame.to_sql("colors", engine, index=False)
    with (
        engine.begin() as conn
    ):  # ICU sorts apple < b < émigré < x y < Zebra; code points: Zebra < ... < émigré
        for column in ("color", "again"):
            conn.execute(sa.text(f'ALTER TABLE colors ALTER COLUMN {column} TYPE text COLLATE "und-x-icu"'))
    for quantiles in ("exact", "sketch"):  # a GROUP BY per column; one grouping-sets scan
        got = profile_sql(engine, sa.table("colors"), top_k=5, quantiles=quantiles)  # type: ignore[arg-type]
        assert_same_profile(got, profile_frame(frame, top_k=5))
        for column in ("color", "again"):
            assert list(got.columns[column].top) == ["Zebra", "apple", "rosé", "b", "x y"], (
                quantiles,
                column,
            )
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("parallel", [1, 3])
def test_postgres_sketch_counts_categorical_columns_in_scans_of_up_to_eight(
    pg_url: str, parallel: int
) -> None:
    from airflow_mlops.core.profile import LABEL_COLUMNS_PER_SCAN

    rng = np.random.default_rng(8)
    frame = pd.DataFrame(
        {
            f"c{k}": pd.Series(rng.choice([f"v{j}" for j in range(k + 2)], 3_000), dtype="str")
            for k in range(11)
        }
    )
    frame.loc[::7, "c3"] = None
    frame["flag"] = rng.random(3_000) < 0.3
    engine = sa.create_engine(pg_url)
    frame.to_sql(f"many_labels_{parallel}", engine, index=False)
    with recorded_statements(engine) as statements:
        got = profile_sql(
            engine, sa.table(f"many_labels_{parallel}"), top_k=4, parallel=parallel, quantiles="sketch"
        )
        reference = profile_frame(frame.sample(500, random_state=1), top_k=3)
        on_reference = profile_sql(
            engine, sa.table(f"many_labels_{parallel}"), reference=reference, quantiles="sketch"
        )
    engine.dispose()
    assert_same_profile(got, profile_frame(frame, top_k=4))
    assert_same_profile(on_reference, profile_frame(frame, reference=reference))
    scans = [s for s in statements if "grouping sets" in s]
    assert len(scans) == 2 * math.ceil(12 / LABEL_COLUMNS_PER_SCAN), scans  # 11 text + 1 bool, twice


def test_sqlite_quantiles_are_bit_identical_to_numpy(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'q.db'}")
    rng = np.random.default_rng(9)
    for n in (1, 2, 3, 7, 100, 101, 178, 1000):
        frame = pd.DataFrame({"x": rng.lognormal(0, 2, n) * rng.choice([-1, 1], n)})
        frame.to_sql(f"t{n}", engine, index=False)
        got = profile_sql(engine, sa.table(f"t{n}")).columns["x"]
        assert got.quantiles == [float(v) for v in np.quantile(frame["x"].to_numpy(), PROBS)], n
    engine.dispose()


@pytest.mark.postgres
def test_postgres_nan_is_null_as_in_pandas(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    frame = pd.DataFrame({"x": [1.0, np.nan, 3.0, np.inf, np.nan, 2.0]})
    frame.to_sql("nan", engine, index=False)
    table = sa.table("nan", sa.column("x", sa.Double()))
    with engine.begin() as conn:  # pandas wrote NULL; make them real NaN
        conn.execute(sa.update(table).where(table.c.x.is_(None)).values(x=float("nan")))
        assert conn.execute(sa.select(sa.func.count(table.c.x))).scalar() == 6
    assert_same_profile(profile_sql(engine, sa.table("nan")), profile_frame(frame))
    engine.dispose()


def test_profile_sql_errors_name_the_problem(engine: sa.Engine, wine: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="table 'no_such_table' does not exist"):
        profile_sql(engine, sa.table("no_such_table"))
    untyped = sa.text(f'SELECT proline FROM "{TABLE}"').columns(sa.column("proline")).subquery()
    with pytest.raises(InputError, match="pass columns="):
        profile_sql(engine, untyped)
    assert profile_sql(engine, untyped, columns={"proline": "float64"}).columns["proline"].count == len(wine)
    with pytest.raises(InputError, match="are unknown"):
        profile_sql(engine, sa.text(f'SELECT proline FROM "{TABLE}"').columns().subquery())
    textual = sa.text(f'SELECT proline FROM "{TABLE}"').columns(sa.column("proline", sa.Float()))
    assert profile_sql(engine, textual).columns["proline"].mean == pytest.approx(wine["proline"].mean())
    with pytest.raises(InputError, match="unknown dtypes"):
        profile_sql(engine, sa.table(TABLE), columns={"proline": "decimal"})
    with pytest.raises(InputError, match=r"columns \['nope'\] are not in table"):
        profile_sql(engine, sa.table(TABLE, sa.column("nope")))
    with pytest.raises(InputError, match="top_k"):
        profile_sql(engine, sa.table(TABLE), top_k=-1)


def test_profile_sql_runs_aggregate_queries_only(engine: sa.Engine, wine: pd.DataFrame) -> None:
    with recorded_statements(engine) as statements:
        profile = profile_sql(engine, sa.table(TABLE))
    selects = [s for s in statements if s.lstrip().startswith("select") and '"wine data"' in s]
    assert selects
    # every query aggregates, groups or picks ranked order statistics: none reads the rows as such
    markers = ("count(", "sum(", "percentile_cont(", "row_number()", "distinct")  # distinct: capped at 51
    assert all(any(marker in s for marker in markers) for s in selects), selects
    assert profile.row_count == len(wine)


# ------------------------------------------------------------------------------------ own bins for storage
def test_own_binned_leaves_an_unreferenced_profile_unchanged() -> None:
    rng = np.random.default_rng(3)
    profile = profile_frame(pd.DataFrame({"x": rng.normal(0, 1, 5_000), "c": rng.choice(list("abc"), 5_000)}))
    assert own_binned(profile) == profile


@pytest.mark.parametrize("data", ["normal", "integers", "with_inf"])
def test_own_binned_returns_the_exact_own_histogram(data: str) -> None:
    rng = np.random.default_rng(4)
    values = {
        "normal": rng.normal(5, 2, 20_000),
        "integers": rng.integers(70, 160, 20_000).astype("float64"),  # many ties, like wine's magnesium
        "with_inf": np.concatenate([rng.normal(0, 1, 19_990), [np.inf] * 10]),
    }[data]
    reference = profile_frame(pd.DataFrame({"x": rng.normal(-50, 1, 1_000)}))
    frame = pd.DataFrame({"x": values})
    on_reference = profile_frame(frame, reference=reference).columns["x"]
    exact = profile_frame(frame).columns["x"]
    derived = own_binned(DatasetProfile(row_count=len(frame), columns={"x": on_reference})).columns["x"]
    assert list(derived.hist_edges) == list(exact.hist_edges) != list(on_reference.hist_edges)
    assert derived == exact  # counted in the same pass as the reference's bins: nothing reconstructed


def test_an_accepted_shift_does_not_hide_the_next_one() -> None:
    """Stored profiles keep their own bins, so a chain of baselines keeps seeing drift."""
    from airflow_mlops.core.drift import drift_statistic

    rng = np.random.default_rng(5)
    day = [pd.DataFrame({"x": rng.normal(mu, 1, 5_000)}) for mu in (0, 10, 20)]
    stored = profile_frame(day[0])
    for frame in day[1:]:
        current = profile_frame(frame, reference=stored)
        assert drift_statistic("psi", stored.columns["x"], current.columns["x"]).statistic > 1.0
        stored = own_binned(current)


# ------------------------------------------------------------------------------------ quantiles="sketch"
def sketch_frame(n: int = 40_000) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    with_inf = rng.normal(0, 1, n)
    with_inf[:40] = np.inf
    with_inf[40:55] = -np.inf
    with_inf[55:300] = np.nan
    skewed = rng.lognormal(0, 1.5, n)
    skewed[rng.random(n) < 0.2] = 0.0  # a spike at the minimum
    frame = pd.DataFrame(
        {
            "skewed": skewed,
            "constant": np.full(n, 2.5),
            "all_null": np.full(n, np.nan),
            "with_inf": with_inf,
            "integers": rng.integers(-300, 700, n),
            "wide_integers": rng.integers(0, 10**9, n),
            "ratings": rng.choice([1.0, 2.0, 3.5, 4.0, 5.0], n, p=[0.1, 0.1, 0.2, 0.3, 0.3]),
            "grade": rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1]),
        }
    )
    frame.loc[frame.sample(500, random_state=1).index, "grade"] = None
    return frame


@pytest.mark.postgres
def test_sketch_quantiles_are_within_one_fine_bin_and_the_rest_is_exact(pg_url: str) -> None:
    from airflow_mlops.core.profile import SKETCH_BINS, SKETCH_COLUMNS_PER_SCAN

    engine = sa.create_engine(pg_url)
    frame = sketch_frame()
    frame.to_sql("sketched", engine, index=False)
    table = sa.table("sketched", sa.column("with_inf", sa.Double()))
    with engine.begin() as conn:  # pandas wrote NaN as NULL; make a few real NaN (NULL in profiles)
        conn.execute(sa.update(table).where(table.c.with_inf.is_(None)).values(with_inf=float("nan")))

    with recorded_statements(engine) as statements:
        sketch = profile_sql(engine, sa.table("sketched"), quantiles="sketch")
    exact = profile_sql(engine, sa.table("sketched"))
    expected = profile_frame(frame)
    # grouping-sets scans of at most SKETCH_COLUMNS_PER_SCAN columns give the fine bins of the 5 columns
    # with a range (not "constant", not "all_null"), each column once; only "skewed" is sorted: its spike
    # at 0 shares a fine bin with 2.6 % more values, which is over SKETCH_DENSE_SHARE
    scans = [s for s in statements if "width_bucket(" in s]
    assert scans and all("grouping sets" in s for s in scans), scans
    assert sum(s.count("width_bucket(") for s in scans) == 5, scans
    assert max(s.count("width_bucket(") for s in scans) <= SKETCH_COLUMNS_PER_SCAN, scans
    sorted_ = [s for s in statements if "percentile_cont" in s]
    assert len(sorted_) == 1 and sorted_[0].count("percentile_cont(") == 1, sorted_
    assert sketch.columns["skewed"].quantiles == exact.columns["skewed"].quantiles
    assert sketch.columns["skewed"].hist_counts == exact.columns["skewed"].hist_counts

    assert sketch.row_count == exact.row_count == len(frame)
    for name, column in sketch.columns.items():
        same = exact.columns[name]
        for key in ("kind", "dtype", "count", "null_count", "inf_count", "min", "max", "mean", "std"):
            assert getattr(column, key) == getattr(same, key), f"{name}.{key}"
        for key in ("top", "other_count", "distinct_count"):
            assert getattr(column, key) == getattr(same, key), f"{name}.{key}"
        reference = expected.columns[name]
        assert len(column.quantiles) == len(reference.quantiles), name
        if reference.quantiles:
            width = (reference.max - reference.min) / SKETCH_BINS
            errors = np.abs(np.subtract(column.quantiles, reference.quantiles))
            assert errors.max() <= width * (1 + 1e-12), f"{name}: {errors.max()} > {width}"
            assert column.quantiles[0] == reference.min and column.quantiles[-1] == reference.max, name
            assert np.all(np.diff(column.quantiles) >= 0), name
        # histogram counts are exact on the sketch's own edges: numpy counts the same on them
        on_its_edges = profile_frame(frame[[name]], reference=sketch).columns[name]
        assert column.hist_edges == on_its_edges.hist_edges, name
        assert column.hist_counts == on_its_edges.hist_counts, name
        if column.kind == "numeric":
            assert sum(column.hist_counts) == column.count, name

    # a bin that holds one distinct value gives it exactly: small-range integers and few-valued floats
    for name in ("integers", "ratings", "constant"):
        assert sketch.columns[name].quantiles == expected.columns[name].quantiles, name
        assert sketch.columns[name].hist_edges == expected.columns[name].hist_edges, name
        assert sketch.columns[name].hist_counts == expected.columns[name].hist_counts, name
    assert sketch.columns["all_null"].quantiles == [] and sketch.columns["all_null"].hist_counts == [0]
    assert sketch.columns["with_inf"].inf_count == 55

    # with a reference, the histograms are counted on its edges, exactly as the exact mode does
    shifted = frame.sample(5_000, random_state=2).copy()
    shifted["skewed"] = shifted["skewed"] * 1.5
    reference = profile_frame(shifted)
    on_reference = profile_sql(engine, sa.table("sketched"), reference=reference, quantiles="sketch")
    exact_on_reference = profile_frame(frame, reference=reference)
    for name, column in on_reference.columns.items():
        same = exact_on_reference.columns[name]
        assert (column.hist_edges, column.hist_counts) == (same.hist_edges, same.hist_counts), name
        assert (column.top, column.new_categories) == (same.top, same.new_categories), name
    engine.dispose()


@pytest.mark.postgres
def test_sketch_sorts_a_column_whose_fine_bin_is_too_dense_so_one_outlier_cannot_hide_drift(
    pg_url: str,
) -> None:
    """One far outlier puts every other value into one fine bin: spread evenly inside it, a normal and a
    bimodal column would get the same straight-line quantiles and a one-bin histogram (no drift seen)."""
    rng = np.random.default_rng(5)
    normal = np.append(rng.normal(0, 1, 20_000), 1e6)
    bimodal = np.append(np.concatenate([rng.normal(-2, 0.3, 10_000), rng.normal(2, 0.3, 10_000)]), 1e6)
    engine = sa.create_engine(pg_url)
    pd.DataFrame({"x": normal, "y": bimodal, "z": rng.normal(0, 1, 20_001)}).to_sql(
        "outlier", engine, index=False
    )
    sketch = profile_sql(engine, sa.table("outlier"), quantiles="sketch")
    exact = profile_sql(engine, sa.table("outlier"))
    engine.dispose()
    for name in ("x", "y"):  # sorted: exactly the exact profile
        assert sketch.columns[name].quantiles == exact.columns[name].quantiles, name
        assert sketch.columns[name].hist_edges == exact.columns[name].hist_edges, name
        assert len(sketch.columns[name].hist_counts) > 10, name
    assert sketch.columns["x"].quantiles != sketch.columns["y"].quantiles  # the shapes differ
    # a well-spread column is still sketched (within one fine bin, not equal to the sorted quantiles)
    assert sketch.columns["z"].quantiles != exact.columns["z"].quantiles


def test_sketch_falls_back_to_exact_quantiles_off_postgresql(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sketch.db'}")
    frame = sketch_frame(2_000).drop(columns=["with_inf"])
    frame.to_sql("sketched", engine, index=False)
    assert profile_sql(engine, sa.table("sketched"), quantiles="sketch") == profile_sql(
        engine, sa.table("sketched")
    )
    engine.dispose()


def test_quantiles_mode_must_be_exact_or_sketch(tmp_path: Path) -> None:
    from airflow_mlops.sources import SqlSource

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'bad.db'}")
    pd.DataFrame({"x": [1.0, 2.0]}).to_sql("t", engine, index=False)
    with pytest.raises(InputError, match=r"quantiles='fast' must be one of 'exact', 'sketch'"):
        profile_sql(engine, sa.table("t"), quantiles="fast")  # type: ignore[arg-type]
    engine.dispose()
    with pytest.raises(
        TypeError, match=r"SqlSource\(quantiles=\.\.\.\) must be one of 'exact', 'sketch'; got 'fast'"
    ):
        SqlSource(conn_id="db", table="t", quantiles="fast")
    assert SqlSource(conn_id="db", table="t", quantiles="sketch").quantiles == "sketch"
    assert SqlSource(conn_id="db", table="t").quantiles == "exact"


@pytest.mark.postgres
@pytest.mark.parametrize(("quantiles", "parallel"), [("exact", 1), ("exact", 2), ("sketch", 1)])
def test_rows_written_while_profiling_do_not_make_the_passes_disagree(
    pg_url: str, quantiles: str, parallel: int
) -> None:
    """Every pass reads one snapshot: rows committed between passes are in none of them."""
    rng = np.random.default_rng(3)
    engine = sa.create_engine(pg_url)
    writer = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    pd.DataFrame(
        {"x": rng.normal(0, 1, 5_000), "y": rng.normal(5, 2, 5_000), "c": rng.choice(list("ab"), 5_000)}
    ).to_sql("live", engine, index=False)
    inserted: list[int] = []
    once = threading.Lock()  # with parallel=2 two connections reach pass 2 at once

    def write_between_passes(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        with once:
            if not inserted and ("percentile_cont" in statement or "width_bucket" in statement):
                with writer.connect() as other:
                    other.execute(
                        sa.text(
                            "INSERT INTO live SELECT 100 + g, 100 + g, 'new' FROM generate_series(1, 1000) g"
                        )
                    )
                inserted.append(1000)

    sa.event.listen(engine, "before_cursor_execute", write_between_passes)
    try:
        profile = profile_sql(engine, sa.table("live"), quantiles=quantiles, parallel=parallel)  # type: ignore[arg-type]
    finally:
        sa.event.remove(engine, "before_cursor_execute", write_between_passes)
    with writer.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM live")).scalar_one() == 6_000  # the rows did land
    engine.dispose()
    writer.dispose()
    assert inserted and profile.row_count == 5_000
    for name in ("x", "y"):
        column = profile.columns[name]
        assert column.count == 5_000 and sum(column.hist_counts) == 5_000, name
        assert column.max < 100 and column.quantiles[-1] < 100, name  # no new row in any pass
    labels = profile.columns["c"]  # counted on a connection of its own when there are several
    assert labels.count == sum(labels.top.values()) == 5_000 and labels.distinct_count == 2


@pytest.mark.postgres
def test_connections_at_once_follow_the_server_parallel_setting_up_to_a_cap(pg_url: str) -> None:
    from airflow_mlops.core.profile import MAX_POOL_CONNECTIONS, MAX_SERVER_CONNECTIONS

    rng = np.random.default_rng(9)
    frame = pd.DataFrame({f"x{k}": rng.normal(k, 1, 2_000) for k in range(30)})
    frame["c"] = rng.choice(list("abc"), 2_000)
    setup = sa.create_engine(pg_url)
    frame.to_sql("wide_numbers", setup, index=False)
    setup.dispose()
    open_now = 0
    most = 0
    lock = threading.Lock()

    def profile_with(workers: int, quantiles: str, parallel: int) -> DatasetProfile:
        nonlocal open_now, most
        open_now = most = 0
        engine = sa.create_engine(
            pg_url, connect_args={"options": f"-c max_parallel_workers_per_gather={workers}"}, pool_size=20
        )

        @sa.event.listens_for(engine, "checkout")
        def checkout(*_: Any) -> None:
            nonlocal open_now, most
            with lock:
                open_now += 1
                most = max(most, open_now)

        @sa.event.listens_for(engine, "checkin")
        def checkin(*_: Any) -> None:
            nonlocal open_now
            with lock:
                open_now -= 1

        try:
            return profile_sql(engine, sa.table("wide_numbers"), quantiles=quantiles, parallel=parallel)  # type: ignore[arg-type]
        finally:
            engine.dispose()

    expected = profile_frame(frame)
    for workers, quantiles, parallel, allowed in [
        (0, "sketch", 1, 1),
        (32, "sketch", 1, 1 + MAX_SERVER_CONNECTIONS),
        (32, "exact", 1, 1),  # exact: parallel= connections only
        (0, "sketch", 16, 1 + MAX_POOL_CONNECTIONS),  # never more than the default pool holds
    ]:
        got = profile_with(workers, quantiles, parallel)
        # the main connection plus the pool's (how many overlap depends on timing; never more than the cap);
        # with no parallel workers everything runs on the main one
        assert most == allowed if allowed == 1 else 1 < most <= allowed, (workers, quantiles, parallel, most)
        assert got.row_count == 2_000 and got.columns["c"].top == expected.columns["c"].top
        for k in range(30):
            column, same = got.columns[f"x{k}"], expected.columns[f"x{k}"]
            assert column.count == same.count and sum(column.hist_counts) == 2_000, k
