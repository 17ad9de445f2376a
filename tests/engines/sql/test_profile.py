"""The SQL profile equals the pandas profile of the same rows (SQLite, PostgreSQL) and names bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from airflow_mlops.core.profile import profile_frame
from airflow_mlops.engines.sql import profile_sql
from airflow_mlops.exceptions import InputError
from tests.core.profile.helpers import PROBS
from tests.engines.sql.helpers import TABLE, assert_same_profile, recorded_statements, wine_frame


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
