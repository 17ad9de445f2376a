"""Anomaly bands learned from history: the band, seasonality, and every guard against false alerts. Pure."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from airflow_mlops.checks import Anomaly, RowCount
from airflow_mlops.core.anomaly import detect_seasonality, learn_band, season_of
from airflow_mlops.core.metrics import MetricsProfile
from airflow_mlops.core.profile import DatasetProfile, profile_frame
from airflow_mlops.core.results import Status
from airflow_mlops.exceptions import InputError

MONDAY = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def rows(n: int) -> DatasetProfile:
    return DatasetProfile(row_count=n, columns={})


def daily(counts: list[int], start: datetime = MONDAY) -> list[tuple[datetime, DatasetProfile]]:
    return [(start + timedelta(days=i), rows(n)) for i, n in enumerate(counts)]


def test_the_band_is_the_median_plus_minus_k_robust_stds() -> None:
    check = Anomaly("row_count", warn=3, fail=5)
    history = daily([1000, 1100, 900, 1050, 950, 1000, 1020])
    center = statistics.median([1000, 1100, 900, 1050, 950, 1000, 1020])
    mad = statistics.median([abs(v - center) for v in [1000, 1100, 900, 1050, 950, 1000, 1020]])
    at = MONDAY + timedelta(days=7)
    result = check.evaluate_history(rows(1100), history, at)
    assert result.baseline == center == 1000 and mad == 50
    assert result.statistic == pytest.approx(100 / (1.4826 * 50))
    assert result.status is Status.PASSED
    assert check.evaluate_history(rows(1000 + 250), history, at).status is Status.WARNED  # 3.4 stds
    assert check.evaluate_history(rows(1000 - 400), history, at).status is Status.FAILED  # 5.4 stds
    assert result.details["band"]["warn"] == pytest.approx([1000 - 3 * 74.13, 1000 + 3 * 74.13])
    assert result.details["learned"]["how"] == "median of the last 7 runs ± 3 MAD (warn), ± 5 MAD (fail)"


def test_a_day_of_week_band_learns_from_the_same_weekday_only() -> None:
    """Weekends carry 30 % of the weekday volume: a quiet Sunday is normal, a quiet Tuesday is not."""
    counts = [
        1000 + 10 * (i % 3) if (MONDAY + timedelta(days=i)).weekday() < 5 else 300 + 5 * (i % 2)
        for i in range(56)
    ]
    history = daily(counts)
    sunday = MONDAY + timedelta(days=62)
    tuesday = MONDAY + timedelta(days=57)
    seasonal = Anomaly("row_count", warn=3, fail=5, seasonality="day_of_week")
    flat = Anomaly("row_count", warn=3, fail=5)
    assert seasonal.evaluate_history(rows(302), history, sunday).status is Status.PASSED
    assert seasonal.evaluate_history(rows(302), history, tuesday).status is Status.FAILED
    assert flat.evaluate_history(rows(302), history, sunday).status is Status.FAILED  # the false alarm
    learned = seasonal.evaluate_history(rows(302), history, sunday).details["learned"]
    assert learned["how"].startswith("median of the last 8 Sundays") and learned["season"] == 6
    assert detect_seasonality([(m, p.row_count) for m, p in history]) == "day_of_week"
    auto = Anomaly("row_count", warn=3, fail=5, seasonality="auto")
    assert (
        auto.evaluate_history(rows(302), history, sunday).details["learned"]["seasonality"] == "day_of_week"
    )


def test_day_of_month_counts_the_last_days_from_the_end() -> None:
    assert season_of(datetime(2026, 1, 31), "day_of_month") == -1
    assert season_of(datetime(2026, 2, 28), "day_of_month") == -1
    assert season_of(datetime(2026, 2, 26), "day_of_month") == -3
    assert season_of(datetime(2026, 2, 15), "day_of_month") == 15
    assert season_of(datetime(2026, 2, 15, 13), "hour_of_day") == 13
    month_ends = [(datetime(2026, m, 1) - timedelta(days=1), 5000.0 + m) for m in range(2, 12)]
    ordinary = [(datetime(2026, m, 10), 1000.0 + m) for m in range(1, 12)]
    band = learn_band(
        month_ends + ordinary, datetime(2026, 11, 30), seasonality="day_of_month", min_history=3, window=60
    )
    assert not isinstance(band, str) and band.center == pytest.approx(5006.5) and band.count == 10


def test_below_min_history_the_check_says_so_or_the_fallback_decides() -> None:
    history = daily([1000, 1010])
    check = Anomaly("row_count", warn=3, min_history=5)
    result = check.evaluate_history(rows(10), history, MONDAY + timedelta(days=2))
    assert result.status is Status.NO_BASELINE
    assert result.message.startswith("only 2 earlier eligible runs in the history (min_history=5)")
    with_fallback = Anomaly("row_count", warn=3, min_history=5, fallback=RowCount(fail=0.5))
    decided = with_fallback.evaluate_history(rows(10), history, MONDAY, baseline=rows(1000))
    assert decided.status is Status.FAILED and decided.name == "anomaly_row_count"
    assert "fallback row_count: 10 rows vs 1000" in decided.message


def test_ignore_small_changes_guards_an_almost_constant_history() -> None:
    history = daily([600] * 10)  # MAD 0 and mean absolute deviation 0: any change is infinitely many stds
    strict = Anomaly("row_count", fail=5)
    assert strict.evaluate_history(rows(601), history, MONDAY).status is Status.FAILED
    assert strict.evaluate_history(rows(600), history, MONDAY).status is Status.PASSED
    tolerant = Anomaly("row_count", fail=5, ignore_small_changes=0.05)
    assert tolerant.evaluate_history(rows(629), history, MONDAY).status is Status.PASSED
    assert tolerant.evaluate_history(rows(640), history, MONDAY).status is Status.FAILED
    assert tolerant.evaluate_history(rows(629), history, MONDAY).details["band"]["fail"] == [570, 630]


def test_a_mostly_equal_history_uses_the_mean_absolute_deviation() -> None:
    history = daily([100] * 6 + [110, 90, 130])  # MAD 0, mean absolute deviation 50/9
    result = Anomaly("row_count", warn=3).evaluate_history(rows(120), history, MONDAY)
    assert result.statistic == pytest.approx(20 / (1.2533 * 50 / 9))


@pytest.mark.parametrize(
    ("direction", "low", "high"),
    [
        ("up", Status.PASSED, Status.FAILED),
        ("down", Status.FAILED, Status.PASSED),
        ("both", Status.FAILED, Status.FAILED),
    ],
)
def test_direction(direction: str, low: Status, high: Status) -> None:
    history = daily([1000, 1100, 900, 1050, 950, 1000, 1020])
    check = Anomaly("row_count", fail=5, direction=direction)
    assert check.evaluate_history(rows(100), history, MONDAY).status is low
    assert check.evaluate_history(rows(5000), history, MONDAY).status is high
    band = check.evaluate_history(rows(1000), history, MONDAY).details["band"]["fail"]
    assert (band[0] is None) == (direction == "up") and (band[1] is None) == (direction == "down")


def test_window_keeps_the_latest_values_and_runs_without_a_date_are_left_out() -> None:
    history = daily([10] * 20 + [1000] * 7) + [(None, rows(5))]
    result = Anomaly("row_count", fail=3, window=7).evaluate_history(rows(1000), history, MONDAY)  # type: ignore[arg-type]
    assert result.baseline == 1000 and result.details["learned"]["training_values"] == 7


def test_profile_quantities_are_read_from_the_stored_profiles() -> None:
    frames = [
        pd.DataFrame(
            {"x": [float(i + k) for i in range(100)] + [None] * k, "c": ["a"] * (50 + k) + ["b"] * 50}
        )
        for k in range(8)
    ]
    history = [(MONDAY + timedelta(days=k), profile_frame(f)) for k, f in enumerate(frames)]
    current = profile_frame(
        pd.DataFrame({"x": [float(i) for i in range(100)] + [None] * 40, "c": ["b"] * 140})
    )
    assert (
        Anomaly("null_rate", column="x", fail=5).evaluate_history(current, history, MONDAY).status
        is Status.FAILED
    )
    assert Anomaly("mean", column="x", fail=5).evaluate_history(
        current, history, MONDAY
    ).observed == pytest.approx(49.5)
    median_q = Anomaly("quantile", column="x", q=0.5, fail=5).evaluate_history(current, history, MONDAY)
    assert median_q.observed == pytest.approx(49.5)
    share = Anomaly("share", column="c", value="a", fail=5).evaluate_history(current, history, MONDAY)
    assert share.observed == 0.0 and share.status is Status.FAILED
    distinct = Anomaly("distinct_count", column="c", fail=5).evaluate_history(current, history, MONDAY)
    assert distinct.observed == 1.0
    missing = Anomaly("mean", column="nope", fail=5).evaluate_history(current, history, MONDAY)
    assert missing.status is Status.ERRORED and "no mean" in missing.message


def test_metrics() -> None:
    history = [
        (MONDAY + timedelta(days=k), MetricsProfile(metrics={"auc": 0.9 + 0.001 * k})) for k in range(8)
    ]
    check = Anomaly("metric", metric="auc", fail=5, direction="down")
    assert check.target == "metrics"
    assert (
        check.evaluate_history(MetricsProfile(metrics={"auc": 0.80}), history, MONDAY).status is Status.FAILED
    )
    assert (
        check.evaluate_history(MetricsProfile(metrics={"auc": 0.99}), history, MONDAY).status is Status.PASSED
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Anomaly("rows", fail=3), "quantity='rows' is unknown"),
        (lambda: Anomaly("mean", fail=3), "column= must name the column"),
        (lambda: Anomaly("quantile", column="x", q=0.123, fail=3), "q=0.123 must be a multiple of 0.01"),
        (lambda: Anomaly("share", column="c", fail=3), "value= must be the category"),
        (lambda: Anomaly("metric", fail=3), "metric= must name the metric"),
        (
            lambda: Anomaly("row_count", fail=3, seasonality="weekly"),
            "seasonality= must be one of .*; got 'weekly'",
        ),
        (
            lambda: Anomaly("row_count", fail=3, direction="sideways"),
            "direction= must be one of .*; got 'sideways'",
        ),
        (lambda: Anomaly("row_count", fail=3, min_history=1), "min_history= must be an integer >= 2; got 1"),
        (lambda: Anomaly("row_count", fail=3, ignore_small_changes=-1), "ignore_small_changes=-1"),
        (lambda: Anomaly("row_count", fail=3, fallback=Anomaly("row_count", fail=3)), "fallback="),
        (lambda: Anomaly("row_count"), "give warn=, fail= or both"),
        (lambda: Anomaly("row_count", warn=5, fail=3), "warn=5 is above fail=3"),
    ],
)
def test_bad_arguments_name_the_argument(make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        make()


def test_a_nan_current_value_errors_instead_of_passing() -> None:
    current = profile_frame(pd.DataFrame({"x": [math.nan, math.nan]}))
    result = Anomaly("mean", column="x", fail=3).evaluate_history(current, [], MONDAY)
    assert result.status is Status.ERRORED


def test_a_band_on_another_checks_statistic() -> None:
    """A daily PSI that usually wobbles around 0.02: 0.3 is an anomaly long before a fixed fail=1."""
    from airflow_mlops.checks import Drift

    check = Anomaly(
        "statistic", of=Drift("x", method="psi", fail=1), warn=4, fail=8, min_history=5, direction="up"
    )
    assert check.name == "anomaly_statistic(drift_psi(x))" and check.target == "data"
    base = profile_frame(pd.DataFrame({"x": [float(i % 50) for i in range(1000)]}))
    same = profile_frame(pd.DataFrame({"x": [float(i % 50) for i in range(1000)]}), reference=base)
    moved = profile_frame(pd.DataFrame({"x": [float(i % 50) + 20 for i in range(1000)]}), reference=base)
    past = {check.name: [(MONDAY + timedelta(days=d), 0.02 + 0.001 * (d % 3)) for d in range(8)]}
    calm = check.evaluate_history(same, [], MONDAY, baseline=base, facts={"statistic_history": past})
    assert calm.status is Status.PASSED and calm.observed == 0.0 and calm.baseline == pytest.approx(0.021)
    drifted = check.evaluate_history(moved, [], MONDAY, baseline=base, facts={"statistic_history": past})
    assert drifted.status is Status.FAILED and drifted.observed > 0.3
    young = check.evaluate_history(moved, [], MONDAY, baseline=base, facts={"statistic_history": {}})
    assert young.status is Status.NO_BASELINE and young.observed == drifted.observed  # recorded to learn from
    assert check.evaluate_history(moved, [], MONDAY, baseline=None).status is Status.NO_BASELINE
    with pytest.raises(InputError, match="of= must be a fixed-threshold check"):
        Anomaly("statistic", fail=3)
    with pytest.raises(InputError, match="of= must be a fixed-threshold check"):
        Anomaly("row_count", fail=3, of=Drift("x", fail=1))
