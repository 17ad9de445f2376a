"""``profile_sql(quantiles="sketch")``: grouping-sets scans, quantiles within one fine bin, exact counts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from airflow_mlops.core.profile import profile_frame
from airflow_mlops.engines.sql import profile_sql
from tests.engines.sql.helpers import assert_same_profile, recorded_statements, sketch_frame


@pytest.mark.postgres
@pytest.mark.parametrize("parallel", [1, 3])
def test_postgres_sketch_counts_categorical_columns_in_scans_of_up_to_eight(
    pg_url: str, parallel: int
) -> None:
    from airflow_mlops.engines.sql import LABEL_COLUMNS_PER_SCAN

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


@pytest.mark.postgres
def test_sketch_quantiles_are_within_one_fine_bin_and_the_rest_is_exact(pg_url: str) -> None:
    from airflow_mlops.core.profile import SKETCH_BINS
    from airflow_mlops.engines.sql import SKETCH_COLUMNS_PER_SCAN

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
