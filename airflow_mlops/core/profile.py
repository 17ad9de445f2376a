"""Compact data profiles for baseline comparison, computed with pandas or inside a database.

A :class:`DatasetProfile` summarises a table in a few KB whatever its size: per column the null and
non-null counts, and

* for **numeric** columns (integers, floats; datetimes and timedeltas as epoch seconds): min, max, mean,
  sample standard deviation, a 101-point quantile sketch and a histogram of at most 20 bins;
* for **categorical** columns (strings, booleans, categories, anything else): the ``top_k`` most frequent
  values (as strings) with their counts, the count of all other values and the number of distinct values.

Profiles are compared "like with like": profile the current data with ``reference=baseline`` and every
histogram is counted on the baseline's bin edges, every categorical column on the baseline's categories.
The drift statistics of :mod:`airflow_mlops.core.drift` are computed on those aligned counts.

Definitions shared by :func:`profile_frame` and :func:`profile_sql` (the two give equal profiles):

``count``
    non-null values; NaN is null. ``±inf`` values are non-null: they are counted in ``count`` and in
    ``inf_count``, are excluded from min/max/mean/std/quantiles and fall into the open-ended first or last
    histogram bin (so ``sum(hist_counts) == count`` always holds).
``std``
    the *sample* standard deviation (``ddof=1``) of the finite values; ``None`` with fewer than two.
``quantiles``
    101 values at p = 0.00, 0.01, ..., 1.00 of the finite values, by linear interpolation between order
    statistics: index ``(n - 1) * p`` of the sorted values (numpy's default ``method="linear"``, Hyndman &
    Fan type 7, which is also the definition of SQL's ``percentile_cont``); ``[]`` when there is no finite
    value.
    ``profile_sql(quantiles="sketch")`` trades this exactness for speed on PostgreSQL: each quantile is
    within ``(max - min) / 10,000`` of it (see :func:`profile_sql`).
``hist_edges``
    without a reference: for a **discrete** column (at most ``DISCRETE_VALUES`` = 50 distinct finite
    values) its distinct values in order with the last one repeated, so that bin ``i`` holds exactly the
    value ``edges[i]`` (a constant column: ``[v, v]``); otherwise the distinct values of the quantiles at
    p = 0, 0.05, ..., 1 (at most 20 bins); ``[]`` when there is no finite value. Bin ``i`` is
    ``[edges[i], edges[i+1])``; the first bin also takes everything below ``edges[0]`` and the last bin
    everything from ``edges[-2]`` up, so counts always sum to ``count``. With no edges there is a single
    unbounded bin: ``hist_counts == [count]``.
``own_edges``, ``own_counts``
    with a reference whose edges differ from the column's own: the histogram on the column's own edges
    (as without a reference), counted in the same pass, so that the profile a run stores
    (:func:`own_binned`) has exact counts; empty otherwise.
``top``
    the ``top_k`` most frequent values by count, ties broken by the label in code-point order, labels
    are ``str(value)`` (booleans are ``"True"``/``"False"``).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from airflow_mlops.core.sql import QUANTILE_MODES, QuantileMode, split_table_name
from airflow_mlops.exceptions import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import sqlalchemy as sa

__all__ = [
    "DISCRETE_VALUES",
    "DTYPES",
    "HIST_STEP",
    "MAX_NEW_CATEGORIES",
    "QUANTILE_MODES",
    "QUANTILE_POINTS",
    "SKETCH_BINS",
    "SKETCH_DENSE_SHARE",
    "ColumnKind",
    "ColumnProfile",
    "DatasetProfile",
    "median_profile",
    "profile_frame",
    "own_binned",
    "profile_sql",
    "quantile_probabilities",
]

ColumnKind = Literal["numeric", "categorical"]

#: Number of points of the quantile sketch (p = 0.00, 0.01, ..., 1.00).
QUANTILE_POINTS = 101
#: Fine bins per numeric column of ``profile_sql(quantiles="sketch")``: quantiles within (max - min) / SKETCH_BINS.
SKETCH_BINS = 10_000
#: A column whose fine bin holds more than this share of its values in a range (``min < max``) is sorted
#: instead of sketched: the bin cannot say where those values lie (one far outlier puts nearly all of
#: them into one bin), and its quantiles and histogram would hide any change of shape. One histogram
#: bin's worth (5 %).
SKETCH_DENSE_SHARE = 0.05
#: Numeric columns per grouping-sets scan of the sketch: every set computes every column's min and max,
#: so the work per row grows with the square of this; more columns are split over more scans.
SKETCH_COLUMNS_PER_SCAN = 3
#: Categorical columns per grouping-sets scan on PostgreSQL (each set only counts: no such waste).
LABEL_COLUMNS_PER_SCAN = 8
#: At most this many connections at once come from the server's max_parallel_workers_per_gather (more only
#: with parallel=): SQLAlchemy's default pool holds 5 + 10 overflow.
MAX_SERVER_CONNECTIONS = 8
#: At most this many of the pool's connections at once besides the main one, whatever parallel= says:
#: SQLAlchemy's default pool holds 15 (more would wait for one and time out after 30 s).
MAX_POOL_CONNECTIONS = 14
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


_WORK_MEM = re.compile(r"\d+\s*(kB|MB|GB|TB)")
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")
_T = TypeVar("_T")


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


def _check_top_k(top_k: int) -> None:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise InputError(f"top_k={top_k!r} must be a positive integer (the number of categories kept).")


def _reference_column(reference: DatasetProfile | None, name: str, kind: str) -> ColumnProfile | None:
    """The reference's profile of ``name`` when it exists and has the same kind (else: bin on its own)."""
    if reference is None:
        return None
    column = reference.columns.get(name)
    return column if column is not None and column.kind == kind else None


def _edges_from_quantiles(quantiles: Sequence[float]) -> list[float]:
    if not quantiles:
        return []
    edges = sorted(set(quantiles[::HIST_STEP]))
    return edges if len(edges) > 1 else [edges[0], edges[0]]


def is_value_binned(edges: Sequence[float]) -> bool:
    """Edges of a discrete column (its distinct values, the last repeated): bin ``i`` holds value ``edges[i]``."""
    return len(edges) >= 2 and edges[-1] == edges[-2]


def _may_be_discrete(quantiles: Sequence[float]) -> bool:
    """Whether the column can have at most DISCRETE_VALUES distinct values: k values give at most 2k - 1
    distinct quantiles (each value, plus one interpolated point between two neighbours)."""
    return bool(quantiles) and len(set(quantiles)) <= 2 * DISCRETE_VALUES - 1


def _own_edges(quantiles: Sequence[float], distinct: Sequence[float] | None) -> list[float]:
    """A column's own histogram edges: by value when ``distinct`` (its sorted distinct finite values, at
    most DISCRETE_VALUES) is known, else the distinct quantiles at p = 0, 0.05, ..., 1."""
    if distinct:
        return [*distinct, distinct[-1]]
    return _edges_from_quantiles(quantiles)


def _bin_counts(values: np.ndarray, edges: Sequence[float]) -> list[int]:
    """Counts of ``values`` on bins ``[e_i, e_i+1)``, the first and last open-ended (``±inf`` included)."""
    import numpy as np

    bins = np.searchsorted(np.asarray(edges[1:-1], dtype="float64"), values, side="right")
    return [int(n) for n in np.bincount(bins, minlength=len(edges) - 1)]


def _rank(pairs: Mapping[str, int]) -> list[tuple[str, int]]:
    """Most frequent first, ties by label in code-point order (the same order as SQL ``COLLATE "C"``)."""
    return sorted(pairs.items(), key=lambda item: (-item[1], item[0]))


def _categorical_profile(
    *,
    name: str,
    dtype: str,
    count: int,
    null_count: int,
    distinct_count: int,
    counts: Mapping[str, int],
    reference: ColumnProfile | None,
    top_k: int,
) -> ColumnProfile:
    """Assemble a categorical profile from label counts.

    Without ``reference``, ``counts`` holds (at least) the ``top_k`` most frequent labels. With it, ``counts``
    holds (at least) every reference label that occurs plus the most frequent labels outside the reference.
    """
    if reference is None:
        top = dict(_rank(counts)[:top_k])
        new: list[str] = []
    else:
        top = {label: int(counts.get(label, 0)) for label in reference.top}
        outside = {label: n for label, n in counts.items() if label not in reference.top}
        new = [label for label, _ in _rank(outside)[:MAX_NEW_CATEGORIES]]
    return ColumnProfile(
        name=name,
        kind="categorical",
        dtype=dtype,
        count=count,
        null_count=null_count,
        top=top,
        other_count=count - sum(top.values()),
        distinct_count=distinct_count,
        new_categories=new,
    )


# --------------------------------------------------------------------------------------------- pandas


