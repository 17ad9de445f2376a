"""The frame engine: a :class:`DatasetProfile` of a pandas DataFrame, one vectorised pass per column.

pandas and numpy are imported inside the functions that need them, never at import time.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from airflow_mlops.core.profile.binning import (
    bin_counts,
    categorical_profile,
    may_be_discrete,
    own_edges,
    reference_column,
    safe_float,
)
from airflow_mlops.core.profile.model import (
    DISCRETE_VALUES,
    DTYPES,
    MAX_NEW_CATEGORIES,
    ColumnProfile,
    DatasetProfile,
    check_top_k,
    quantile_probabilities,
)
from airflow_mlops.exceptions import InputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["profile_frame"]


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
                "min": safe_float(finite.min()),
                "max": safe_float(finite.max()),
                "mean": safe_float(finite.mean()),
                "std": safe_float(finite.std(ddof=1)) if finite.size > 1 else None,
            }
    distinct: list[float] | None = None
    if may_be_discrete(quantiles):
        import pandas as pd

        values = pd.unique(finite)
        if len(values) <= DISCRETE_VALUES:
            distinct = sorted(float(v) for v in values)
    own = own_edges(quantiles, distinct)
    own_counts = bin_counts(nonnull, own) if own else [count]
    if reference is None or list(reference.hist_edges) == own:  # one histogram, on the own edges
        edges, hist_counts, own, own_counts = own, own_counts, [], []
    else:  # the reference's, and the own one beside it
        edges = list(reference.hist_edges)
        hist_counts = bin_counts(nonnull, edges) if edges else [count]
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
    return categorical_profile(
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
    check_top_k(top_k)
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
        ref = reference_column(reference, name, kind)
        if kind == "numeric":
            values = _frame_numeric_values(series, dtype)
            columns[name] = _numeric_profile_from_array(name, dtype, values, ref)
        else:
            columns[name] = _categorical_profile_from_series(name, dtype, series, ref, top_k)
    return DatasetProfile(row_count=len(frame), columns=columns)
