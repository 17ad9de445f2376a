"""Shared by the SQL engine's tests: the wine table, a sketch-friendly frame, profile comparison and
a recorder of the statements an engine sends."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import sqlalchemy as sa

from airflow_mlops.core.profile import DatasetProfile

__all__ = ["TABLE", "assert_same_profile", "close", "recorded_statements", "sketch_frame", "wine_frame"]


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
