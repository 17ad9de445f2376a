"""Column, column-pair and multicolumn map expectations, by the pandas operations of GX's metrics.

Each condition returns GX's *unexpected* mask (``~meets_expectation``) over the column's domain (its
non-null values, unless the metric keeps nulls); counts, samples and their order follow from it as in
GX's ``_pandas_*_map_condition_*`` helpers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from airflow_mlops.core.native._base import (
    Decline,
    Format,
    NativeResult,
    bounds_of,
    check_keys,
    is_number,
    map_output,
    map_success,
    mostly_of,
)
from airflow_mlops.core.native._frame import Frame

__all__ = ["MAP_EVALUATORS"]

_Condition = Callable[[Any, Any], Any]
_COLUMN = ("column", "mostly")
_SCALAR = (str, int, float, bool, type(None))


def _column_map(
    frame: Frame, kwargs: Mapping[str, Any], fmt: Format, condition: _Condition, *, keep_nulls: bool = False
) -> NativeResult:
    """A column map expectation: ``condition(domain, whole_column)`` gives the unexpected mask."""
    import numpy as np

    name = frame.column(kwargs)
    mostly = mostly_of(kwargs)
    column = frame.series(name)
    domain = column if keep_nulls else frame.nonnull(name)
    unexpected = condition(domain, column)
    count = int(np.count_nonzero(unexpected))
    values: list[Any] | None = None
    if fmt.needs_values:  # GX: domain[unexpected == True][:limit]
        values = list(domain[unexpected == True][: fmt.limit]) if count else []  # noqa: E712
    total = frame.rows
    if keep_nulls:  # expect_column_values_to_(not_)be_null: no missing count, all rows considered
        success = True if total == 0 else (total - count) / total >= mostly
        return map_output(
            fmt, success=success, element_count=total, nonnull_count=None, unexpected_count=count,
            unexpected_list=values,
        )  # fmt: skip
    nonnull = total - frame.nulls(name)[1]
    success = map_success(considered=nonnull, total=total, unexpected=count, mostly=mostly)
    return map_output(
        fmt, success=success, element_count=total, nonnull_count=nonnull, unexpected_count=count,
        unexpected_list=values,
    )  # fmt: skip


def _not_null(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    """``column_values.nonnull`` (nulls kept): unexpected is ``column.isnull()``."""
    check_keys(kwargs, _COLUMN, ("column",))
    mask = frame.nulls(frame.column(kwargs))[0]
    return _column_map(frame, kwargs, fmt, lambda _, __: mask, keep_nulls=True)


def _null(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    check_keys(kwargs, _COLUMN, ("column",))
    mask = frame.nulls(frame.column(kwargs))[0]
    return _column_map(frame, kwargs, fmt, lambda _, __: ~mask, keep_nulls=True)


def _between(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    """``column_values.between``: GX's vectorized path (int64, float64, datetime64[ns]) only."""
    import pandas as pd

    check_keys(kwargs, (*_COLUMN, "min_value", "max_value", "strict_min", "strict_max"), ("column",))
    low, high, strict_min, strict_max = bounds_of(kwargs)
    if low is None and high is None:
        raise Decline("min_value and max_value cannot both be None")
    dtype = frame.series(frame.column(kwargs)).dtype
    numeric = is_number(high if low is None else low)  # bounds_of: both of one type
    if dtype in (int, float):  # GX's vectorized path
        if not numeric:
            raise Decline("timestamp bounds on a numeric column")
    elif pd.api.types.is_datetime64_dtype(dtype):  # vectorized (ns) or value by value: the same result
        if numeric:
            raise Decline("numeric bounds on a datetime column")
    else:
        raise Decline(f"GX compares {dtype} values one by one")

    def condition(column: Any, _: Any) -> Any:
        above = True if low is None else (low < column if strict_min else low <= column)
        below = True if high is None else (column < high if strict_max else column <= high)
        meets = below if low is None else above if high is None else above & below
        return ~meets

    return _column_map(frame, kwargs, fmt, condition)


