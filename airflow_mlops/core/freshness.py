"""Freshness: is the data late or stale? Pure Python, no Airflow, no I/O.

The lag is measured at the run's ``run_after`` (when it became runnable: for a daily schedule, the end of
its data interval) against one of:

* ``source="column"``: the latest value of a timestamp column (the profile's max, so frames, files and
  ``SqlSource`` push-down alike, no extra scan);
* ``source="file"``: the modification time of the file the task reads (``data=`` a path);
* ``source="last_passed_run"``: the ``run_after`` of the latest eligible earlier run of the baseline key
  (how long since good data last arrived).

``warn=`` and ``fail=`` are durations (``"6h"``, ``"2d"``, a ``timedelta`` or seconds). A learned band of
the usual lag is ``Anomaly("lag", column=...)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal, get_args

from airflow_mlops.core.arguments import require_choice
from airflow_mlops.core.checks import BaselineCheck
from airflow_mlops.core.results import CheckResult, Status
from airflow_mlops.exceptions import InputError

__all__ = [
    "FRESHNESS_SOURCES",
    "Freshness",
    "FreshnessSource",
    "format_duration",
]

FreshnessSource = Literal["column", "file", "last_passed_run"]
FRESHNESS_SOURCES: tuple[str, ...] = get_args(FreshnessSource)


def _seconds(owner: str, name: str, value: Any) -> float | None:
    from airflow_mlops.core.owners import parse_duration

    if value is None:
        return None
    return parse_duration(value, where=f"{owner}: {name}").total_seconds()  # bounded: never overflows


def format_duration(seconds: float) -> str:
    """``5h 12m``, ``2d 3h``, ``45s``: the two largest units."""
    if not math.isfinite(seconds):
        return "forever"
    sign, left = ("-" if seconds < 0 else ""), int(round(abs(seconds)))
    parts: list[str] = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        if left >= size or (unit == "s" and not parts):
            parts.append(f"{left // size}{unit}")
            left %= size
    return sign + " ".join(parts[:2])


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class Freshness(BaselineCheck):
    """The data's lag behind the run: ``run_after − latest timestamp`` (see the module for the sources).

    :param column: the timestamp column (``source="column"``).
    :param source: ``column`` (default), ``file`` or ``last_passed_run``.
    :param warn: warn when the lag exceeds this duration (``"6h"``, a ``timedelta`` or seconds).
    :param fail: fail when it exceeds this one.
    """

    column: str | None = None
    _: KW_ONLY
    source: str = "column"
    warn: Any = None
    fail: Any = None
    learns_from_history: ClassVar[bool] = True

    def __post_init__(self) -> None:
        owner = f"Freshness({self.column!r})" if self.column else "Freshness"
        require_choice(f"{owner}: source", self.source, FRESHNESS_SOURCES)
        if self.source == "column" and (not isinstance(self.column, str) or not self.column):
            raise InputError(f"{owner}: column= must name the timestamp column (or use source='file').")
        object.__setattr__(self, "warn", _seconds(owner, "warn", self.warn))
        object.__setattr__(self, "fail", _seconds(owner, "fail", self.fail))
        super().__post_init__()

    @property
    def name(self) -> str:
        return f"freshness({self.column})" if self.source == "column" else f"freshness({self.source})"

    @property
    def history_runs(self) -> int:
        """Earlier runs' profiles to read: the latest eligible one for ``last_passed_run``, else none."""
        return 1 if self.source == "last_passed_run" else 0

    def _evaluate(self, current: Any, baseline: Any) -> CheckResult:
        raise InputError(f"{self.name} needs the run's time; call evaluate_history().")

    def latest(
        self, current: Any, history: Sequence[tuple[datetime | None, Any]], facts: Mapping[str, Any]
    ) -> datetime:
        """The moment the data is as fresh as; :class:`InputError` naming what is missing."""
        if self.source == "file":
            modified = facts.get("file_modified_at")
            if not isinstance(modified, datetime):
                raise InputError(f"{self.name}: the data is not a file (give data= a path, or use a column).")
            return _utc(modified)
        if self.source == "last_passed_run":
            moments = [m for m, _ in history if m is not None]
            if not moments:
                raise InputError(f"{self.name}: no earlier eligible run of this baseline key yet.")
            return _utc(max(moments))
        column = current.columns.get(str(self.column))
        if column is None:
            raise InputError(f"{self.name}: column '{self.column}' is not in the current data.")
        if column.dtype != "datetime":
            raise InputError(
                f"{self.name}: column '{self.column}' is {column.dtype}, not a timestamp column."
            )
        if column.max is None:
            raise InputError(f"{self.name}: column '{self.column}' has no timestamps (all null).")
        return datetime.fromtimestamp(column.max, tz=UTC)

    def evaluate_history(
        self,
        current: Any,
        history: Sequence[tuple[datetime | None, Any]],
        at: datetime | None,
        *,
        baseline: Any = None,
        facts: Mapping[str, Any] | None = None,
    ) -> CheckResult:
        """Grade the lag at ``at`` (the run's ``run_after``; now when the run has none)."""
        try:
            moment = _utc(at) if at is not None else datetime.now(UTC)
            latest = self.latest(current, history, facts or {})
        except InputError as exc:
            return self.result(Status.ERRORED, message=str(exc))
        lag = (moment - latest) / timedelta(seconds=1)
        limits = ", ".join(
            f"{level} {format_duration(limit)}"
            for level, limit in (("warn", self.warn), ("fail", self.fail))
            if limit is not None
        )
        return self.graded(
            max(lag, 0.0),
            observed=latest.isoformat(),
            baseline=None,
            message=f"latest {latest.isoformat()}: {format_duration(lag)} before the run ({limits})",
            details={"lag_seconds": lag, "measured_at": moment.isoformat(), "source": self.source},
        )
