"""Table and column aggregate expectations, by the pandas operations of GX's aggregate metrics."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Mapping
from typing import Any

from airflow_mlops.core.native._base import (
    MAX_DISTINCT_VALUES,
    Decline,
    Format,
    NativeResult,
    check_keys,
    is_number,
    metric_between,
)
from airflow_mlops.core.native._frame import Frame

__all__ = ["AGGREGATE_EVALUATORS"]

_BETWEEN = ("min_value", "max_value", "strict_min", "strict_max")
_SCALAR = (str, int, float, bool, type(None))


def _integer(kwargs: Mapping[str, Any], key: str) -> int:
    value = kwargs.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Decline(f"{key} must be an integer")
    return value


def _numeric_bounds(kwargs: Mapping[str, Any], *, integers: bool = False) -> None:
    """Bounds GX's model holds as numbers (``float``; ``int`` for row counts, which pydantic truncates)."""
    for key in ("min_value", "max_value"):
        value = kwargs.get(key)
        if value is not None and (not is_number(value) or (integers and not isinstance(value, int))):
            raise Decline(f"{key} must be {'an integer' if integers else 'a number'}")


def _row_count_equal(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    check_keys(kwargs, ("value",), ("value",))
    value = _integer(kwargs, "value")
    return NativeResult(success=frame.rows == value, result={"observed_value": frame.rows})


def _row_count_between(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    check_keys(kwargs, _BETWEEN)
    _numeric_bounds(kwargs, integers=True)
    return metric_between(frame.rows, kwargs)


def _table_columns(frame: Frame) -> list[Any]:
    columns = list(frame.frame.columns)
    if not all(isinstance(c, str) for c in columns):
        raise Decline("column names that are not strings")
    return columns


def _column_count_equal(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    check_keys(kwargs, ("value",), ("value",))
    value = _integer(kwargs, "value")
    count = len(_table_columns(frame))
    return NativeResult(success=count == value, result={"observed_value": count})


def _column_count_between(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    check_keys(kwargs, ("min_value", "max_value"))  # GX's model has no strict_min/strict_max here
    _numeric_bounds(kwargs)
    return metric_between(len(_table_columns(frame)), kwargs)


def _string_list(kwargs: Mapping[str, Any], key: str) -> list[str]:
    values = kwargs.get(key)
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise Decline(f"{key} must be a list of strings")
    return values


def _columns_match_set(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    """``expect_table_columns_to_match_set`` on pandas (GX's ``_validate_result``)."""
    check_keys(kwargs, ("column_set", "exact_match"), ("column_set",))
    expected = set(_string_list(kwargs, "column_set"))
    exact = kwargs.get("exact_match", True)
    if not isinstance(exact, bool):
        raise Decline("exact_match must be a boolean")
    actual = set(_table_columns(frame))
    unexpected, missing = sorted(actual - expected), sorted(expected - actual)
    observed = sorted(str(c) for c in actual)
    if not unexpected and not missing:
        return NativeResult(success=True, result={"observed_value": observed})
    mismatched = {k: v for k, v in (("unexpected", unexpected), ("missing", missing)) if v}
    result = {"observed_value": observed, "details": {"mismatched": mismatched}}
    return NativeResult(success=not exact and not missing, result=result)


def _columns_match_list(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    check_keys(kwargs, ("column_list",), ("column_list",))
    expected = _string_list(kwargs, "column_list")
    actual = _table_columns(frame)
    return NativeResult(success=actual == expected, result={"observed_value": actual})


def _kind(frame: Frame, name: str) -> str:
    return str(frame.series(name).dtype.kind) if hasattr(frame.series(name).dtype, "kind") else "O"


def _statistic(
    compute: Callable[[Frame, str], Any], kinds: str, *, numeric_bounds: bool = False
) -> Callable[[Frame, Mapping[str, Any], Format], NativeResult]:
    """An aggregate ``*_to_be_between`` expectation on a statistic of the column's dtype kinds.

    :param numeric_bounds: GX's model takes numbers only (no timestamps) for the bounds.
    """

    def evaluate(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
        check_keys(kwargs, ("column", *_BETWEEN), ("column",))
        if numeric_bounds:
            _numeric_bounds(kwargs)
        name = frame.column(kwargs)
        if _kind(frame, name) not in kinds:
            raise Decline(f"dtype {frame.series(name).dtype} not evaluated natively")
        try:
            value = compute(frame, name)
        except (TypeError, ValueError) as exc:
            raise Decline(f"pandas cannot compute it: {exc}") from None
        return metric_between(value, kwargs)

    return evaluate


def _unique_proportion(frame: Frame, name: str) -> Any:
    """GX's ``unique_proportion``: distinct non-null values over non-null values, 0 when none."""
    total, nulls = frame.rows, frame.nulls(name)[1]
    distinct = frame.series(name).nunique()
    return distinct / (total - nulls) if total > 0 and total != nulls else 0


def _quantile_ranges(kwargs: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
    ranges = kwargs.get("quantile_ranges")
    if not isinstance(ranges, Mapping) or set(ranges) != {"quantiles", "value_ranges"}:
        raise Decline("quantile_ranges must hold quantiles and value_ranges")
    quantiles, value_ranges = ranges["quantiles"], ranges["value_ranges"]
    if not isinstance(quantiles, list) or not isinstance(value_ranges, list) or not quantiles:
        raise Decline("quantiles and value_ranges must be lists")
    if len(quantiles) != len(value_ranges) or not all(is_number(q) and 0 <= q <= 1 for q in quantiles):
        raise Decline("quantiles must be numbers in [0, 1], one range each")
    for pair in value_ranges:
        if not isinstance(pair, list) or len(pair) != 2 or not all(v is None or is_number(v) for v in pair):
            raise Decline("each value range must be [low, high]")
    return quantiles, value_ranges


def _isclose(a: Any, b: Any, rtol: float) -> bool:
    import numpy as np

    return bool(np.isclose(a=np.float64(a), b=np.float64(b), rtol=rtol, atol=1.0e-8, equal_nan=False))


def _quantiles(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    """``expect_column_quantile_values_to_be_between``: ``Series.quantile`` (``nearest`` unless told)."""
    import numpy as np

    check_keys(kwargs, ("column", "quantile_ranges", "allow_relative_error"), ("column", "quantile_ranges"))
    name = frame.column(kwargs)
    quantiles, value_ranges = _quantile_ranges(kwargs)
    interpolation = kwargs.get("allow_relative_error") or "nearest"
    if (
        interpolation not in ("linear", "lower", "higher", "midpoint", "nearest")
        or _kind(frame, name) not in "iuf"
    ):
        raise Decline("allow_relative_error or dtype not evaluated natively")
    values = frame.series(name).quantile(quantiles, interpolation=interpolation).tolist()
    details = []
    for value, (low, high) in zip(values, value_ranges, strict=True):
        low, high = -np.inf if low is None else low, np.inf if high is None else high
        details.append(
            value is not None
            and (_isclose(value, low, 1.0e-4) or _isclose(value, high, 1.0e-4) or low <= value <= high)
        )
    observed = {"quantiles": quantiles, "values": values}
    return NativeResult(
        success=bool(np.all(details)),
        result={"observed_value": observed, "details": {"success_details": details}},
    )


def _distinct(frame: Frame, kwargs: Mapping[str, Any]) -> tuple[set[Any], set[Any]]:
    """The column's distinct non-null values and the value set, as GX's pandas metrics take them."""
    import numpy as np

    check_keys(kwargs, ("column", "value_set"), ("column",))
    name = frame.column(kwargs)
    values = kwargs.get("value_set")
    if not isinstance(values, list) or not values or not all(isinstance(v, _SCALAR) for v in values):
        raise Decline("value_set must be a non-empty list of scalars")
    column_set = set(frame.series(name).dropna().unique())
    if any(isinstance(v, np.datetime64 | datetime.date) for v in column_set):
        raise Decline("GX coerces the value set to the column's dates")
    return column_set, set(values)


def _not_in_set(column_set: set[Any], expected: set[Any]) -> tuple[int, list[Any]]:
    extra = list(column_set - expected)
    with contextlib.suppress(TypeError):  # mixed types: GX keeps the set's order
        extra = sorted(extra)
    return len(column_set - expected), extra[:MAX_DISTINCT_VALUES]


def _distinct_in_set(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    count, extra = _not_in_set(*_distinct(frame, kwargs))
    result = {"observed_value": None, "unexpected_count": count, "partial_unexpected_list": extra}
    return NativeResult(success=count == 0, result=result)


def _distinct_contain_set(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    column_set, expected = _distinct(frame, kwargs)
    missing = list(expected - column_set)
    result = {"observed_value": None, "missing_count": len(missing), "partial_missing_list": missing[:20]}
    return NativeResult(success=not missing, result=result)


def _distinct_equal_set(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    column_set, expected = _distinct(frame, kwargs)
    count, extra = _not_in_set(column_set, expected)
    missing = list(expected - column_set)
    result = {
        "observed_value": None,
        "unexpected_count": count,
        "missing_count": len(missing),
        "partial_unexpected_list": extra,
        "partial_missing_list": missing[:MAX_DISTINCT_VALUES],
    }
    return NativeResult(success=count == 0 and not missing, result=result)


def _most_common_in_set(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    check_keys(kwargs, ("column", "value_set", "ties_okay"), ("column", "value_set"))
    name = frame.column(kwargs)
    values, ties_okay = kwargs.get("value_set"), kwargs.get("ties_okay")
    if not isinstance(values, list) or not values or not all(isinstance(v, _SCALAR) for v in values):
        raise Decline("value_set must be a non-empty list of scalars")
    if not isinstance(ties_okay, bool | None):
        raise Decline("ties_okay must be a boolean")
    try:
        modes = list(frame.series(name).mode().values)
        common = len(set(values).intersection(modes))
    except TypeError as exc:
        raise Decline(f"pandas cannot compute the mode: {exc}") from None
    success = common > 0 if ties_okay else len(modes) == 1 and common == 1
    return NativeResult(success=success, result={"observed_value": modes})


AGGREGATE_EVALUATORS: dict[str, Callable[[Frame, Mapping[str, Any], Format], NativeResult]] = {
    "expect_table_row_count_to_equal": _row_count_equal,
    "expect_table_row_count_to_be_between": _row_count_between,
    "expect_table_column_count_to_equal": _column_count_equal,
    "expect_table_column_count_to_be_between": _column_count_between,
    "expect_table_columns_to_match_set": _columns_match_set,
    "expect_table_columns_to_match_ordered_list": _columns_match_list,
    "expect_column_min_to_be_between": _statistic(lambda f, c: f.series(c).min(), "iufbM"),
    "expect_column_max_to_be_between": _statistic(lambda f, c: f.series(c).max(), "iufbM"),
    "expect_column_mean_to_be_between": _statistic(lambda f, c: f.series(c).mean(), "iuf"),
    "expect_column_median_to_be_between": _statistic(lambda f, c: f.nonnull(c).median(), "iuf"),
    "expect_column_sum_to_be_between": _statistic(lambda f, c: f.series(c).sum(), "iuf"),
    "expect_column_stdev_to_be_between": _statistic(
        lambda f, c: f.series(c).std(), "iuf", numeric_bounds=True
    ),
    "expect_column_proportion_of_unique_values_to_be_between": _statistic(
        _unique_proportion, "iufbMOT", numeric_bounds=True
    ),
    "expect_column_quantile_values_to_be_between": _quantiles,
    "expect_column_distinct_values_to_be_in_set": _distinct_in_set,
    "expect_column_distinct_values_to_contain_set": _distinct_contain_set,
    "expect_column_distinct_values_to_equal_set": _distinct_equal_set,
    "expect_column_most_common_value_to_be_in_set": _most_common_in_set,
}
