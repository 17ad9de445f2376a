"""Baselines made of profiles: the rolling median and the own-binned profile a run stores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airflow_mlops.core.profile import DatasetProfile, median_profile, own_binned, profile_frame


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
