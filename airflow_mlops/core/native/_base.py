"""What every native evaluator shares: declining, result formats, GX's map output and its ``between``.

The native engine returns GX's own raw result (``{"success": ..., "result": {...}}``), built by the
same pandas operations GX's pandas metrics run, so that :mod:`airflow_mlops.core.gx` turns it into a
:class:`~airflow_mlops.core.results.CheckResult` exactly as it turns GX's.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MAX_DISTINCT_VALUES",
    "MAX_RESULT_RECORDS",
    "Decline",
    "Format",
    "NativeResult",
    "check_keys",
    "is_number",
    "bounds_of",
    "map_output",
    "map_success",
    "metric_between",
    "mostly_of",
]

#: GX's ``great_expectations.constants``: at most this many unexpected values are ever collected
MAX_RESULT_RECORDS = 200
#: and at most this many distinct values are listed by the ``expect_column_distinct_values_*`` types
MAX_DISTINCT_VALUES = 20
_PARTIAL_UNEXPECTED_COUNT = 20


class Decline(Exception):
    """The native engine does not evaluate this expectation (configuration or data): GX does."""


@dataclass(frozen=True)
class NativeResult:
    """GX's ``ExpectationValidationResult`` in the shape :func:`airflow_mlops.core.gx._convert` reads."""

    success: bool
    result: Mapping[str, Any] = field(default_factory=dict)
    exception_info: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Format:
    """A GX result format given by name, as GX's ``parse_result_format`` expands it."""

    name: str

    @property
    def limit(self) -> int:
        """How many unexpected values GX's metrics collect."""
        return (
            MAX_RESULT_RECORDS
            if self.name == "COMPLETE"
            else min(_PARTIAL_UNEXPECTED_COUNT, MAX_RESULT_RECORDS)
        )

    @property
    def needs_values(self) -> bool:
        return self.name != "BOOLEAN_ONLY"


def check_keys(kwargs: Mapping[str, Any], allowed: Sequence[str], required: Sequence[str] = ()) -> None:
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise Decline(f"argument(s) {', '.join(unknown)} not evaluated natively")
    missing = [k for k in required if kwargs.get(k) is None]
    if missing:
        raise Decline(f"argument(s) {', '.join(missing)} missing")


def is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and not (isinstance(value, float) and math.isnan(value))
    )


def mostly_of(kwargs: Mapping[str, Any]) -> float:
    mostly = kwargs.get("mostly", 1.0)
    if mostly is None:
        return 1.0
    if not is_number(mostly) or not 0 <= mostly <= 1:
        raise Decline("mostly must be a number between 0 and 1")
    return float(mostly)


def _mostly_success(considered: int, unexpected: int, mostly: float) -> bool:
    return (float(considered) - float(unexpected)) / float(considered) >= mostly


def _counts(unexpected_list: list[Any]) -> list[dict[str, Any]] | None:
    """GX's ``partial_unexpected_counts``; None where GX's sort raises (mixed types)."""
    values = (
        [tuple(item.values()) for item in unexpected_list]
        if unexpected_list and isinstance(unexpected_list[0], dict)
        else unexpected_list
    )
    try:
        ranked = sorted(Counter(values).most_common(_PARTIAL_UNEXPECTED_COUNT), key=lambda x: (-x[1], x[0]))
    except TypeError:
        return None
    return [{"value": key, "count": value} for key, value in ranked]