def _frame_dtype(series: pd.Series) -> str:
    import pandas as pd

    api = pd.api.types
    dtype = series.dtype
    if api.is_bool_dtype(dtype):
        return "bool"
    if isinstance(dtype, pd.CategoricalDtype):
        return "string"
    if api.is_integer_dtype(dtype):
        return "int64"
    if api.is_float_dtype(dtype):
        return "float64"
    if api.is_datetime64_any_dtype(dtype):
        return "datetime"
    if api.is_timedelta64_dtype(dtype):
        return "timedelta"
    if api.is_object_dtype(dtype):
        inferred = api.infer_dtype(series, skipna=True)
        return {
            "boolean": "bool",
            "integer": "int64",
            "floating": "float64",
            "mixed-integer-float": "float64",
            "decimal": "float64",
            "datetime64": "datetime",
            "datetime": "datetime",
            "date": "datetime",
            "timedelta64": "timedelta",
            "timedelta": "timedelta",
        }.get(inferred, "string")
    return "string"


def _frame_numeric_values(series: pd.Series, dtype: str) -> np.ndarray:
    """float64 values with NaN for nulls; datetimes and timedeltas as seconds (datetimes since the epoch)."""
    import numpy as np
    import pandas as pd

    if dtype == "datetime":
        stamps = pd.to_datetime(series, errors="coerce", utc=True)
        seconds = (stamps - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
        return np.asarray(seconds.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
    if dtype == "timedelta":
        seconds = pd.to_timedelta(series, errors="coerce") / pd.Timedelta(seconds=1)
        return np.asarray(seconds.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
    if series.dtype == object:
        series = pd.to_numeric(series, errors="coerce")
    return np.asarray(series.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")


def _safe_float(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def _numeric_profile_from_array(
    name: str, dtype: str, values: np.ndarray, reference: ColumnProfile | None
) -> ColumnProfile:
    import numpy as np

    null = np.isnan(values)
    nonnull = values[~null]
    infinite = np.isinf(nonnull)
    finite = nonnull[~infinite]
    count = int(nonnull.size)
    stats: dict[str, Any] = {}
    quantiles: list[float] = []
    if finite.size:
        probs = np.asarray(quantile_probabilities())
        sketch = np.quantile(finite, probs)
        if not np.isfinite(sketch).all():  # b - a overflowed: halving is exact, so scale and retry
            sketch = np.quantile(finite * 0.5, probs) * 2.0
        quantiles = [float(v) for v in sketch]
        with np.errstate(all="ignore"):
            stats = {
                "min": _safe_float(finite.min()),
                "max": _safe_float(finite.max()),
                "mean": _safe_float(finite.mean()),
                "std": _safe_float(finite.std(ddof=1)) if finite.size > 1 else None,
            }
    distinct: list[float] | None = None
    if _may_be_discrete(quantiles):
        import pandas as pd

        values = pd.unique(finite)
        if len(values) <= DISCRETE_VALUES:
            distinct = sorted(float(v) for v in values)
    own = _own_edges(quantiles, distinct)
    own_counts = _bin_counts(nonnull, own) if own else [count]
    if reference is None or list(reference.hist_edges) == own:  # one histogram, on the own edges
        edges, hist_counts, own, own_counts = own, own_counts, [], []
    else:  # the reference's, and the own one beside it
        edges = list(reference.hist_edges)
        hist_counts = _bin_counts(nonnull, edges) if edges else [count]
    return ColumnProfile(
        name=name,
        kind="numeric",
        dtype=dtype,
        count=count,
        null_count=int(null.sum()),
        inf_count=int(infinite.sum()),
        quantiles=quantiles,
        hist_edges=edges,
        hist_counts=hist_counts,
        own_edges=own,
        own_counts=own_counts,
        **stats,
    )


def _frame_label_counts(series: pd.Series, dtype: str) -> pd.Series:
    """Counts of every distinct non-null value, indexed by its string label (values printing alike merge)."""
    counts = series.value_counts(dropna=True, sort=False)
    present = counts.to_numpy() > 0
    if not present.all():  # categorical dtypes list their unused categories with 0
        counts = counts.iloc[present]
    if dtype == "bool":
        labels = counts.index.map(lambda v: "True" if bool(v) else "False")
    else:
        labels = counts.index.astype(str)
    counts = counts.set_axis(labels).astype("int64")
    if counts.index.has_duplicates:
        counts = counts.groupby(level=0, sort=False).sum()
    return counts


def _frame_top_candidates(counts: pd.Series, keep: int) -> dict[str, int]:
    """The ``keep`` first labels by (count desc, label), found without sorting millions of labels."""
    import heapq

    import numpy as np

    if len(counts) <= keep:
        return {str(label): int(n) for label, n in counts.items()}
    values = counts.to_numpy()
    threshold = np.partition(values, len(values) - keep)[len(values) - keep]  # the keep-th largest count
    above = counts[values > threshold]
    tied = heapq.nsmallest(keep - len(above), counts.index[values == threshold].tolist())
    chosen = {str(label): int(n) for label, n in above.items()}
    chosen.update({str(label): int(threshold) for label in tied})
    return chosen


def _categorical_profile_from_series(
    name: str, dtype: str, series: pd.Series, reference: ColumnProfile | None, top_k: int
) -> ColumnProfile:
    null_count = int(series.isna().sum())
    counts = _frame_label_counts(series, dtype)
    if reference is None:
        candidates = _frame_top_candidates(counts, top_k)
    else:
        known = counts.index.isin(list(reference.top))
        candidates = {str(label): int(n) for label, n in counts[known].items()}
        candidates.update(_frame_top_candidates(counts[~known], MAX_NEW_CATEGORIES))
    return _categorical_profile(
        name=name,
        dtype=dtype,
        count=len(series) - null_count,
        null_count=null_count,
        distinct_count=len(counts),
        counts=candidates,
        reference=reference,
        top_k=top_k,
    )


def profile_frame(
    frame: pd.DataFrame, *, reference: DatasetProfile | None = None, top_k: int = 50
) -> DatasetProfile:
    """Profile a pandas DataFrame with one vectorised pass per column.

    :param reference: bin like this profile (the baseline): numeric columns on its histogram edges,
        categorical columns on its categories. Columns it lacks, or where the kind differs, are binned on
        their own.
    :param top_k: categories kept per categorical column (ignored for columns binned on a reference).
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"profile_frame() needs a pandas DataFrame, got {type(frame).__name__}.")
    _check_top_k(top_k)
    names = [str(c) for c in frame.columns]
    duplicates = sorted(name for name, n in Counter(names).items() if n > 1)
    if duplicates:
        raise InputError(
            f"the DataFrame has duplicate column names {duplicates[:10]}; rename them before profiling."
        )
    columns: dict[str, ColumnProfile] = {}
    for position, name in enumerate(names):
        series = frame.iloc[:, position]
        dtype = _frame_dtype(series)
        kind = DTYPES[dtype]
        ref = _reference_column(reference, name, kind)
        if kind == "numeric":
            values = _frame_numeric_values(series, dtype)
            columns[name] = _numeric_profile_from_array(name, dtype, values, ref)
        else:
            columns[name] = _categorical_profile_from_series(name, dtype, series, ref, top_k)
    return DatasetProfile(row_count=len(frame), columns=columns)


# ------------------------------------------------------------------------------------------------ SQL


@dataclass(frozen=True, kw_only=True)
class _SqlColumn:
    name: str
    dtype: str
    kind: ColumnKind
    expr: Any  # the SQL expression of the value, before NaN/inf handling


def _sql_dtype(sql_type: Any) -> str | None:
    """The logical dtype of a SQLAlchemy type, from the Python type it maps to; ``None`` when unknown."""
    import sqlalchemy as sa

    if isinstance(sql_type, sa.types.NullType):
        return None
    try:
        python_type = sql_type.python_type
    except (NotImplementedError, AttributeError):
        return None
    if issubclass(python_type, bool):
        return "bool"
    if issubclass(python_type, int):
        return "int64"
    if issubclass(python_type, float | decimal.Decimal):
        return "float64"
    if issubclass(python_type, datetime.datetime | datetime.date):
        return "datetime"
    if issubclass(python_type, datetime.timedelta):
        return "timedelta"
    return "string"


def _sql_source(
    engine: sa.Engine, selectable: Any, columns: Mapping[str, str] | None
) -> tuple[Any, list[_SqlColumn]]:
    """The FROM clause and the profiled columns with their logical dtypes."""
    import sqlalchemy as sa

    if isinstance(selectable, str):
        schema, table_name = split_table_name(selectable)
        selectable = sa.table(table_name, schema=schema)
    if isinstance(selectable, sa.sql.expression.SelectBase):  # select(), text().columns(), union()
        selectable = selectable.subquery("profiled")
    if not isinstance(selectable, sa.FromClause):
        raise InputError(
            f"selectable={selectable!r:.100} is not a table or subquery; pass sa.table('name', schema=...), "
            "a sa.Table, or a select(...).subquery()."
        )
    is_table = isinstance(selectable, sa.TableClause)
    if columns is not None:
        unknown = {name: dtype for name, dtype in columns.items() if dtype not in DTYPES}
        if unknown:
            raise InputError(
                f"columns={unknown!r} names unknown dtypes; use one of {', '.join(DTYPES)} per column."
            )
        if is_table:
            table = cast("sa.TableClause", selectable)
            selectable = sa.table(table.name, *(sa.column(name) for name in columns), schema=table.schema)
        missing = [name for name in columns if name not in selectable.c]
        if missing:
            raise InputError(
                f"columns {missing[:10]} are not in {selectable!s:.100}; its columns are "
                f"{[c.name for c in selectable.c][:20]}."
            )
        specs = [
            _SqlColumn(name=name, dtype=dtype, kind=DTYPES[dtype], expr=selectable.c[name])
            for name, dtype in columns.items()
        ]
        return selectable, specs

    typed = [(c.name, _sql_dtype(c.type)) for c in selectable.c]
    if is_table and (not typed or any(dtype is None for _, dtype in typed)):
        table = cast("sa.TableClause", selectable)
        inspector = sa.inspect(engine)
        if not inspector.has_table(table.name, schema=table.schema):
            where = f" in schema '{table.schema}'" if table.schema else ""
            raise InputError(f"table '{table.name}'{where} does not exist on {engine.url!r}.")
        reflected = {c["name"]: c["type"] for c in inspector.get_columns(table.name, schema=table.schema)}
        wanted = [name for name, _ in typed] or list(reflected)
        missing = [name for name in wanted if name not in reflected]
        if missing:
            raise InputError(
                f"columns {missing[:10]} are not in table '{table.name}'; it has {list(reflected)[:20]}."
            )
        selectable = sa.table(
            table.name, *(sa.column(name, reflected[name]) for name in wanted), schema=table.schema
        )
        typed = [(name, _sql_dtype(reflected[name])) for name in wanted]
    if not typed:
        raise InputError(
            f"the columns of {selectable!s:.100} are unknown (a text query?); pass columns={{name: dtype}} "
            f"with dtypes among {', '.join(DTYPES)}."
        )
    untyped = [name for name, dtype in typed if dtype is None]
    if untyped:
        raise InputError(
            f"the types of columns {untyped[:10]} are unknown; pass columns={{name: dtype}} with dtypes "
            f"among {', '.join(DTYPES)}."
        )
    specs = [
        _SqlColumn(name=name, dtype=str(dtype), kind=DTYPES[str(dtype)], expr=selectable.c[name])
        for name, dtype in typed
    ]
    return selectable, specs


def _sql_epoch_seconds(column: Any, dialect: str) -> Any:
    """Seconds since 1970-01-01 of a datetime (UTC for naive values) or the seconds of an interval."""
    import sqlalchemy as sa

    if dialect == "sqlite":  # stored as text; %s drops the fraction, %f - %S keeps milliseconds
        whole = sa.cast(sa.func.strftime("%s", column), sa.Integer())
        fraction: Any = sa.cast(sa.func.strftime("%f", column), sa.Double()) - sa.cast(
            sa.func.strftime("%S", column), sa.Integer()
        )
        return whole + sa.func.round(fraction, 3)
    return sa.extract("epoch", column)


def _interpolate_like_numpy(ordered: Mapping[int, float], n: int, probs: Sequence[float]) -> list[float]:
    """numpy's ``quantile(method="linear")`` from the order statistics at the ranks it needs (0-based)."""
    return _linear_quantiles(ordered.__getitem__, n, probs)


def _linear_quantiles(order_statistic: Callable[[int], float], n: int, probs: Sequence[float]) -> list[float]:
    """Linear interpolation between the order statistics (0-based ranks) exactly as numpy's
    ``quantile(method="linear")`` does it, including its ``_lerp`` (``b - (b - a)(1 - g)`` for g >= 0.5)."""
    quantiles: list[float] = []
    for p in probs:
        virtual = (n - 1) * p
        below_rank = min(math.floor(virtual), n - 1)
        a = order_statistic(below_rank)
        b = order_statistic(min(below_rank + 1, n - 1))
        gamma = virtual - below_rank
        value = b - (b - a) * (1 - gamma) if gamma >= 0.5 else a + (b - a) * gamma
        quantiles.append(value if math.isfinite(value) else a * (1 - gamma) + b * gamma)
    return quantiles


def _needed_ranks(n: int, probs: Sequence[float]) -> list[int]:
    import numpy as np

    virtual = (n - 1) * np.asarray(probs, dtype="float64")
    previous = np.minimum(np.floor(virtual), n - 1).astype(int)
    following = np.minimum(previous + 1, n - 1)
    return sorted({int(i) for i in np.concatenate([previous, following])})


def _deal(columns: Sequence[int], parts: int) -> list[list[int]]:
    """``columns`` dealt round-robin into ``parts`` non-empty shares (fewer when there are fewer columns)."""
    parts = max(1, min(parts, len(columns)))
    return [list(columns[k::parts]) for k in range(parts)] if columns else []


def _grouping_sets_of_each(keys: Sequence[Any]) -> tuple[Any, Any, list[int]]:
    """``GROUPING(k0, k1, ...)``, ``GROUPING SETS ((k0), (k1), ...)`` (for ``group_by``) and, per set ``k``,
    the ``GROUPING()`` value of its rows: one bit per key, the first key the most significant, set for
    every key the row does not group by (all but bit ``k``)."""
    import sqlalchemy as sa

    if len(keys) > 31:
        raise ValueError("GROUPING() takes at most 31 columns")
    every = (1 << len(keys)) - 1
    masks = [every - (1 << (len(keys) - 1 - k)) for k in range(len(keys))]
    return sa.func.grouping(*keys), sa.func.grouping_sets(*(sa.tuple_(key) for key in keys)), masks


def _sql_fine_bins(
    conn: Any, columns: Sequence[tuple[Any, Any, float, float]], bins: int
) -> list[list[tuple[int, int, float, float]]]:
    """Per column ``(value, raw, low, high)``: ``(bucket, count, min, max)`` of ``width_bucket(value, low,
    high, bins)``, non-empty buckets in order, from ONE scan of the rows. ``raw`` is the same value with
    NaN not yet made NULL (``min``/``max`` read it: a NaN row falls in the NULL bucket, which is skipped).

    Bucket 0 holds the values below ``low`` (only ``-inf``: ``low`` is the finite minimum), buckets
    ``1..bins`` the equal-width bins of ``[low, high)`` and bucket ``bins + 1`` the values ``>= high`` (the
    maximum and ``+inf``). One hashed ``GROUP BY GROUPING SETS ((b0), (b1), ...)``: every row is looked
    up in one small hash table per column, and ``GROUPING(b0, b1, ...)`` tells which column a result row
    belongs to. The binned values come from a subquery behind ``OFFSET 0``, which PostgreSQL does not
    flatten: the planner then expects 200 groups per set (not the column's number of distinct values)
    and hashes instead of sorting; there are at most ``bins + 2`` per column. Grouping sets never run in
    parallel, so :func:`profile_sql` spreads the columns over several connections; every set computes
    every column's ``min``/``max``, so a share of a few columns wastes little. Measured on 10M rows (see
    docs/performance.md), this takes about half the CPU of unpivoting the columns with ``unnest(ARRAY[...])``
    into one parallel hash aggregate (60M tuples through it), and one ``GROUP BY`` per column scans the
    table once per column.
    """
    import sqlalchemy as sa

    double: Any = sa.Double()
    binned = (
        sa.select(
            *(
                sa.func.width_bucket(
                    value,
                    sa.literal(low, double),
                    sa.literal(high, double),
                    sa.literal_column(str(int(bins))),
                ).label(f"b{k}")
                for k, (value, _, low, high) in enumerate(columns)
            ),
            *(sa.cast(raw, double).label(f"x{k}") for k, (_, raw, _, _) in enumerate(columns)),
        )
        .offset(sa.literal_column("0"))  # an optimisation fence: see above
        .subquery("fine_bins")
    )
    keys = [binned.c[f"b{k}"] for k in range(len(columns))]
    aggregates: list[Any] = [sa.func.count()]
    for k in range(len(columns)):
        aggregates += [sa.func.min(binned.c[f"x{k}"]), sa.func.max(binned.c[f"x{k}"])]
    grouping, sets, masks = _grouping_sets_of_each(keys)
    query = sa.select(grouping, *keys, *aggregates).group_by(sets)
    found: list[list[tuple[int, int, float, float]]] = [[] for _ in columns]
    for row in conn.execute(query):
        position = masks.index(int(row[0]))
        bucket = row[1 + position]
        if bucket is None:  # the column's nulls
            continue
        count = row[1 + len(columns)]
        low, high = row[2 + len(columns) + 2 * position], row[3 + len(columns) + 2 * position]
        found[position].append((int(bucket), int(count), float(low), float(high)))
    for buckets in found:
        buckets.sort()
    return found


def _sketch_from_bins(
    bins: Sequence[tuple[int, int, float, float]],
    low: float,
    high: float,
    inf_count: int,
    probs: Sequence[float],
) -> tuple[list[float], list[float], list[int]] | None:
    """Quantiles, histogram edges and the counts below each inner edge, from a column's fine bins.

    ``bins`` are ``(bucket, count, min, max)`` as :func:`_sql_fine_bins` returns them for ``width_bucket(v,
    low, high, B)``. Every order statistic that numpy's linear method needs is estimated inside its bin:
    the bin's ``min`` for its first value, its ``max`` for its last, evenly in between (so a bin holding
    one distinct value gives it exactly); the true order statistic lies in the same ``[min, max]``, less
    than one bin width ``(high - low) / B`` away. The quantiles interpolate these estimates exactly as
    numpy does (to rounding), so each is within one bin width of the exact quantile.

    Histogram edges: a sketched quantile at p = 0.05, ..., 0.95 that no bin straddles (no bin has
    ``min < q <= max``) is an edge as it is; otherwise the nearer of that bin's ``min`` and the next bin's
    ``min``. No bin then straddles an edge, and as ``width_bucket`` is monotone the count below an edge is
    the sum of the bins below it: exact. Returns ``None`` when the bins do not span pass 1's finite min
    and max (the rows changed in between): the caller sorts instead.
    """
    import bisect

    negative_inf = sum(count for bucket, count, _, _ in bins if bucket == 0)
    positive_inf = inf_count - negative_inf
    finite: list[tuple[int, float, float]] = []  # (count, min, max) of the finite values, in value order
    for bucket, count, bin_low, bin_high in bins:
        if bucket == 0:
            continue
        if bin_high > high:  # the last bucket: the maximum and +inf
            count, bin_high = count - positive_inf, high
        if count > 0:
            finite.append((count, bin_low, bin_high))
    if not finite or positive_inf < 0 or finite[0][1] != low or finite[-1][2] != high:
        return None
    n = sum(count for count, _, _ in finite)
    if any(count > n * SKETCH_DENSE_SHARE and bin_low < bin_high for count, bin_low, bin_high in finite):
        return None  # a fine bin too coarse for its values (e.g. one far outlier): sorted instead
    starts: list[int] = []
    total = 0
    for count, _, _ in finite:
        starts.append(total)
        total += count

    def order_statistic(rank: int) -> float:
        position = bisect.bisect_right(starts, rank) - 1
        count, bin_low, bin_high = finite[position]
        if count == 1 or bin_low == bin_high:
            return bin_low
        t = (rank - starts[position]) / (count - 1)
        value = bin_low + (bin_high - bin_low) * t
        if not math.isfinite(value):  # the difference overflowed
            value = bin_low * (1 - t) + bin_high * t
        return min(max(value, bin_low), bin_high)

    quantiles = _linear_quantiles(order_statistic, n, probs)
    lows = [bin_low for _, bin_low, _ in finite]

    def edge_for(q: float) -> float:
        position = bisect.bisect_left(lows, q) - 1  # the last bin with min < q
        if position < 0 or q > finite[position][2]:
            return q  # between two bins (or at a bin's min): no bin straddles it
        below = lows[position]
        if position + 1 == len(lows):
            return below
        above = lows[position + 1]
        return below if q - below <= above - q else above

    inner = [edge_for(q) for q in quantiles[HIST_STEP:-1:HIST_STEP]]
    edges = sorted({quantiles[0], *inner, quantiles[-1]})
    if len(edges) == 1:
        edges = [edges[0], edges[0]]
    highs = [bin_high for _, _, bin_high in finite]
    below_counts: list[int] = []
    for edge in edges[1:-1]:
        whole = bisect.bisect_left(highs, edge)  # bins entirely below the edge (max < edge)
        below_counts.append(negative_inf + (starts[whole] if whole < len(finite) else n))
    return quantiles, edges, below_counts


def _values_from_bins(
    bins: Sequence[tuple[int, int, float, float]], inf_count: int
) -> tuple[list[float], list[int]] | None:
    """A discrete column's distinct finite values and their counts, from its fine bins (as
    :func:`_sql_fine_bins` returns them) when every bin holds one value and there are at most
    DISCRETE_VALUES; ``None`` otherwise (bucket 0 holds ``-inf``, the last bucket the maximum and ``+inf``)."""
    negative_inf = sum(count for bucket, count, _, _ in bins if bucket == 0)
    positive_inf = inf_count - negative_inf
    found: list[tuple[float, int]] = []
    for bucket, count, low, high in bins:
        if bucket == 0:
            continue
        if math.isinf(high):  # the last bucket: the finite maximum (low) and +inf
            count, high = count - positive_inf, low
        if low != high:
            return None
        if count > 0:
            found.append((low, count))
    if not found or len(found) > DISCRETE_VALUES:
        return None
    return [value for value, _ in found], [count for _, count in found]


def _value_edges_and_below(
    values: Sequence[float], counts: Sequence[int], bins: Sequence[tuple[int, int, float, float]]
) -> tuple[list[float], list[int]]:
    """Value edges of a discrete column and the count below each inner edge (``-inf`` included)."""
    below = sum(count for bucket, count, _, _ in bins if bucket == 0)
    cumulative: list[int] = []
    for count in counts[:-1]:
        below += count
        cumulative.append(below)
    return _own_edges([], values), cumulative


def _sql_distinct_values(conn: Any, prepared: Any, finite: Any, limit: int) -> list[float] | None:
    """The sorted distinct finite values of a column when there are at most ``limit``, else ``None``:
    ``SELECT DISTINCT ... LIMIT limit + 1`` (a hash of at most that many values)."""
    import sqlalchemy as sa

    query = sa.select(finite.label("value")).select_from(prepared).where(finite.is_not(None))
    found = [float(value) for (value,) in conn.execute(query.distinct().limit(limit + 1))]
    return sorted(found) if len(found) <= limit else None


def _counts_from_below(
    counted: Mapping[str, Any], prefix: str, edges: Sequence[float], count: int
) -> list[int]:
    """Histogram counts from the counts below each inner edge (labelled ``<prefix>_<b>``)."""
    if not edges:
        return [count]
    below = [int(counted.get(f"{prefix}_{b}") or 0) for b in range(len(edges) - 2)]
    cumulative = [0, *below, count]
    return [cumulative[b + 1] - cumulative[b] for b in range(len(edges) - 1)]


def profile_sql(
    engine: sa.Engine,
    selectable: Any,
    *,
    reference: DatasetProfile | None = None,
    top_k: int = 50,
    columns: dict[str, str] | None = None,
    work_mem: str | None = None,
    parallel: int = 1,
    quantiles: QuantileMode = "exact",
) -> DatasetProfile:
    """Profile a table or query inside the database: only aggregates travel to the client.

    The result equals :func:`profile_frame` of the same rows. Queries (SQLAlchemy Core, identifiers always
    quoted by SQLAlchemy):

    1. one pass for every column: ``count(*)``, ``count(col)``, ``min``, ``max``, ``avg`` (and, on
       PostgreSQL, ``stddev_samp``, which is numerically stable); with a ``reference``, its histogram too
       (see 3). A float column whose min or max is ±inf (rare) gets a second look at its finite values
       and the count of ±inf; every other column is used as it is (no per-row ``CASE``);
    2. quantiles: on PostgreSQL ``percentile_cont(ARRAY[p...]) WITHIN GROUP (ORDER BY col)`` (one pass for
       every numeric column); elsewhere (SQLite has no percentile) the exact order statistics that numpy's
       linear method interpolates, found with ``row_number() OVER (ORDER BY col)`` (at most 202 rows per
       column are fetched) and interpolated in Python exactly as numpy does (bit-identical). Both are the
       same definition (index ``(n - 1) * p``, linear interpolation); PostgreSQL computes
       ``a + t·(b − a)`` where numpy uses ``b − (1 − t)·(b − a)`` for ``t >= 0.5``, so its quantiles can
       differ from numpy's in the last bit (an interpolated edge stays between the same two order statistics,
       so in practice every value falls in the same histogram bin). This pass sorts every numeric column
       and dominates the time: give the session a larger ``work_mem`` to sort in memory;
    3. the histogram on the column's own edges (without a reference, or beside the reference's when they
       differ, so that the stored profile's counts are exact: see :func:`own_binned`):
       ``count(*) FILTER (WHERE col < edge)`` per inner edge, the bins being their differences. The own
       edges are the distinct values of a discrete column (at most ``DISCRETE_VALUES``, found by a
       ``SELECT DISTINCT col ... LIMIT 51`` run only when the quantiles allow so few values), else the
       quantiles at p = 0, 0.05, ..., 1. On SQLite also ``sum((x - mean)^2)`` with the mean of pass 1 (the
       two-pass sample variance: SQLite has no ``stddev``);
    4. the categories: per categorical column its groups ranked by ``count(*) DESC, col`` (ties in
       code-point order: ``COLLATE "C"`` on PostgreSQL, SQLite's default ``BINARY``), keeping the top
       ``top_k`` or, with a reference, all of its categories then the 10 most frequent others; ``count(*)``
       over the groups is the number of distinct values: one ``GROUP BY`` per column (in parallel inside
       PostgreSQL). With ``quantiles="sketch"`` on PostgreSQL up to ``LABEL_COLUMNS_PER_SCAN`` (8) columns
       share one scan, ``GROUP BY GROUPING SETS ((c0), (c1), ...)``, sent first (it needs nothing from the
       other passes), on a connection of its own when there are several, so that it runs beside them.

    With ``quantiles="sketch"`` on PostgreSQL, passes 2 and 3 are replaced by scans that need no sort:

    2. ``width_bucket(col, min, max, SKETCH_BINS)`` (10,000 equal-width fine bins between the column's
       finite min and max of pass 1), ``count(*)``, ``min(col)`` and ``max(col)`` per bin, from hashed
       ``GROUP BY GROUPING SETS ((b0), (b1), ...)`` scans of up to ``SKETCH_COLUMNS_PER_SCAN`` (3) numeric
       columns each (at most ``10,002`` rows per column reach the client, whatever the row count).
       Grouping sets never run in parallel inside PostgreSQL, so the scans (and pass 4) run at once on
       ``max(parallel, 1 + max_parallel_workers_per_gather)`` connections, as many processes as one
       parallel query of the server's settings would use (see ``parallel``). Each order
       statistic that the linear method needs is placed inside its bin, from the bin's min to its max,
       and the quantiles interpolate them as numpy does. **Bound:** every sketched quantile is within one
       fine bin of the exact one, ``|q_sketch - q_exact| <= (max - min) / 10,000`` (it is exact when the
       bins it comes from hold one distinct value each, e.g. integers spanning fewer than 10,000 values, or
       a few repeated float values), so the CDF read off the sketch is off by at most the mass of one fine
       bin. ``quantiles[0]`` and ``quantiles[100]`` are the exact min and max;
    3. the own histogram is counted from the same bins, so its counts stay **exact**. A column whose fine
       bins each hold one value (at most ``DISCRETE_VALUES`` of them) is discrete, binned by value; else the
       inner edges are the sketched quantiles at p = 0.05, ..., 0.95, except that an edge inside a fine
       bin's ``(min, max]`` moves to the nearer of that bin's min and the next bin's min (a data value
       less than one fine bin away), which no bin straddles. With a reference, the reference's histogram
       is counted on its edges in pass 1 exactly as in ``"exact"`` mode.

    Counts, ``inf_count``, min/max/mean/std and the categories are the same as in ``"exact"`` mode. A
    column with a fine bin holding more than ``SKETCH_DENSE_SHARE`` (5 %) of its values over a range
    (``min < max``; typically one far outlier squeezing everything else into one bin, where an even spread
    would hide any change of shape) is sorted instead, as in ``"exact"`` mode. On SQLite and any other database ``"sketch"`` computes exact
    quantiles (the result equals ``"exact"``).

    On PostgreSQL every pass reads one snapshot (a ``REPEATABLE READ`` transaction, exported to the other
    connections when there are several), so rows written while the profile runs are in no pass rather than in
    some: counts, quantiles and histograms always describe the same rows.

    NaN in PostgreSQL float columns is a null, as in pandas. Datetimes are supported on PostgreSQL
    (``extract(epoch ...)``) and SQLite (``strftime``, to the millisecond). A text query's columns are
    unknown: pass ``columns=``.

    :param selectable: ``sa.table("name", schema=...)`` (columns and types are reflected when it lists
        none or lists them untyped), a ``sa.Table``, a ``select(...)`` or a subquery with typed columns, or
        a ``"schema.table"`` string.
    :param columns: ``{column: dtype}`` to profile only these columns with these logical dtypes (one of
        ``int64``, ``float64``, ``datetime``, ``timedelta``, ``bool``, ``string``); needed for untyped
        subqueries.
    :param work_mem: PostgreSQL only: ``work_mem`` for the profile's own transactions (``SET LOCAL``,
        e.g. ``"256MB"``), so that the quantile sorts run in memory; the server's setting otherwise.
    :param parallel: PostgreSQL only: run the quantile pass (single-threaded sorts in PostgreSQL) on this
        many connections at once, a share of the numeric columns on each. With ``quantiles="sketch"`` the
        grouping-sets scans use up to ``max(parallel, 1 + max_parallel_workers_per_gather)`` connections
        at once (as many processes as one parallel query of the server's settings; that term at most
        ``MAX_SERVER_CONNECTIONS`` = 8), besides the main one that runs pass 1. At most
        ``MAX_POOL_CONNECTIONS`` (14) besides the main one at once in any mode: SQLAlchemy's default pool
        holds 15. The sketch needs PostgreSQL 13 or later, where a hash aggregate that outgrows
        ``work_mem`` spills to disk (a text column with millions of distinct values).
    :param quantiles: ``"exact"`` (default): sorted quantiles, the profile equals :func:`profile_frame`'s;
        ``"sketch"``: PostgreSQL only, quantiles from fine histograms as described above (no sort; about
        2x faster than ``"exact"`` on 10M rows, see docs/performance.md), other databases compute them
        exactly.
    """
    import sqlalchemy as sa

    _check_top_k(top_k)
    if work_mem is not None and not (isinstance(work_mem, str) and _WORK_MEM.fullmatch(work_mem.strip())):
        raise InputError(f"work_mem={work_mem!r} must be a PostgreSQL memory size such as '64MB' or '1GB'.")
    if isinstance(parallel, bool) or not isinstance(parallel, int) or not 1 <= parallel <= 16:
        raise InputError(f"parallel={parallel!r} must be an integer from 1 to 16 (connections at once).")
    if not isinstance(quantiles, str) or quantiles not in QUANTILE_MODES:
        raise InputError(
            f"quantiles={quantiles!r} must be one of {', '.join(repr(m) for m in QUANTILE_MODES)} "
            "(exact: sorted, equal to profile_frame; sketch: from fine histograms, faster on PostgreSQL)."
        )
    source, specs = _sql_source(engine, selectable, columns)
    dialect = engine.dialect.name
    sketch = quantiles == "sketch" and dialect == "postgresql"  # elsewhere: exact
    double: Any = sa.Double()
    inf = sa.literal(math.inf, double)
    minus_inf = sa.literal(-math.inf, double)

    # The profiled values, prepared once: v<i> the value (NULL for null and NaN), f<i> the finite value.
    prepared_columns: list[Any] = []
    for i, spec in enumerate(specs):
        if spec.kind == "numeric":
            raw = (
                _sql_epoch_seconds(spec.expr, dialect)
                if spec.dtype in ("datetime", "timedelta")
                else spec.expr
            )
            value: Any = sa.cast(raw, double)
            if spec.dtype == "float64" and dialect == "postgresql":
                prepared_columns.append(value.label(f"r{i}"))  # NaN kept: cheaper where NaN cannot matter
                value = sa.func.nullif(value, sa.literal(math.nan, double))
            prepared_columns.append(value.label(f"v{i}"))
        elif spec.dtype == "string" and not isinstance(spec.expr.type, sa.String | sa.Enum):
            prepared_columns.append(sa.cast(spec.expr, sa.String()).label(f"v{i}"))
        else:
            prepared_columns.append(spec.expr.label(f"v{i}"))
    if not prepared_columns:
        prepared_columns.append(sa.literal(1).label("one"))
    prepared = sa.select(*prepared_columns).select_from(source).subquery("profiled_values")

    def value_of(i: int) -> Any:
        return prepared.c[f"v{i}"]

    def raw_of(i: int) -> Any:
        """The value with NaN left as NaN (where NaN cannot matter: a NaN row has a NULL bucket)."""
        return prepared.c[f"r{i}"] if f"r{i}" in prepared.c else value_of(i)

    has_inf: set[int] = set()  # float columns holding ±inf: only they need the finite-only expressions

    def finite_of(i: int) -> Any:
        if i not in has_inf:
            return value_of(i)
        v = value_of(i)
        return sa.case((sa.or_(v == inf, v == minus_inf), sa.null()), else_=v)

    def below_edges(i: int, edges: Sequence[float], prefix: str = "h") -> list[Any]:
        """Counts below each inner edge, one comparison each: the histogram bins are their differences.
        Labels ``h<i>_<b>`` for the histogram, ``o<i>_<b>`` for the own histogram beside a reference's."""
        v = value_of(i)
        return [
            sa.func.count().filter(v < sa.literal(edge, double)).label(f"{prefix}{i}_{b}")
            for b, edge in enumerate(edges[1:-1])
        ]

    # PostgreSQL's stddev_samp is numerically stable (Youngs-Cramer); SQLite has none: a second pass
    # sums the squared deviations from the mean of pass 1.
    stddev = dialect == "postgresql"
    probs = quantile_probabilities()
    results: dict[int, dict[str, Any]] = {i: {} for i in range(len(specs))}

    snapshot: str | None = None  # PostgreSQL: every pass, on every connection, reads the same snapshot

    def session(conn: Any) -> Any:
        if dialect != "postgresql":
            return conn
        # One REPEATABLE READ transaction: rows written while the profile runs do not make one pass count
        # what another did not (a histogram summing to more than the row count).
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        if snapshot is not None:  # must come first in the transaction
            conn.execute(sa.text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        if work_mem is not None:  # local to this connection's transaction
            conn.execute(sa.select(sa.func.set_config("work_mem", work_mem.strip(), True)))
        return conn

    with engine.connect() as conn, contextlib.ExitStack() as stack:
        conn = session(conn)
        # Connections at once: `parallel` for the quantile sorts. The sketch's grouping-sets scans, which
        # PostgreSQL never runs in parallel, go beside each other on as many connections as one parallel
        # query of the server's settings would use processes (at most MAX_SERVER_CONNECTIONS), or more.
        connections = parallel
        if sketch:
            workers = conn.execute(sa.select(sa.func.current_setting("max_parallel_workers_per_gather")))
            connections = max(parallel, min(1 + int(workers.scalar_one()), MAX_SERVER_CONNECTIONS))
        pool: Any = None
        if dialect == "postgresql" and connections > 1:
            snapshot = str(conn.execute(sa.select(sa.func.pg_export_snapshot())).scalar_one())
            if not _SNAPSHOT_ID.fullmatch(snapshot):
                raise InputError(f"unexpected snapshot id {snapshot!r} from PostgreSQL")
            from concurrent.futures import ThreadPoolExecutor

            _ = prepared.c  # built here, once: the pool's threads only read it
            pool = ThreadPoolExecutor(max_workers=min(connections, MAX_POOL_CONNECTIONS))
            stack.callback(pool.shutdown, wait=True, cancel_futures=True)

        Work = Callable[[Any, Sequence[int]], dict[int, _T]]

        def on_own_connection(work: Work[_T], share: Sequence[int]) -> dict[int, _T]:
            with engine.connect() as other:
                return work(session(other), share)

        def start(work: Work[_T], share: Sequence[int]) -> Callable[[], dict[int, _T]]:
            """Run ``work(connection, share)``: on its own connection in the pool, or now on ``conn``."""
            if pool is None:
                done = work(conn, share)
                return lambda: done
            return cast("Callable[[], dict[int, _T]]", pool.submit(on_own_connection, work, share).result)

        def spread(work: Work[_T], shares: Sequence[Sequence[int]]) -> dict[int, _T]:
            waiting = [start(work, share) for share in shares]
            found: dict[int, _T] = {}
            for result_of in waiting:
                found.update(result_of())
            return found

        # 4. the categories. Sketch: started first (it needs nothing from the other passes), up to
        #    LABEL_COLUMNS_PER_SCAN columns per grouping-sets scan, beside the other passes: when the passes
        #    share the cores, one scan of several columns costs about half the CPU of a GROUP BY per column.
        #    Exact: last, one GROUP BY per column on this connection, where PostgreSQL runs each in
        #    parallel (alone, that is faster than one single-process grouping-sets scan).
        categorical = [i for i, spec in enumerate(specs) if spec.kind != "numeric"]

        def label_counts(on: Any, share: Sequence[int]) -> dict[int, tuple[dict[str, int], int]]:
            columns = [
                (value_of(i), specs[i].dtype, _reference_column(reference, specs[i].name, "categorical"))
                for i in share
            ]
            return dict(zip(share, _sql_label_counts(on, prepared, columns, dialect, top_k), strict=True))

        labels_of = (
            [
                start(label_counts, share)
                for share in _deal(categorical, math.ceil(len(categorical) / LABEL_COLUMNS_PER_SCAN))
            ]
            if sketch
            else []
        )
        # 1. counts and moments; min/max tell whether a float column holds ±inf. With a reference its bin
        #    edges are known: the histogram is counted in this pass too.
        aggregates: list[Any] = [sa.func.count().label("row_count")]
        for i, spec in enumerate(specs):
            v = value_of(i)
            aggregates.append(sa.func.count(v).label(f"count{i}"))
            if spec.kind == "numeric":
                aggregates += [
                    sa.func.min(v).label(f"min{i}"),
                    sa.func.max(v).label(f"max{i}"),
                    sa.func.avg(v).label(f"mean{i}"),
                ]
                if stddev:
                    aggregates.append(sa.func.stddev_samp(v).label(f"std{i}"))
                ref = _reference_column(reference, spec.name, "numeric")
                if ref is not None:
                    results[i]["edges"] = list(ref.hist_edges)
                    aggregates += below_edges(i, ref.hist_edges)
        first = dict(conn.execute(sa.select(*aggregates).select_from(prepared)).one()._mapping)
        row_count = int(first["row_count"])
        for i, spec in enumerate(specs):
            if spec.dtype == "float64" and any(
                isinstance(first[k], float) and math.isinf(first[k]) for k in (f"min{i}", f"max{i}")
            ):
                has_inf.add(i)
        if has_inf:  # rare: the same moments over the finite values, and the count of ±inf
            redo: list[Any] = []
            for i in sorted(has_inf):
                v, f = value_of(i), finite_of(i)
                is_inf = sa.or_(v == inf, v == minus_inf)
                redo += [
                    sa.func.sum(sa.case((is_inf, 1), else_=0)).label(f"inf{i}"),
                    sa.func.min(f).label(f"min{i}"),
                    sa.func.max(f).label(f"max{i}"),
                    sa.func.avg(f).label(f"mean{i}"),
                ]
                if stddev:
                    redo.append(sa.func.stddev_samp(f).label(f"std{i}"))
            first.update(conn.execute(sa.select(*redo).select_from(prepared)).one()._mapping)
        for i, spec in enumerate(specs):
            result = results[i]
            result["count"] = int(first[f"count{i}"] or 0)
            if spec.kind == "numeric":
                result["inf_count"] = int(first.get(f"inf{i}") or 0)
                result["finite"] = result["count"] - result["inf_count"]
                for key in ("min", "max", "mean", "std"):
                    raw_value = first.get(f"{key}{i}")
                    result[key] = None if raw_value is None else _safe_float(raw_value)
                result["quantiles"] = []

        numeric = [i for i, spec in enumerate(specs) if spec.kind == "numeric" and results[i]["finite"] > 0]

        # 2. quantiles. Sketch (PostgreSQL): grouping-sets scans bin every numeric column into SKETCH_BINS fine
        #    bins of equal width between its finite min and max; the quantiles are read off the bins and the
        #    histogram is counted on edges that no fine bin straddles (exact counts, no pass 3).
        derived: dict[str, int] = {}
        if sketch and numeric:
            for i in numeric:
                low, high = results[i]["min"], results[i]["max"]
                if low is not None and low == high:  # constant: width_bucket needs low < high
                    results[i]["quantiles"] = [low] * QUANTILE_POINTS
            binned = [
                i
                for i in numeric
                if results[i]["min"] is not None
                and results[i]["max"] is not None
                and results[i]["min"] < results[i]["max"]
            ]
            if binned:

                def fine_bins(
                    on: Any, share: Sequence[int]
                ) -> dict[int, list[tuple[int, int, float, float]]]:
                    columns = [(value_of(i), raw_of(i), results[i]["min"], results[i]["max"]) for i in share]
                    return dict(zip(share, _sql_fine_bins(on, columns, SKETCH_BINS), strict=True))

                # as many scans as the label scans leave connections free, fewer columns per scan if more
                free = connections - len(labels_of)
                scans = max(free, math.ceil(len(binned) / SKETCH_COLUMNS_PER_SCAN))
                fine = spread(fine_bins, _deal(binned, scans))
                for i in binned:
                    bins = fine[i]
                    result = results[i]
                    sketched = _sketch_from_bins(
                        bins, result["min"], result["max"], result["inf_count"], probs
                    )
                    if sketched is None:  # a too-dense fine bin, or the rows changed between passes: sort
                        continue
                    result["quantiles"], edges, below = sketched
                    table = _values_from_bins(bins, result["inf_count"])
                    if table is not None:  # every fine bin holds one value: discrete, counted by value
                        edges, below = _value_edges_and_below(*table, bins)
                    result["own"], result["own_below"] = edges, below
            exact = [i for i in numeric if not results[i]["quantiles"]]
        else:
            exact = numeric
        if exact and dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            array = sa.literal(probs, postgresql.ARRAY(double))

            def percentiles(on: Any, share: Sequence[int]) -> dict[int, list[float]]:
                sketches = [
                    sa.func.percentile_cont(array).within_group(finite_of(i)).label(f"q{i}") for i in share
                ]
                row = on.execute(sa.select(*sketches).select_from(prepared)).one()._mapping
                return {i: [float(v) for v in row[f"q{i}"]] for i in share}

            found = spread(percentiles, _deal(exact, parallel))
            for i in exact:
                results[i]["quantiles"] = found[i]
        else:
            for i in exact:
                n = results[i]["finite"]
                f = finite_of(i)
                ranked = (
                    sa.select(f.label("value"), sa.func.row_number().over(order_by=f).label("rank"))
                    .select_from(prepared)
                    .where(f.is_not(None))
                    .subquery("ranked")
                )
                ranks = _needed_ranks(n, probs)
                query = sa.select(ranked.c.rank, ranked.c.value).where(
                    ranked.c.rank.in_([r + 1 for r in ranks])
                )
                ordered = {int(rank) - 1: float(value) for rank, value in conn.execute(query)}
                results[i]["quantiles"] = _interpolate_like_numpy(ordered, n, probs)

        # 2b. own edges: by value for a discrete column (at most DISCRETE_VALUES distinct values; a capped
        #     SELECT DISTINCT only where the quantiles allow it), else from the quantiles
        for i in numeric:
            result = results[i]
            maybe = _may_be_discrete(result["quantiles"])
            if "own" in result and (is_value_binned(result["own"]) or not maybe):
                continue  # settled by the sketch's fine bins
            distinct = _sql_distinct_values(conn, prepared, finite_of(i), DISCRETE_VALUES) if maybe else None
            if distinct is not None or "own" not in result:
                result["own"], result["own_below"] = _own_edges(result["quantiles"], distinct), None

        # 3. what pass 1 could not count: histograms on the own edges (bins from the quantiles or the
        #    values; beside a reference's when they differ) and, on SQLite, the sum of squared deviations
        #    (two-pass variance)
        second: list[Any] = []
        for i, spec in enumerate(specs):
            if spec.kind != "numeric":
                continue
            result = results[i]
            own, own_below = result.get("own", []), result.get("own_below")
            beside = "edges" in result and result["edges"] != own  # a reference's edges, not the own ones
            prefix = "o" if beside else "h"
            result.setdefault("edges", own)
            result["own_edges"] = own if beside else None
            if own_below is not None:
                derived.update({f"{prefix}{i}_{b}": n for b, n in enumerate(own_below)})
            elif own:
                second += below_edges(i, own, prefix)
            if not stddev and result["finite"] > 1 and result["mean"] is not None:
                deviation = finite_of(i) - sa.literal(result["mean"], double)
                second.append(sa.func.sum(deviation * deviation).label(f"ss{i}"))
        third: Any = conn.execute(sa.select(*second).select_from(prepared)).one()._mapping if second else {}
        counted = {**first, **derived, **third}
        for i, spec in enumerate(specs):
            if spec.kind != "numeric":
                continue
            result = results[i]
            ss = third.get(f"ss{i}")
            if ss is not None:
                result["std"] = _safe_float(math.sqrt(max(float(ss), 0.0) / (result["finite"] - 1)))
            elif result["finite"] < 2:
                result["std"] = None
            result["hist_counts"] = _counts_from_below(counted, f"h{i}", result["edges"], result["count"])
            own = result["own_edges"]
            result["own_counts"] = (
                [] if own is None else _counts_from_below(counted, f"o{i}", own, result["count"])
            )

        categories: dict[int, tuple[dict[str, int], int]] = {}
        for result_of in labels_of:
            categories.update(result_of())
        if not sketch:  # one GROUP BY per column, here, after the other passes
            for i in categorical:
                categories.update(label_counts(conn, [i]))
        columns_out: dict[str, ColumnProfile] = {}
        for i, spec in enumerate(specs):
            result = results[i]
            if spec.kind == "numeric":
                columns_out[spec.name] = ColumnProfile(
                    name=spec.name,
                    kind="numeric",
                    dtype=spec.dtype,
                    count=result["count"],
                    null_count=row_count - result["count"],
                    inf_count=result["inf_count"],
                    min=result["min"],
                    max=result["max"],
                    mean=result["mean"],
                    std=result["std"],
                    quantiles=result["quantiles"],
                    hist_edges=result["edges"],
                    hist_counts=result["hist_counts"],
                    own_edges=result["own_edges"] or [],
                    own_counts=result["own_counts"],
                )
                continue
            ref = _reference_column(reference, spec.name, "categorical")
            counts, distinct_count = categories[i]
            columns_out[spec.name] = _categorical_profile(
                name=spec.name,
                dtype=spec.dtype,
                count=result["count"],
                null_count=row_count - result["count"],
                distinct_count=distinct_count,
                counts=counts,
                reference=ref,
                top_k=top_k,
            )
    return DatasetProfile(row_count=row_count, columns=columns_out)


def _sql_label(value: Any, dtype: str) -> str:
    if dtype == "bool" and value in (0, 1):
        return "True" if value else "False"
    return str(value)


def _sql_label_counts(
    conn: Any,
    prepared: Any,
    columns: Sequence[tuple[Any, str, ColumnProfile | None]],
    dialect: str,
    top_k: int,
) -> list[tuple[dict[str, int], int]]:
    """Per column ``(value, dtype, reference)``: the label counts for :func:`_categorical_profile` (the top
    ``top_k``, or the reference's categories then the ``MAX_NEW_CATEGORIES`` most frequent others; ties in
    code-point order) and the number of distinct non-null values, from ONE scan.

    Several columns (PostgreSQL only; at most 31, ``GROUPING``'s limit) are grouped with ``GROUP BY
    GROUPING SETS ((c0), (c1), ...)``: one hash table per column in one pass over the rows, where one
    ``GROUP BY`` per column scans the table once per column. ``GROUPING(c0, c1, ...)`` tells the sets
    apart; per set, ``count(*) OVER`` the groups is the distinct count (``count(DISTINCT col)`` sorts the
    column and costs ~20x more on a 10M-row text column) and ``row_number()`` keeps the top ones, so only
    those reach the client whatever the number of distinct values. One column is a plain ``GROUP BY``.
    """
    import sqlalchemy as sa

    if len(columns) > 1 and dialect != "postgresql":
        raise ValueError("grouping sets of several columns need PostgreSQL")
    inner = sa.select(*(value.label(f"c{k}") for k, (value, _, _) in enumerate(columns))).select_from(
        prepared
    )
    if len(columns) > 1:  # a fence: the planner expects 200 groups per set and hashes (see _sql_fine_bins)
        inner = inner.offset(sa.literal_column("0"))
    labelled = inner.subquery("labels")
    keys = [labelled.c[f"c{k}"] for k in range(len(columns))]
    grouping, sets, masks = _grouping_sets_of_each(keys)
    if len(columns) == 1:  # a plain GROUP BY; its rows get the mask of the one set
        grouped = sa.select(sa.literal(masks[0]).label("grouping_mask"), keys[0], sa.func.count().label("n"))
        grouped = grouped.group_by(keys[0])
    else:
        grouped = sa.select(grouping.label("grouping_mask"), *keys, sa.func.count().label("n")).group_by(sets)
    groups = grouped.subquery("label_groups")
    mask, n = groups.c.grouping_mask, groups.c.n
    values = [groups.c[f"c{k}"] for k in range(len(columns))]
    labels = [list(ref.top) if ref is not None and dtype != "bool" else [] for _, dtype, ref in columns]
    order: list[Any] = []
    known = [value.in_(found) for value, found in zip(values, labels, strict=True) if found]
    if known:  # the reference's categories first (all of them), then the most frequent others
        order.append(sa.case((sa.or_(*known), 0), else_=1))
    order.append(n.desc())
    for value, (_, dtype, _) in zip(values, columns, strict=True):  # in set k only c<k> is not NULL
        order.append(sa.collate(value, "C") if dialect == "postgresql" and dtype == "string" else value)
    limits = [
        len(labels[k]) + MAX_NEW_CATEGORIES if labels[k] else None if dtype == "bool" else top_k
        for k, (_, dtype, _) in enumerate(columns)
    ]
    query: Any
    if len(columns) == 1:  # ORDER BY ... LIMIT: a top-N heap, no full sort of the groups
        query = sa.select(mask, values[0], n, sa.func.count().over().label("distinct_count"))
        query = query.where(values[0].is_not(None)).order_by(*order)
        if limits[0] is not None:
            query = query.limit(limits[0])
    else:  # per set: row_number() keeps the top ones, count(*) over the set is the distinct count
        ranked = (
            sa.select(
                mask,
                *values,
                n,
                sa.func.count().over(partition_by=mask).label("distinct_count"),
                sa.func.row_number().over(partition_by=mask, order_by=order).label("position"),
            )
            .where(sa.or_(*(sa.and_(mask == m, v.is_not(None)) for m, v in zip(masks, values, strict=True))))
            .subquery("ranked_labels")
        )
        kept = [
            ranked.c.grouping_mask == m
            if limit is None
            else sa.and_(ranked.c.grouping_mask == m, ranked.c.position <= limit)
            for m, limit in zip(masks, limits, strict=True)
        ]
        query = sa.select(
            ranked.c.grouping_mask,
            *(ranked.c[f"c{k}"] for k in range(len(columns))),
            ranked.c.n,
            ranked.c.distinct_count,
        ).where(sa.or_(*kept))
    found: list[tuple[dict[str, int], int]] = [({}, 0) for _ in columns]
    for row in conn.execute(query):
        k = masks.index(int(row[0]))
        counts, _ = found[k]
        key = _sql_label(row[1 + k], columns[k][1])  # bool: at most two groups, labelled in Python
        counts[key] = counts.get(key, 0) + int(row[1 + len(columns)])
        found[k] = (counts, int(row[2 + len(columns)]))
    return found


# ------------------------------------------------------------------------------------------- baselines


def _median(values: Sequence[float | None]) -> float | None:
    import numpy as np

    present = [v for v in values if v is not None]
    return float(np.median(present)) if present else None


def _median_int(values: Sequence[int]) -> int:
    import numpy as np

    return int(round(float(np.median(values)))) if values else 0


def _apportion(fractions: Sequence[float], total: int) -> list[int]:
    """Integers proportional to ``fractions`` summing to ``total`` (largest remainder)."""
    import numpy as np

    weights = np.clip(np.asarray(fractions, dtype="float64"), 0.0, None)
    if total <= 0 or not len(weights):
        return [0] * len(weights)
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    exact = np.round(weights / weights.sum() * total, 9)  # 1000.0000000001 is 1000, not 1000 plus a remainder
    counts = np.floor(exact).astype("int64")
    remainder = total - int(counts.sum())
    if remainder > 0:
        counts[np.argsort(-(exact - counts), kind="stable")[:remainder]] += 1
    return [int(c) for c in counts]


def _shares_from_sketch(quantiles: Sequence[float], edges: Sequence[float]) -> list[float]:
    """Shares of bins ``[e_i, e_i+1)`` read off a quantile sketch: ``F(e_i+1-) - F(e_i-)`` with the
    piecewise-linear CDF of the sketch and its left limits (values tied on an edge belong to the bin that
    starts there). Each share is within ``2/100 + 2/n`` of the exact share of the ``n`` values."""
    import numpy as np

    from airflow_mlops.core.drift import sketch_cdf

    q = np.maximum.accumulate(np.asarray(quantiles, dtype="float64"))  # keep it non-decreasing
    below = sketch_cdf(q, np.asarray(edges[1:-1], dtype="float64"), left=True)
    return [float(v) for v in np.diff(np.concatenate([[0.0], below, [1.0]]))]


def _shares_on(column: ColumnProfile, edges: Sequence[float]) -> list[float]:
    """The share of the column's non-null values in each bin of ``edges``: exact from its own histogram
    when it has these edges or is discrete (its values rebinned; ``±inf`` in the last bin), else read off
    its quantile sketch (:func:`_shares_from_sketch`)."""
    own_edges, own_counts = column.own_histogram()
    total = column.count
    if total <= 0:
        return [0.0] * (len(edges) - 1)
    if list(own_edges) == list(edges):
        return [n / total for n in own_counts]
    if is_value_binned(own_edges):  # discrete: each value rebinned; ±inf (in the end bin) to the last bin
        import numpy as np

        counts = np.asarray(own_counts, dtype="float64")
        counts[-1] -= column.inf_count
        rebinned = np.zeros(len(edges) - 1)
        at = np.searchsorted(
            np.asarray(edges[1:-1], dtype="float64"), np.asarray(own_edges[:-1]), side="right"
        )
        np.add.at(rebinned, at, counts)
        rebinned[-1] += column.inf_count
        return [float(n) / total for n in rebinned]
    finite = column.count - column.inf_count
    shares = [share * finite / total for share in _shares_from_sketch(column.quantiles, edges)]
    shares[-1] += column.inf_count / total
    return shares


def _median_numeric(columns: Sequence[ColumnProfile]) -> ColumnProfile:
    import numpy as np

    last = columns[-1]
    count = _median_int([c.count for c in columns])
    sketches = [c.quantiles for c in columns if c.quantiles]
    lengths = {len(q) for q in sketches}
    if len(lengths) > 1:
        raise InputError(
            f"column '{last.name}': the profiles have quantile sketches of different lengths {sorted(lengths)}; "
            "recompute them with the same version."
        )
    quantiles = [float(v) for v in np.median(np.asarray(sketches), axis=0)] if sketches else []
    edges, last_counts = last.own_histogram()
    if not edges:
        hist_counts = [count]
    else:
        per_profile = [_shares_on(c, edges) for c in columns if c.count > 0]
        shares = np.median(per_profile, axis=0) if per_profile else np.asarray(last_counts, dtype="float64")
        hist_counts = _apportion(shares.tolist(), count)
    return ColumnProfile(
        name=last.name,
        kind="numeric",
        dtype=last.dtype,
        count=count,
        null_count=_median_int([c.null_count for c in columns]),
        inf_count=_median_int([c.inf_count for c in columns]),
        min=_median([c.min for c in columns]),
        max=_median([c.max for c in columns]),
        mean=_median([c.mean for c in columns]),
        std=_median([c.std for c in columns]),
        quantiles=quantiles,
        hist_edges=edges,
        hist_counts=hist_counts,
    )


def _median_categorical(columns: Sequence[ColumnProfile], top_k: int) -> ColumnProfile:
    import numpy as np

    last = columns[-1]
    labels: dict[str, None] = {}
    for column in columns:
        labels.update(dict.fromkeys(column.top))
    medians = {
        label: int(round(float(np.median([column.top.get(label, 0) for column in columns]))))
        for label in labels
    }
    top = dict(_rank({label: n for label, n in medians.items() if n > 0})[:top_k])
    count = _median_int([c.count for c in columns])
    distinct = [c.distinct_count for c in columns if c.distinct_count is not None]
    return ColumnProfile(
        name=last.name,
        kind="categorical",
        dtype=last.dtype,
        count=count,
        null_count=_median_int([c.null_count for c in columns]),
        top=top,
        other_count=max(count - sum(top.values()), 0),
        distinct_count=_median_int(distinct) if distinct else None,
    )


def own_binned(profile: DatasetProfile) -> DatasetProfile:
    """The profile with each numeric histogram on its own edges, as if it had been profiled without a reference.

    A comparison bins the current data on the baseline's edges so that PSI, chi-square and JS compare like
    with like. The profile it *stores* must not keep those edges, or every later baseline of the chain would
    inherit the first one's bins: after an accepted shift all values would sit in one open-ended bin and
    later drift would be invisible. A profile computed with a reference keeps its own histogram beside the
    reference's (``own_edges``/``own_counts``, counted in the same pass): this returns it as the histogram,
    with its exact counts, so a chain of ``previous_success`` baselines never reconstructs a count.
    """
    import dataclasses

    columns: dict[str, ColumnProfile] = {}
    for name, column in profile.columns.items():
        if column.kind == "numeric" and column.own_counts:
            edges, counts = column.own_histogram()
            column = dataclasses.replace(
                column, hist_edges=edges, hist_counts=counts, own_edges=[], own_counts=[]
            )
        columns[name] = column
    return DatasetProfile(row_count=profile.row_count, columns=columns)


def median_profile(profiles: Sequence[DatasetProfile], *, top_k: int = 50) -> DatasetProfile:
    """The element-wise median of several profiles: the baseline of a ``rolling:N`` comparison.

    * ``row_count``, and per column ``count``, ``null_count``, ``inf_count``, ``min``, ``max``, ``mean``,
      ``std``: the median over the profiles that have the column (``None`` values skipped; counts rounded
      to integers, half to even).
    * ``quantiles``: the element-wise median of the sketches — again a non-decreasing quantile function.
    * histogram: the own edges of the LAST profile (the most recent), and per bin the median over the
      profiles of the share of their non-null values in it, scaled to the median ``count`` with
      largest-remainder rounding so that the counts sum to it. A profile's share is **exact** when its
      own histogram has the same edges (identical data: the result is the data's own histogram) or when
      the column is discrete (counted by value, then rebinned); otherwise it is read off its quantile
      sketch: ``F(e_i+1-) - F(e_i-)`` with the sketch's piecewise-linear CDF, within ``2/100 + 2/n`` of
      the exact share (measured on real data: see docs/concepts/baselines.md).
    * categorical: the union of the profiles' categories, the median count of each (0 in a profile that
      lacks it), categories with a median of 0 dropped, re-ranked and ``top_k`` kept; ``other_count`` is
      the median ``count`` minus the kept counts (at least 0).

    A column takes the kind and dtype of its last profile; profiles where it has another kind (a type
    change) are left out for that column. Columns are in the order of the last profile, then any others.
    """
    _check_top_k(top_k)
    profiles = list(profiles)
    if not profiles:
        raise InputError("median_profile() needs at least one profile; the rolling baseline window is empty.")
    for position, profile in enumerate(profiles):
        if not isinstance(profile, DatasetProfile):
            raise InputError(
                f"profiles[{position}] is a {type(profile).__name__}, not a DatasetProfile; load stored "
                "profiles with DatasetProfile.from_dict()."
            )
    names: dict[str, None] = {}
    for profile in reversed(profiles):
        names.update(dict.fromkeys(profile.columns))
    ordered = list(profiles[-1].columns) + [name for name in names if name not in profiles[-1].columns]
    columns: dict[str, ColumnProfile] = {}
    for name in ordered:
        present = [p.columns[name] for p in profiles if name in p.columns]
        kind = present[-1].kind
        same_kind = [c for c in present if c.kind == kind]
        if kind == "numeric":
            columns[name] = _median_numeric(same_kind)
        else:
            columns[name] = _median_categorical(same_kind, top_k)
    return DatasetProfile(row_count=_median_int([p.row_count for p in profiles]), columns=columns)
