"""Anomaly bands learned from the recorded history of eligible runs. Pure Python, no Airflow, no I/O.

An :class:`Anomaly` check reads one quantity of the current profile (the row count, a column's null rate,
mean or quantile, a category's share, a model metric) and compares it with the same quantity in the
profiles of earlier eligible runs of its baseline key: the history is the store's own, so there is no
extra scan of the data. The band is robust: the median of the training values ± ``k`` robust standard
deviations (``1.4826 · MAD``, the median absolute deviation scaled to equal the standard deviation of
normal data), with ``k = warn`` and ``k = fail``. The statistic is the robust z-score
``(value − median) / (1.4826 · MAD)`` in the checked direction, graded like every other check.

Seasonality: the training values are those of the same season as the current run: its weekday
(``day_of_week``), its hour (``hour_of_day``) or its day of the month (``day_of_month``, where the last
three days of every month count from the end, so that January 31 and February 28 are both "the last
day"). ``auto`` picks the season that cuts the spread of the history the most (see :func:`detect_seasonality`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, get_args

from airflow_mlops.core.arguments import require_choice, require_int
from airflow_mlops.core.checks import BaselineCheck, grade
from airflow_mlops.core.results import CheckResult, Status, json_safe
from airflow_mlops.exceptions import InputError

if TYPE_CHECKING:
    from airflow_mlops.core.metrics import MetricsProfile
    from airflow_mlops.core.profile import DatasetProfile

__all__ = [
    "AUTO_MIN_PER_SEASON",
    "AUTO_MIN_REDUCTION",
    "DIRECTIONS",
    "HISTORY_LIMIT",
    "MAD_TO_STD",
    "MEAN_AD_TO_STD",
    "MONTH_END_DAYS",
    "QUANTITIES",
    "SEASONALITIES",
    "Anomaly",
    "Direction",
    "LearnedBand",
    "Quantity",
    "Seasonality",
    "detect_seasonality",
    "learn_band",
    "season_of",
]

Seasonality = Literal["none", "day_of_week", "hour_of_day", "day_of_month", "auto"]
Direction = Literal["up", "down", "both"]
Quantity = Literal[
    "row_count", "null_rate", "mean", "quantile", "share", "distinct_count", "lag", "metric", "statistic"
]
SEASONALITIES: tuple[str, ...] = get_args(Seasonality)
DIRECTIONS: tuple[str, ...] = get_args(Direction)
QUANTITIES: tuple[str, ...] = get_args(Quantity)
#: ``1.4826 · MAD`` estimates the standard deviation of normal data.
MAD_TO_STD = 1.4826
#: ``1.2533 · mean absolute deviation`` does too; used when more than half the values are equal (MAD = 0).
MEAN_AD_TO_STD = 1.2533
#: ``auto`` chooses a season only if it cuts the spread of the history by at least this share ...
AUTO_MIN_REDUCTION = 0.3
#: ... and every season it uses holds at least this many values.
AUTO_MIN_PER_SEASON = 3
#: Days at the end of a month that ``day_of_month`` counts from the end (-1 is the last day).
MONTH_END_DAYS = 3
#: At most this many earlier runs are read from the store to learn a band.
HISTORY_LIMIT = 400
#: Seasons per cycle: runs to read so that each season can hold ``window`` values.
_SEASONS = {"none": 1, "day_of_week": 7, "hour_of_day": 24, "day_of_month": 31, "auto": 31}
_WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
_COLUMN_QUANTITIES = frozenset({"null_rate", "mean", "quantile", "share", "distinct_count", "lag"})


def season_of(moment: datetime, seasonality: str) -> int | None:
    """The season of a moment: weekday 0-6, hour 0-23, day of month 1-28 or -3..-1 (the month's last
    three days, from the end); ``None`` for ``none``."""
    if seasonality == "day_of_week":
        return moment.weekday()
    if seasonality == "hour_of_day":
        return moment.hour
    if seasonality == "day_of_month":
        import calendar

        last = calendar.monthrange(moment.year, moment.month)[1]
        from_end = moment.day - last - 1  # -1 on the last day
        return from_end if from_end >= -MONTH_END_DAYS else moment.day
    return None


def _season_words(seasonality: str, season: int | None) -> str:
    if seasonality == "day_of_week" and season is not None:
        return _WEEKDAYS[season]
    if seasonality == "hour_of_day" and season is not None:
        return f"runs at {season:02d}:00-{season:02d}:59"
    if seasonality == "day_of_month" and season is not None:
        if season < 0:
            return "last days of a month" if season != -1 else "last days of the month (day -1)"
        return f"day {season} of a month"
    return "runs"


def _spread(values: Sequence[float], center: float) -> float:
    """The robust standard deviation: 1.4826 · MAD, or 1.2533 · mean absolute deviation when the MAD is 0."""
    deviations = [abs(v - center) for v in values]
    mad = statistics.median(deviations)
    if mad > 0:
        return MAD_TO_STD * mad
    return MEAN_AD_TO_STD * (sum(deviations) / len(deviations))


@dataclass(frozen=True, kw_only=True)
class LearnedBand:
    """What :func:`learn_band` learned: the center, the robust spread and how.

    :param center: the median of the training values.
    :param spread: the robust standard deviation (0 when every training value is the same).
    :param count: training values used.
    :param seasonality: the seasonality used (``auto`` resolved).
    :param season: the current run's season (``None`` without seasonality).
    """

    center: float
    spread: float
    count: int
    seasonality: str
    season: int | None = None
    training: list[float] = field(default_factory=list)

    def describe(self, warn: float | None, fail: float | None) -> str:
        """``median of the last 8 Mondays ± 3 MAD (warn), ± 5 MAD (fail)`` (MAD: robust stds)."""
        levels = [f"± {k:g} MAD ({name})" for name, k in (("warn", warn), ("fail", fail)) if k is not None]
        return f"median of the last {self.count} {_season_words(self.seasonality, self.season)} " + ", ".join(
            levels
        )

    def bounds(self, k: float, direction: str, floor: float) -> list[float | None]:
        """``[low, high]`` in observed units outside which the value crosses ``k`` (``None``: open side)."""
        width = max(k * self.spread, floor * abs(self.center))
        low = None if direction == "up" else self.center - width
        high = None if direction == "down" else self.center + width
        return [low, high]


def detect_seasonality(history: Sequence[tuple[datetime, float]]) -> str:
    """The season that explains the history best, or ``none``.

    For each of ``day_of_week``, ``hour_of_day`` and ``day_of_month`` whose seasons (those present) all hold
    at least ``AUTO_MIN_PER_SEASON`` values: the median over the values of their absolute deviation from
    their own season's median. The one with the smallest is chosen when it is at least
    ``AUTO_MIN_REDUCTION`` (30 %) below the same measure without seasons; otherwise ``none``.
    """
    values = [v for _, v in history]
    if len(values) < 2 * AUTO_MIN_PER_SEASON:
        return "none"
    overall = statistics.median(values)
    base = statistics.median([abs(v - overall) for v in values])
    best, best_spread = "none", base * (1 - AUTO_MIN_REDUCTION)
    for seasonality in ("day_of_week", "hour_of_day", "day_of_month"):
        groups: dict[int | None, list[float]] = {}
        for moment, value in history:
            groups.setdefault(season_of(moment, seasonality), []).append(value)
        if len(groups) < 2 or min(len(g) for g in groups.values()) < AUTO_MIN_PER_SEASON:
            continue
        within = statistics.median(
            [abs(v - statistics.median(group)) for group in groups.values() for v in group]
        )
        if within < best_spread:
            best, best_spread = seasonality, within
    return best


def learn_band(
    history: Sequence[tuple[datetime, float]],
    at: datetime | None,
    *,
    seasonality: str,
    min_history: int,
    window: int,
) -> LearnedBand | str:
    """Learn the band for a run at ``at`` from ``history`` (``(run_after, value)`` of eligible runs).

    Returns the band, or a sentence saying why there is none (too little history in the season).
    """
    usable = [(moment, value) for moment, value in history if value is not None and math.isfinite(value)]
    chosen = detect_seasonality(usable) if seasonality == "auto" else seasonality
    season = season_of(at, chosen) if at is not None and chosen != "none" else None
    if chosen != "none" and at is None:
        chosen = "none"
    training = [v for moment, v in usable if chosen == "none" or season_of(moment, chosen) == season]
    training = training[-window:]
    if len(training) < min_history:
        where = _season_words(chosen, season)
        return (
            f"only {len(training)} earlier eligible {where} in the history (min_history={min_history}): "
            "no band learned yet"
        )
    center = float(statistics.median(training))
    return LearnedBand(
        center=center,
        spread=float(_spread(training, center)),
        count=len(training),
        seasonality=chosen,
        season=season,
        training=training,
    )


def _check_number(owner: str, name: str, value: Any, *, minimum: float, integer: bool = False) -> None:
    if integer:
        require_int(f"{owner}: {name}", value, minimum=int(minimum))
        return
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if (
        number is None
        or (integer and not isinstance(number, int))
        or not math.isfinite(number)
        or number < minimum
    ):
        what = "an integer" if integer else "a finite number"
        raise InputError(f"{owner}: {name}={value!r} must be {what} >= {minimum:g}.")


@dataclass(frozen=True)
class Anomaly(BaselineCheck):
    """Alert when a quantity is outside the band learned from the history of eligible runs.

    ``Anomaly("row_count", warn=3, fail=5, seasonality="day_of_week")``: warn when today's row count is
    more than 3 robust standard deviations from the median of the same weekday's earlier eligible runs,
    fail beyond 5.

    :param quantity: ``row_count``; per ``column``: ``null_rate``, ``mean``, ``quantile`` (with ``q``, a
        multiple of 0.01), ``share`` (of category ``value``), ``distinct_count``, ``lag`` (seconds from
        the column's latest timestamp to the run's ``run_after``: the usual arrival time); ``metric``
        (with ``metric``, in a ``metrics=`` comparison); ``statistic``: the statistic of the fixed-threshold
        check ``of`` (e.g. a daily PSI), against the history of its own recorded values (``of``'s
        thresholds are not used).
    :param warn: sensitivity of the warning, in robust standard deviations (1.4826 · MAD).
    :param fail: sensitivity of the failure, likewise (``warn <= fail``; at least one).
    :param seasonality: ``none``, ``day_of_week``, ``hour_of_day``, ``day_of_month`` or ``auto``.
    :param direction: ``both``, ``up`` (only increases alert) or ``down``.
    :param min_history: training values needed (in the season); below it the ``fallback`` check runs,
        or the result is NO_BASELINE saying so.
    :param window: at most this many latest training values (in the season).
    :param ignore_small_changes: a change of at most this share of the median never alerts
        (``0.05``: within 5 %), whatever the spread; guards against an almost constant history.
    :param fallback: a fixed-threshold check of the same target used until the history is long enough.
    """

    quantity: str
    _: KW_ONLY
    column: str | None = None
    q: float | None = None
    value: str | None = None
    metric: str | None = None
    warn: float | None = None
    fail: float | None = None
    seasonality: str = "none"
    direction: str = "both"
    min_history: int = 7
    window: int = 60
    ignore_small_changes: float = 0.0
    fallback: BaselineCheck | None = None
    of: BaselineCheck | None = None
    learns_from_history: ClassVar[bool] = True

    def __post_init__(self) -> None:
        owner = f"Anomaly({self.quantity!r})"
        if self.quantity not in QUANTITIES:
            raise InputError(
                f"Anomaly: quantity={self.quantity!r} is unknown; use one of {', '.join(QUANTITIES)}."
            )
        if self.quantity in _COLUMN_QUANTITIES and (not isinstance(self.column, str) or not self.column):
            raise InputError(f"{owner}: column= must name the column; got {self.column!r}.")
        if self.quantity == "quantile" and not (
            isinstance(self.q, int | float) and not isinstance(self.q, bool) and 0 <= self.q <= 1
            and abs(self.q * 100 - round(self.q * 100)) < 1e-9
        ):  # fmt: skip
            raise InputError(
                f"{owner}: q={self.q!r} must be a multiple of 0.01 in [0, 1] (the sketch's points)."
            )
        if self.quantity == "share" and not isinstance(self.value, str):
            raise InputError(f"{owner}: value= must be the category (as a string); got {self.value!r}.")
        if self.quantity == "metric" and (not isinstance(self.metric, str) or not self.metric):
            raise InputError(f"{owner}: metric= must name the metric; got {self.metric!r}.")
        if (self.quantity == "statistic") != (self.of is not None) or (
            self.of is not None
            and (not isinstance(self.of, BaselineCheck) or getattr(self.of, "learns_from_history", False))
        ):
            raise InputError(
                f"{owner}: of= must be a fixed-threshold check (e.g. Drift('x', method='psi', fail=1)) with "
                f"quantity='statistic', and only then; got of={self.of!r}."
            )
        require_choice(f"{owner}: seasonality", self.seasonality, SEASONALITIES)
        require_choice(f"{owner}: direction", self.direction, DIRECTIONS)
        _check_number(owner, "min_history", self.min_history, minimum=2, integer=True)
        _check_number(owner, "window", self.window, minimum=2, integer=True)
        _check_number(owner, "ignore_small_changes", self.ignore_small_changes, minimum=0)
        if self.fallback is not None and (
            not isinstance(self.fallback, BaselineCheck)
            or getattr(self.fallback, "learns_from_history", False)
        ):
            raise InputError(
                f"{owner}: fallback={self.fallback!r} must be a fixed-threshold check (RowCount, ...)."
            )
        super().__post_init__()

    @property
    def history_runs(self) -> int:
        """Earlier runs' profiles to read: ``window`` per season, at most :data:`HISTORY_LIMIT`; none for
        ``quantity="statistic"``, which learns from its own recorded values instead."""
        return 0 if self.of is not None else min(self.window * _SEASONS[self.seasonality], HISTORY_LIMIT)

    @property
    def target(self) -> Literal["data", "metrics"]:  # type: ignore[override]
        if self.of is not None:
            return self.of.target
        return "metrics" if self.quantity == "metric" else "data"

    @property
    def name(self) -> str:
        subject = {
            "quantile": f"{self.column}, q={self.q:g}" if self.q is not None else str(self.column),
            "share": f"{self.column}={self.value}",
            "metric": str(self.metric),
            "row_count": "",
            "statistic": self.of.name if self.of is not None else "",
        }.get(self.quantity, str(self.column))
        return f"anomaly_{self.quantity}({subject})" if subject else f"anomaly_{self.quantity}"

    def read(self, profile: DatasetProfile | MetricsProfile, at: datetime | None = None) -> float | None:
        """The quantity in one profile (``lag``: of a run at ``at``); ``None`` where the profile lacks it
        (a missing column, no values)."""
        if self.quantity == "metric":
            return getattr(profile, "metrics", {}).get(str(self.metric))
        if self.quantity == "row_count":
            return float(profile.row_count)  # type: ignore[union-attr]
        column = profile.columns.get(str(self.column))  # type: ignore[union-attr]
        if column is None:
            return None
        if self.quantity == "null_rate":
            return column.null_rate
        if self.quantity == "mean":
            return column.mean
        if self.quantity == "quantile":
            return column.quantiles[round(float(self.q or 0) * 100)] if column.quantiles else None
        if self.quantity == "distinct_count":
            return None if column.distinct_count is None else float(column.distinct_count)
        if self.quantity == "lag":
            if at is None or column.dtype != "datetime" or column.max is None:
                return None
            return at.timestamp() - column.max
        return column.top.get(str(self.value), 0) / column.count if column.count else None

    def _evaluate(self, current: Any, baseline: Any) -> CheckResult:
        raise InputError(f"{self.name} learns from the history of runs; call evaluate_history().")

    def evaluate_history(
        self,
        current: Any,
        history: Sequence[tuple[datetime | None, Any]],
        at: datetime | None,
        *,
        baseline: Any = None,
        facts: Any = None,
    ) -> CheckResult:
        """Grade the current profile against the band learned from ``history`` (``(run_after, profile)``
        of eligible earlier runs, any order; failed, errored and overridden runs already left out).

        :param baseline: the comparison's baseline profile, for the ``fallback`` check while the history
            is too short.
        :param facts: what the operator knows besides the profile: ``statistic_history`` (``{name:
            [(run_after, value)]}`` of eligible runs) for ``quantity="statistic"``.
        """
        try:
            return self._graded_against_history(current, history, at, baseline, facts)
        except InputError as exc:
            return self.result(Status.ERRORED, message=str(exc))

    def _graded_against_history(
        self,
        current: Any,
        history: Sequence[tuple[datetime | None, Any]],
        at: datetime | None,
        baseline: Any,
        facts: Any,
    ) -> CheckResult:
        if self.of is not None:
            return self._graded_statistic(current, baseline, at, facts)
        value = self.read(current, at)
        if value is None or not math.isfinite(value):
            raise InputError(f"{self.name}: the current data has no {self.quantity} to compare.")
        series = sorted(
            ((moment, self.read(profile, moment)) for moment, profile in history if moment is not None),
            key=lambda item: item[0],
        )
        return self._against(value, series, at, current, baseline)

    def _graded_statistic(self, current: Any, baseline: Any, at: datetime | None, facts: Any) -> CheckResult:
        """``of``'s statistic today against the history of this check's recorded values of it
        (``facts["statistic_history"][name]``: ``(run_after, value)`` of eligible runs)."""
        assert self.of is not None
        if baseline is None:
            return self.result(Status.NO_BASELINE, message=f"{self.of.name} needs a baseline: none yet")
        today = self.of.evaluate(current, baseline)
        if today.status is Status.ERRORED or today.statistic is None or not math.isfinite(today.statistic):
            raise InputError(f"{self.name}: {self.of.name} could not be computed: {today.message}")
        series = list(((facts or {}).get("statistic_history") or {}).get(self.name, []))
        return self._against(float(today.statistic), series, at, current, baseline)

    def _against(
        self,
        value: float,
        series: Sequence[tuple[datetime, float | None]],
        at: datetime | None,
        current: Any,
        baseline: Any,
    ) -> CheckResult:
        """Grade ``value`` against the band learned from ``series``, or say why there is none."""
        learned = learn_band(
            [(m, v) for m, v in series if v is not None],
            at,
            seasonality=self.seasonality,
            min_history=self.min_history,
            window=self.window,
        )
        if isinstance(learned, str):
            return self._without_band(current, baseline, learned, value)
        return self._graded(value, learned)

    def _without_band(self, current: Any, baseline: Any, reason: str, value: float) -> CheckResult:
        """NO_BASELINE saying why, or the ``fallback`` check's verdict against the baseline (under this name)."""
        if self.fallback is None or baseline is None:
            return self.result(Status.NO_BASELINE, observed=json_safe(value), message=reason)
        import dataclasses

        decided = self.fallback.evaluate(current, baseline)
        return dataclasses.replace(
            decided,
            name=self.name,
            check_type=type(self).__name__,
            observed=json_safe(value),  # the quantity itself: what later runs learn from
            message=f"{reason}; fallback {self.fallback.name}: {decided.message}",
            details={**decided.details, "fallback": self.fallback.name},
        )

    def statistic(self, value: float, band: LearnedBand) -> float:
        """The robust z-score of ``value`` in the checked direction (0 within ``ignore_small_changes``)."""
        change = value - band.center
        if abs(change) <= self.ignore_small_changes * abs(band.center) or change == 0:
            return 0.0
        if (self.direction == "up" and change < 0) or (self.direction == "down" and change > 0):
            return 0.0
        return abs(change) / band.spread if band.spread > 0 else math.inf

    def _graded(self, value: float, band: LearnedBand) -> CheckResult:
        statistic = self.statistic(value, band)
        status = grade(statistic, warn=self.warn, fail=self.fail)
        how = band.describe(self.warn, self.fail)
        limits = {
            level: band.bounds(k, self.direction, self.ignore_small_changes)
            for level, k in (("warn", self.warn), ("fail", self.fail))
            if k is not None
        }
        z = "inf" if math.isinf(statistic) else f"{statistic:.2f}"
        return self.result(
            status,
            observed=json_safe(value),
            baseline=json_safe(band.center),
            statistic=statistic,
            message=f"{self.quantity} {value:.6g} vs median {band.center:.6g}: {z} robust stds ({how})",
            details={
                "band": {level: [json_safe(lo), json_safe(hi)] for level, (lo, hi) in limits.items()},
                "learned": {
                    "how": how,
                    "median": json_safe(band.center),
                    "robust_std": json_safe(band.spread),
                    "training_values": len(band.training),
                    "seasonality": band.seasonality,
                    "season": band.season,
                    "direction": self.direction,
                    "ignore_small_changes": self.ignore_small_changes,
                },
            },
        )