def map_output(
    fmt: Format,
    *,
    success: bool,
    element_count: int,
    nonnull_count: int | None,
    unexpected_count: int,
    unexpected_list: list[Any] | None,
) -> NativeResult:
    """GX's ``_format_map_output`` for a result format given by name (no index lists: we keep none)."""
    if fmt.name == "BOOLEAN_ONLY":
        return NativeResult(success=success)
    missing_count = None if nonnull_count is None else element_count - nonnull_count
    percent_total = percent_nonmissing = missing_percent = None
    if element_count > 0:
        percent_total = unexpected_count / element_count * 100
        if missing_count is not None:
            missing_percent = missing_count / element_count * 100
            percent_nonmissing = unexpected_count / nonnull_count * 100 if nonnull_count else None
        else:
            percent_nonmissing = percent_total
    result: dict[str, Any] = {
        "element_count": element_count,
        "unexpected_count": unexpected_count,
        "unexpected_percent": percent_nonmissing,
    }
    if unexpected_list is not None:
        result["partial_unexpected_list"] = unexpected_list[:_PARTIAL_UNEXPECTED_COUNT]
    if missing_count is not None:
        result.update(
            missing_count=missing_count,
            missing_percent=missing_percent,
            unexpected_percent_total=percent_total,
            unexpected_percent_nonmissing=percent_nonmissing,
        )
    if fmt.name != "BASIC" and unexpected_list is not None:
        counts = _counts(unexpected_list)
        if counts is not None:
            result["partial_unexpected_counts"] = counts
    if fmt.name == "COMPLETE" and unexpected_list is not None:
        result["unexpected_list"] = unexpected_list
    return NativeResult(success=success, result=result)


def map_success(*, considered: int, total: int, unexpected: int, mostly: float) -> bool:
    """GX's map expectations: vacuously true on no rows (or no rows considered), else ``mostly``."""
    if total == 0 or considered == 0:
        return True
    return _mostly_success(considered, unexpected, mostly)


#: pydantic v1's datetime format, the one GX's ``Comparable`` bounds are parsed with (no time zone here)
_DATETIME = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6})\d{0,6})?)?$"
)


def _bound(value: Any, allow_str: bool) -> Any:
    """A bound as GX's model holds it: a number, or a string parsed as pydantic parses a datetime."""
    import datetime

    if value is None:
        return None
    if is_number(value):
        if isinstance(value, int) and abs(value) > 2**53:
            raise Decline("GX holds integer bounds as floats")
        return value
    match = _DATETIME.match(value) if allow_str and isinstance(value, str) else None
    if match is None:
        raise Decline("bounds must be numbers or 'YYYY-MM-DD HH:MM[:SS]' timestamps")
    year, month, day, hour, minute, second, microsecond = match.groups()
    try:
        return datetime.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
            int((microsecond or "0").ljust(6, "0")),
        )  # fmt: skip
    except ValueError as exc:
        raise Decline(f"bound is not a timestamp: {exc}") from None


def bounds_of(kwargs: Mapping[str, Any], *, allow_str: bool = True) -> tuple[Any, Any, bool, bool]:
    """``min_value``, ``max_value``, ``strict_min``, ``strict_max``, declined unless plain and ordered."""
    low, high = _bound(kwargs.get("min_value"), allow_str), _bound(kwargs.get("max_value"), allow_str)
    if low is not None and high is not None:
        if is_number(low) != is_number(high):
            raise Decline("bounds of different types")
        if low > high:
            raise Decline("min_value > max_value")
    strict = (kwargs.get("strict_min"), kwargs.get("strict_max"))
    if any(s is not None and not isinstance(s, bool) for s in strict):
        raise Decline("strict_min/strict_max must be booleans")
    return low, high, bool(strict[0]), bool(strict[1])


def metric_between(value: Any, kwargs: Mapping[str, Any]) -> NativeResult:
    """GX's ``Expectation._validate_metric_value_between`` on an aggregate metric's value."""
    import datetime

    import pandas as pd

    low, high, strict_min, strict_max = bounds_of(kwargs)
    if value is None:
        return NativeResult(success=False, result={"observed_value": value})
    if not isinstance(value, datetime.datetime) and pd.isnull(value):
        return NativeResult(success=False, result={"observed_value": None})
    try:
        above = True if low is None else (value > low if strict_min else value >= low)
        below = True if high is None else (value < high if strict_max else value <= high)
        success = bool(above and below)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Decline(f"cannot compare: {exc}") from None
    return NativeResult(success=success, result={"observed_value": value})
