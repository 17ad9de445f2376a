"""Baselines made of profiles: :func:`median_profile` (``rolling:N``) and :func:`own_binned` (what a run stores)."""

from __future__ import annotations

from collections.abc import Sequence

from airflow_mlops.core.profile.binning import rank
from airflow_mlops.core.profile.model import ColumnProfile, DatasetProfile, check_top_k, is_value_binned
from airflow_mlops.exceptions import InputError

__all__ = ["median_profile", "own_binned"]


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
    top = dict(rank({label: n for label, n in medians.items() if n > 0})[:top_k])
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
    check_top_k(top_k)
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
