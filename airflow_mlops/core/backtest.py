"""Threshold backtests: replay a check's recorded history under other thresholds or a learned band.

Pure: the recorded days come from the results store (``ResultsStore.check_series``), nothing is re-run
on the data. A fixed-threshold replay re-grades each day's recorded **statistic**; a band replay learns,
for each day, the band from the **observed** values of the earlier days that the replay itself let pass
(as an ``Anomaly`` check trains on eligible runs only) and grades the day against it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from airflow_mlops.core.anomaly import Anomaly, learn_band
from airflow_mlops.core.checks import grade
from airflow_mlops.core.results import Status

__all__ = [
    "RecordedDay",
    "ReplayedDay",
    "backtest",
    "count_incidents",
    "recorded_days",
    "replay_band",
    "replay_thresholds",
    "summarise",
]

_NOT_PASSING = frozenset({Status.WARNED.value, Status.FAILED.value, Status.ERRORED.value})


@dataclass(frozen=True, kw_only=True)
class RecordedDay:
    """One recorded result of the check: when its run became runnable, and what it recorded."""

    when: datetime | None
    run_id: str
    statistic: float | None
    observed: Any
    status: str


@dataclass(frozen=True, kw_only=True)
class ReplayedDay:
    day: RecordedDay
    status: str
    statistic: float | None = None
    how: str | None = None


def recorded_days(rows: Iterable[tuple[Any, Any]]) -> list[RecordedDay]:
    """``(check run, result)`` rows, as ``ResultsStore.check_series`` returns them, as recorded days."""
    return [
        RecordedDay(
            when=run.run_after,
            run_id=run.run_id,
            statistic=result.statistic,
            observed=result.observed,
            status=result.status,
        )  # fmt: skip
        for run, result in rows
    ]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def replay_thresholds(
    days: Sequence[RecordedDay], *, warn: float | None, fail: float | None
) -> list[ReplayedDay]:
    """Each day's recorded statistic graded with ``warn``/``fail``; a day without one keeps its status."""
    replayed = []
    for day in days:
        statistic = _number(day.statistic)
        status = day.status if statistic is None else grade(statistic, warn=warn, fail=fail).value
        replayed.append(ReplayedDay(day=day, status=status, statistic=statistic))
    return replayed


def replay_band(days: Sequence[RecordedDay], check: Anomaly) -> list[ReplayedDay]:
    """Each day graded against the band learned from the earlier days the replay passed (``NO_BASELINE``
    while there are fewer than ``min_history``)."""
    training: list[tuple[datetime, float]] = []
    replayed = []
    for day in days:
        value = _number(day.observed)
        if value is None or day.when is None:
            replayed.append(ReplayedDay(day=day, status=day.status))
            continue
        band = learn_band(
            training,
            day.when,
            seasonality=check.seasonality,
            min_history=check.min_history,
            window=check.window,
        )
        if isinstance(band, str):
            replayed.append(ReplayedDay(day=day, status=Status.NO_BASELINE.value, how=band))
        else:
            statistic = check.statistic(value, band)
            status = grade(statistic, warn=check.warn, fail=check.fail).value
            how = band.describe(check.warn, check.fail)
            replayed.append(ReplayedDay(day=day, status=status, statistic=statistic, how=how))
        if replayed[-1].status in (Status.PASSED.value, Status.NO_BASELINE.value):
            training.append((day.when, value))
    return replayed


def count_incidents(statuses: Iterable[str]) -> int:
    """Incidents the statuses would open: consecutive days that do not pass are one incident (it stays open,
    repeats and escalations attach to it) and a passing day resolves it."""
    incidents, open_now = 0, False
    for status in statuses:
        failing = status in _NOT_PASSING
        if failing and not open_now:
            incidents += 1
        open_now = failing
    return incidents


def summarise(statuses: Sequence[str]) -> dict[str, int]:
    """``{"days", "warned", "failed", "errored", "incidents"}``."""
    counts = Counter(statuses)
    return {
        "days": len(statuses),
        "warned": counts[Status.WARNED.value],
        "failed": counts[Status.FAILED.value],
        "errored": counts[Status.ERRORED.value],
        "incidents": count_incidents(statuses),
    }


def backtest(
    days: Sequence[RecordedDay],
    *,
    warn: float | None,
    fail: float | None,
    band: bool = False,
    seasonality: str = "none",
    direction: str = "both",
    min_history: int = 7,
    window: int = 60,
    ignore_small_changes: float = 0.0,
) -> dict[str, Any]:
    """Replay ``days`` under ``warn``/``fail`` (with ``band``: sensitivities of a learned band with these
    settings): ``{"days": [...], "recorded": summary, "replayed": summary}`` for the CLI, the API and the
    report page. Bad settings raise :class:`InputError` naming them."""
    from airflow_mlops.core.checks import check_thresholds

    if band:  # the quantity is the recorded observed value: only the band settings matter
        check = Anomaly(
            "row_count", warn=warn, fail=fail, seasonality=seasonality, direction=direction,
            min_history=min_history, window=window, ignore_small_changes=ignore_small_changes,
        )  # fmt: skip
        replayed = replay_band(days, check)
    else:
        check_thresholds("backtest", warn, fail)
        replayed = replay_thresholds(days, warn=warn, fail=fail)
    return {
        "days": [
            {
                "date": d.day.when.isoformat(timespec="minutes") if d.day.when else "",
                "run_id": d.day.run_id,
                "observed": d.day.observed,
                "statistic": d.statistic,
                "recorded": d.day.status,
                "replayed": d.status,
                "how": d.how,
            }
            for d in replayed
        ],
        "recorded": summarise([d.status for d in days]),
        "replayed": summarise([d.status for d in replayed]),
    }
