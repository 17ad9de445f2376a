"""The frame under validation, with what several expectations on one column share (its null mask)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow_mlops.core.native._base import Decline

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Frame", "MissingColumn"]


class MissingColumn(Decline):
    """An expectation names a column the frame does not have (GX: ``... in BatchData does not exist``)."""

    def __init__(self, column: str) -> None:
        super().__init__(f'The column "{column}" in BatchData does not exist.')
        self.column = column


class Frame:
    """A pandas DataFrame and, per column, its null mask and null count (computed once per run)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.rows = len(frame)
        self._nulls: dict[str, tuple[Any, int]] = {}

    def column(self, kwargs: Mapping[str, Any], key: str = "column") -> str:
        name = kwargs.get(key)
        if not isinstance(name, str) or not name:
            raise Decline(f"{key} must be a non-empty string")
        if name not in self.frame.columns:
            raise MissingColumn(name)
        if not self.frame.columns.is_unique and list(self.frame.columns).count(name) > 1:
            raise Decline(f"the frame has several columns named {name!r}")
        return name

    def columns(self, kwargs: Mapping[str, Any], key: str = "column_list") -> list[str]:
        names = kwargs.get(key)
        if not isinstance(names, list) or not names:
            raise Decline(f"{key} must be a non-empty list of column names")
        return [self.column({"column": name}) for name in names]

    def series(self, name: str) -> pd.Series:
        return self.frame[name]

    def nulls(self, name: str) -> tuple[Any, int]:
        """The column's ``isnull()`` mask and its count."""
        if name not in self._nulls:
            mask = self.frame[name].isnull()
            self._nulls[name] = (mask, int(mask.sum()))
        return self._nulls[name]

    def nonnull(self, name: str) -> pd.Series:
        """GX's column domain with ``filter_column_isnull``: ``df[df[column].notnull()][column]``."""
        series = self.frame[name]
        mask, count = self.nulls(name)
        return series[~mask] if count else series
