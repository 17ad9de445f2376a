"""The profile model: :class:`ColumnProfile`, :class:`DatasetProfile`, their JSON-safe dicts and the checks
on reading them back (see :mod:`airflow_mlops.core.profile` for the exact definitions)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow_mlops.exceptions import InputError

__all__ = [
    "DISCRETE_VALUES",
    "DTYPES",
    "HIST_STEP",
    "MAX_NEW_CATEGORIES",
    "QUANTILE_POINTS",
    "ColumnKind",
    "ColumnProfile",
    "DatasetProfile",
    "check_top_k",
    "is_value_binned",
    "quantile_probabilities",
]

ColumnKind = Literal["numeric", "categorical"]

#: Number of points of the quantile sketch (p = 0.00, 0.01, ..., 1.00).
QUANTILE_POINTS = 101
#: Histogram edges are the quantiles at every ``HIST_STEP``-th point: p = 0, 0.05, ..., 1 (≤ 20 bins).
HIST_STEP = 5
#: A numeric column with at most this many distinct finite values is binned by value (one bin per value):
#: counts, PSI/chi-square/JS, KS and Wasserstein are then exact. More distinct values: quantile bins.
DISCRETE_VALUES = 50
#: At most this many unseen categories are listed in ``new_categories``.
MAX_NEW_CATEGORIES = 10
#: Logical column types and their kinds.
DTYPES: dict[str, ColumnKind] = {
    "int64": "numeric",
    "float64": "numeric",
    "datetime": "numeric",
    "timedelta": "numeric",
    "bool": "categorical",
    "string": "categorical",
}
_PROFILE_VERSION = 1


def quantile_probabilities() -> list[float]:
    """The probabilities of the quantile sketch: ``[i / 100 for i in range(101)]`` (exact same floats everywhere)."""
    return [i / (QUANTILE_POINTS - 1) for i in range(QUANTILE_POINTS)]


@dataclass(frozen=True, kw_only=True)
class ColumnProfile:
    """The profile of one column; see the module documentation for the exact definitions.

    :param count: non-null values (including ``±inf``).
    :param inf_count: ``±inf`` values, numeric columns only; excluded from the statistics.
    :param top: categorical: the most frequent values and their counts, most frequent first. With a
        reference, exactly the reference's categories in the reference's order (some may count 0).
    :param other_count: categorical: non-null values not in ``top``.
    :param distinct_count: categorical: number of distinct non-null values; ``None`` for numeric columns.
    :param new_categories: categorical, profiled with a reference: up to 10 values absent from the
        reference's ``top``, most frequent first.
    :param own_edges: numeric, profiled with a reference whose edges differ from the column's own: the
        column's own histogram edges and ``own_counts`` its exact counts on them; both empty when
        ``hist_edges`` are its own (``own_counts`` is never empty otherwise: ``[count]`` with no edges).
    """

    name: str
    kind: ColumnKind
    dtype: str
    count: int
    null_count: int
    inf_count: int = 0
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: list[float] = field(default_factory=list)
    hist_edges: list[float] = field(default_factory=list)
    hist_counts: list[int] = field(default_factory=list)
    own_edges: list[float] = field(default_factory=list)
    own_counts: list[int] = field(default_factory=list)
    top: dict[str, int] = field(default_factory=dict)
    other_count: int = 0
    distinct_count: int | None = None
    new_categories: list[str] = field(default_factory=list)

    @property
    def null_rate(self) -> float:
        rows = self.count + self.null_count
        return self.null_count / rows if rows else 0.0

    @property
    def finite_count(self) -> int:
        """Values that enter min/max/mean/std/quantiles: non-null and not ``±inf``."""
        return self.count - self.inf_count

    def own_histogram(self) -> tuple[list[float], list[int]]:
        """The histogram on the column's own edges (as profiled without a reference): exact counts."""
        if self.own_counts:
            return list(self.own_edges), list(self.own_counts)
        return list(self.hist_edges), list(self.hist_counts)

    def value_counts(self) -> tuple[list[float], list[int]] | None:
        """A discrete column's exact ``(values, counts)`` of its finite values, from its own histogram;
        ``None`` for a column binned on quantiles or holding ``±inf`` (its end bins would mix them in)."""
        edges, counts = self.own_histogram()
        if self.kind != "numeric" or self.inf_count or not is_value_binned(edges):
            return None
        return edges[:-1], counts

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (no NaN). ``top`` is a list of ``[label, count]`` pairs: order survives ``jsonb``."""
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "dtype": self.dtype,
            "count": self.count,
            "null_count": self.null_count,
        }
        if self.kind == "numeric":
            data.update(
                inf_count=self.inf_count,
                min=_finite_or_none(self.min),
                max=_finite_or_none(self.max),
                mean=_finite_or_none(self.mean),
                std=_finite_or_none(self.std),
                quantiles=list(self.quantiles),
                hist_edges=list(self.hist_edges),
                hist_counts=list(self.hist_counts),
            )
            if self.own_counts:
                data.update(own_edges=list(self.own_edges), own_counts=list(self.own_counts))
        else:
            data.update(
                top=[[label, n] for label, n in self.top.items()],
                other_count=self.other_count,
                distinct_count=self.distinct_count,
                new_categories=list(self.new_categories),
            )
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnProfile:
        """Read what :meth:`to_dict` wrote; raises :class:`InputError` naming the column and the bad field."""
        name = data.get("name")
        if not isinstance(name, str):
            raise InputError(f"column profile {dict(data)!r:.200} has no 'name' string; it is not a profile.")
        try:
            kind = data["kind"]
            if kind not in ("numeric", "categorical"):
                raise InputError(
                    f"column profile '{name}': kind={kind!r} is neither 'numeric' nor 'categorical'."
                )
            common: dict[str, Any] = {
                "name": name,
                "kind": kind,
                "dtype": str(data["dtype"]),
                "count": int(data["count"]),
                "null_count": int(data["null_count"]),
            }
            if kind == "numeric":
                profile = cls(
                    **common,
                    inf_count=int(data.get("inf_count", 0)),
                    min=_float_or_none(data.get("min")),
                    max=_float_or_none(data.get("max")),
                    mean=_float_or_none(data.get("mean")),
                    std=_float_or_none(data.get("std")),
                    quantiles=[float(v) for v in data.get("quantiles", [])],
                    hist_edges=[float(v) for v in data.get("hist_edges", [])],
                    hist_counts=[int(v) for v in data.get("hist_counts", [])],
                    own_edges=[float(v) for v in data.get("own_edges", [])],
                    own_counts=[int(v) for v in data.get("own_counts", [])],
                )
            else:
                top = data.get("top", [])
                pairs = top.items() if isinstance(top, Mapping) else top
                distinct = data.get("distinct_count")
                profile = cls(
                    **common,
                    top={str(label): int(n) for label, n in pairs},
                    other_count=int(data.get("other_count", 0)),
                    distinct_count=None if distinct is None else int(distinct),
                    new_categories=[str(v) for v in data.get("new_categories", [])],
                )
        except InputError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"column profile '{name}' is malformed ({type(exc).__name__}: {exc}); recompute the profile."
            ) from None
        if profile.kind == "numeric" and len(profile.hist_counts) != max(len(profile.hist_edges) - 1, 1):
            raise InputError(
                f"column profile '{name}' has {len(profile.hist_counts)} histogram counts for "
                f"{len(profile.hist_edges)} edges; recompute the profile."
            )
        if profile.own_counts and len(profile.own_counts) != max(len(profile.own_edges) - 1, 1):
            raise InputError(
                f"column profile '{name}' has {len(profile.own_counts)} own histogram counts for "
                f"{len(profile.own_edges)} own edges; recompute the profile."
            )
        return profile


@dataclass(frozen=True, kw_only=True)
class DatasetProfile:
    """The profile of a table: its row count and one :class:`ColumnProfile` per column, in column order."""

    row_count: int
    columns: dict[str, ColumnProfile]

    @property
    def schema(self) -> dict[str, str]:
        """``{column name: logical dtype}``, in column order."""
        return {name: column.dtype for name, column in self.columns.items()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of a few KB per column whatever the data size (columns as a list, in order)."""
        return {
            "version": _PROFILE_VERSION,
            "row_count": self.row_count,
            "columns": [column.to_dict() for column in self.columns.values()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DatasetProfile:
        if not isinstance(data, Mapping) or "columns" not in data or "row_count" not in data:
            raise InputError(
                f"{type(data).__name__} is not a dataset profile (no 'row_count'/'columns'); pass what "
                "DatasetProfile.to_dict() returned."
            )
        version = data.get("version", _PROFILE_VERSION)
        if version != _PROFILE_VERSION:
            raise InputError(
                f"dataset profile version {version!r} is not supported (expected {_PROFILE_VERSION}); "
                "recompute the baseline profile."
            )
        raw = data["columns"]
        items = list(raw.values()) if isinstance(raw, Mapping) else list(raw)
        columns = [ColumnProfile.from_dict(item) for item in items]
        return cls(row_count=int(data["row_count"]), columns={c.name: c for c in columns})


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _float_or_none(value: Any) -> float | None:
    return None if value is None else _finite_or_none(float(value))


def check_top_k(top_k: int) -> None:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise InputError(f"top_k={top_k!r} must be a positive integer (the number of categories kept).")


def is_value_binned(edges: Sequence[float]) -> bool:
    """Edges of a discrete column (its distinct values, the last repeated): bin ``i`` holds value ``edges[i]``."""
    return len(edges) >= 2 and edges[-1] == edges[-2]