def _value_set(kwargs: Mapping[str, Any]) -> list[Any]:
    values = kwargs.get("value_set")
    if not isinstance(values, list | set | tuple) or not values:
        raise Decline("value_set must be a non-empty list")
    if not all(isinstance(v, _SCALAR) for v in values):
        raise Decline("value_set holds non-scalar values")
    return list(values)


def _in_set(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    check_keys(kwargs, (*_COLUMN, "value_set"), ("column",))
    values = _value_set(kwargs)
    return _column_map(frame, kwargs, fmt, lambda column, _: ~column.isin(values))


def _not_in_set(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    import pandas as pd

    check_keys(kwargs, (*_COLUMN, "value_set"), ("column",))
    values = _value_set(kwargs)
    if pd.api.types.is_datetime64_any_dtype(frame.series(frame.column(kwargs))):
        raise Decline("GX parses the value set for datetime columns")
    return _column_map(frame, kwargs, fmt, lambda column, _: ~(~column.isin(values)))


def _unique(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    """``column_values.unique``: every copy of a repeated value is unexpected (``keep=False``)."""
    import numpy as np

    check_keys(kwargs, _COLUMN, ("column",))

    def condition(column: Any, _: Any) -> Any:
        counted = _repeated_integers(column)
        if counted is not None:
            return counted
        if not column.duplicated().any():  # cheaper than keep=False, and then nothing is unexpected
            return np.zeros(len(column), dtype=bool)
        return ~(~column.duplicated(keep=False))

    return _column_map(frame, kwargs, fmt, condition)


def _repeated_integers(column: Any) -> Any:
    """``column.duplicated(keep=False)`` for numpy integers in a narrow range, by counting (O(n), no hash).

    None when the column is not such a column (then pandas hashes it).
    """
    import numpy as np

    dtype = column.dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "iu" or len(column) == 0:
        return None
    values = column.to_numpy()
    low, high = int(values.min()), int(values.max())
    if high - low > 2 * len(values) + 1024:  # the counts would be larger than the column
        return None
    if values.dtype.itemsize < 8:  # small integers would overflow while being offset
        values = values.astype(np.int64)
    offsets = values if low == 0 else values - values.dtype.type(low)  # in [0, high - low]: no overflow
    offsets = offsets.astype(np.intp, copy=False)
    counts = np.bincount(offsets, minlength=high - low + 1)
    if counts.max() <= 1:
        return np.zeros(len(values), dtype=bool)
    return counts[offsets] > 1


def _regex(kwargs: Mapping[str, Any]) -> str:
    regex = kwargs.get("regex")
    if not isinstance(regex, str):
        raise Decline("regex must be a string")
    try:
        re.compile(regex)
    except re.error as exc:
        raise Decline(f"invalid regex: {exc}") from None
    return regex


def _match_regex(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    check_keys(kwargs, (*_COLUMN, "regex"), ("column", "regex"))
    regex = _regex(kwargs)
    return _column_map(frame, kwargs, fmt, lambda column, _: ~column.astype(str).str.contains(regex))


def _not_match_regex(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    check_keys(kwargs, (*_COLUMN, "regex"), ("column", "regex"))
    regex = _regex(kwargs)
    return _column_map(frame, kwargs, fmt, lambda column, _: ~(~column.astype(str).str.contains(regex)))


def _lengths_between(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    """``column_values.value_length.between`` on ``str(value)`` of the non-null values."""
    check_keys(kwargs, (*_COLUMN, "min_value", "max_value", "strict_min", "strict_max"), ("column",))
    low, high, strict_min, strict_max = bounds_of(kwargs, allow_str=False)
    if low is None and high is None:
        raise Decline("min_value and max_value cannot both be None")
    if any(b is not None and not isinstance(b, int) for b in (low, high)):
        raise Decline("lengths must be integers")
    inclusive = {(True, True): "neither", (True, False): "right", (False, True): "left"}.get(
        (strict_min, strict_max), "both"
    )

    def condition(column: Any, _: Any) -> Any:
        lengths = column.astype(str).str.len()
        if low is not None and high is not None:
            return ~lengths.between(low, high, inclusive=inclusive)
        if low is None:
            return ~(lengths < high if strict_max else lengths <= high)
        return ~(lengths > low if strict_min else lengths >= low)

    return _column_map(frame, kwargs, fmt, condition)


def _lengths_equal(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    check_keys(kwargs, (*_COLUMN, "value"), ("column", "value"))
    value = kwargs["value"]
    if not isinstance(value, int) or isinstance(value, bool):
        raise Decline("value must be an integer")
    return _column_map(frame, kwargs, fmt, lambda column, _: ~(column.astype(str).str.len() == value))


def _pair_greater(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    """``column_pair_values.a_greater_than_b`` on the rows ``ignore_row_if`` keeps."""
    check_keys(
        kwargs, ("column_A", "column_B", "or_equal", "ignore_row_if", "mostly"), ("column_A", "column_B")
    )
    names = [frame.column(kwargs, "column_A"), frame.column(kwargs, "column_B")]
    how = {"both_values_are_missing": "all", "either_value_is_missing": "any", "neither": None}
    ignore = kwargs.get("ignore_row_if", "both_values_are_missing")
    or_equal = kwargs.get("or_equal")
    if ignore not in how or not isinstance(or_equal, bool | None) or names[0] == names[1]:
        raise Decline("ignore_row_if/or_equal, or one column twice, not evaluated natively")
    data = frame.frame[names]
    data = data.dropna(axis=0, how=how[ignore], subset=names) if how[ignore] else data
    a, b = data[names[0]], data[names[1]]
    unexpected = ~(a >= b if or_equal else a > b)
    return _rows_output(frame, kwargs, fmt, data, unexpected, pairs=True)


def _compound_unique(frame: Frame, kwargs: Mapping[str, Any], fmt: Format) -> NativeResult:
    """``compound_columns.unique`` on the rows ``ignore_row_if`` keeps."""
    check_keys(kwargs, ("column_list", "ignore_row_if", "mostly"), ("column_list",))
    names = frame.columns(kwargs)
    how = {"all_values_are_missing": "all", "any_value_is_missing": "any", "never": None}
    ignore = kwargs.get("ignore_row_if", "all_values_are_missing")
    if ignore not in how or len(set(names)) != len(names):
        raise Decline("ignore_row_if not evaluated natively")
    data = frame.frame[names]
    data = data.dropna(axis=0, how=how[ignore], subset=names) if how[ignore] else data
    unexpected = ~(~data.duplicated(keep=False))
    return _rows_output(frame, kwargs, fmt, data, unexpected, pairs=False)


def _rows_output(
    frame: Frame, kwargs: Mapping[str, Any], fmt: Format, data: Any, unexpected: Any, *, pairs: bool
) -> NativeResult:
    import numpy as np

    mostly = mostly_of(kwargs)
    count = int(np.count_nonzero(unexpected))
    values: list[Any] | None = None
    if fmt.needs_values:
        rows = data[unexpected == True] if count else data.iloc[:0]  # noqa: E712
        if pairs:
            first, second = rows.columns
            values = list(zip(rows[first].values, rows[second].values, strict=False))[: fmt.limit]
        else:
            values = rows[: fmt.limit].to_dict("records")
    considered = len(data)
    success = map_success(considered=considered, total=frame.rows, unexpected=count, mostly=mostly)
    return map_output(
        fmt, success=success, element_count=frame.rows, nonnull_count=considered, unexpected_count=count,
        unexpected_list=values,
    )  # fmt: skip


MAP_EVALUATORS: dict[str, Callable[[Frame, Mapping[str, Any], Format], NativeResult]] = {
    "expect_column_values_to_not_be_null": _not_null,
    "expect_column_values_to_be_null": _null,
    "expect_column_values_to_be_between": _between,
    "expect_column_values_to_be_in_set": _in_set,
    "expect_column_values_to_not_be_in_set": _not_in_set,
    "expect_column_values_to_be_unique": _unique,
    "expect_column_values_to_match_regex": _match_regex,
    "expect_column_values_to_not_match_regex": _not_match_regex,
    "expect_column_value_lengths_to_be_between": _lengths_between,
    "expect_column_value_lengths_to_equal": _lengths_equal,
    "expect_column_pair_values_a_to_be_greater_than_b": _pair_greater,
    "expect_compound_columns_to_be_unique": _compound_unique,
}
