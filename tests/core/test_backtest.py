"""Backtests of recorded check histories under other thresholds and learned bands. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow_mlops.checks import Anomaly
from airflow_mlops.core.backtest import (
    RecordedDay,
    count_incidents,
    replay_band,
    replay_thresholds,
    summarise,
)

T0 = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday


def day(
    i: int, statistic: float | None, observed: float | None = None, status: str = "PASSED"
) -> RecordedDay:
    return RecordedDay(
        when=T0 + timedelta(days=i), run_id=f"r{i}", statistic=statistic, observed=observed, status=status
    )


def test_incidents_are_runs_of_consecutive_non_passing_days() -> None:
    assert count_incidents(["PASSED", "WARNED", "FAILED", "PASSED", "FAILED", "ERRORED", "NO_BASELINE"]) == 2
    assert count_incidents([]) == 0
    assert summarise(["WARNED", "WARNED", "PASSED", "FAILED"]) == {
        "days": 4, "warned": 2, "failed": 1, "errored": 0, "incidents": 2,
    }  # fmt: skip


def test_fixed_thresholds_regrade_the_recorded_statistic() -> None:
    days = [
        day(0, 0.05),
        day(1, 0.25, status="WARNED"),
        day(2, 0.6, status="FAILED"),
        day(3, None, status="ERRORED"),
    ]
    statuses = [d.status for d in replay_thresholds(days, warn=0.3, fail=0.5)]
    assert statuses == ["PASSED", "PASSED", "FAILED", "ERRORED"]  # a statistic-less day keeps its status


def test_a_weekday_band_silences_the_weekend_that_fixed_thresholds_flag() -> None:
    volumes = [
        1000.0 + 7 * (i % 3) if (T0 + timedelta(days=i)).weekday() < 5 else 300.0 + i % 2 for i in range(42)
    ]
    days = [
        day(i, abs(v - 1000) / 1000, observed=v, status="WARNED" if v < 500 else "PASSED")
        for i, v in enumerate(volumes)
    ]
    days.append(day(42, 0.7, observed=300.0, status="WARNED"))  # a Monday with weekend volume: a real drop
    band = replay_band(days, Anomaly("row_count", warn=3, fail=5, seasonality="day_of_week", min_history=3))
    statuses = [d.status for d in band]
    assert statuses[-1] == "FAILED" and band[-1].how.startswith("median of the last 6 Mondays")
    assert set(statuses[21:-1]) == {"PASSED"}  # weeks 4-6: learned, no alert on any weekend
    fixed = summarise([d.status for d in days])
    learned = summarise(statuses[21:])
    assert fixed["warned"] == 13 and learned == {
        "days": 22,
        "warned": 0,
        "failed": 1,
        "errored": 0,
        "incidents": 1,
    }


def test_a_band_never_trains_on_the_days_it_flags() -> None:
    values = [100.0, 102, 98, 101, 99, 500, 500, 500, 100]
    band = replay_band(
        [day(i, None, observed=v) for i, v in enumerate(values)], Anomaly("row_count", fail=5, min_history=3)
    )
    assert [d.status for d in band] == ["NO_BASELINE"] * 3 + [
        "PASSED",
        "PASSED",
        "FAILED",
        "FAILED",
        "FAILED",
        "PASSED",
    ]
