"""Binning shared by the frame engine and the SQL engine: histogram edges from quantiles or values,
counts on bins, numpy's linear quantiles from order statistics, and categorical profiles from label counts."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_mlops.core.profile.model import (
    DISCRETE_VALUES,
    HIST_STEP,
    MAX_NEW_CATEGORIES,
    ColumnProfile,
    DatasetProfile,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "bin_counts",
    "categorical_profile",
    "counts_from_below",
    "edges_from_quantiles",
    "interpolate_like_numpy",
    "linear_quantiles",
    "may_be_discrete",
    "needed_ranks",
    "own_edges",
    "rank",
    "reference_column",
    "safe_float",
]


def reference_column(reference: DatasetProfile | None, name: str, kind: str) -> ColumnProfile | None:
    """The reference's profile of ``name`` when it exists and has the same kind (else: bin on its own)."""
    if reference is None:
        return None
    column = reference.columns.get(name)
    return column if column is not None and column.kind == kind else None


def edges_from_quantiles(quantiles: Sequence[float]) -> list[float]:
    if not quantiles:
        return []
    edges = sorted(set(quantiles[::HIST_STEP]))
    return edges if len(edges) > 1 else [edges[0], edges[0]]


def may_be_discrete(quantiles: Sequence[float]) -> bool:
    """Whether the column can have at most DISCRETE_VALUES distinct values: k values give at most 2k - 1
    distinct quantiles (each value, plus one interpolated point between two neighbours)."""
    return bool(quantiles) and len(set(quantiles)) <= 2 * DISCRETE_VALUES - 1


def own_edges(quantiles: Sequence[float], distinct: Sequence[float] | None) -> list[float]:
    """A column's own histogram edges: by value when ``distinct`` (its sorted distinct finite values, at
    most DISCRETE_VALUES) is known, else the distinct quantiles at p = 0, 0.05, ..., 1."""
    if distinct:
        return [*distinct, distinct[-1]]
    return edges_from_quantiles(quantiles)


def bin_counts(values: np.ndarray, edges: Sequence[float]) -> list[int]:
    """Counts of ``values`` on bins ``[e_i, e_i+1)``, the first and last open-ended (``±inf`` included)."""
    import numpy as np

    bins = np.searchsorted(np.asarray(edges[1:-1], dtype="float64"), values, side="right")
    return [int(n) for n in np.bincount(bins, minlength=len(edges) - 1)]


def rank(pairs: Mapping[str, int]) -> list[tuple[str, int]]:
    """Most frequent first, ties by label in code-point order (the same order as SQL ``COLLATE "C"``)."""
    return sorted(pairs.items(), key=lambda item: (-item[1], item[0]))


def categorical_profile(
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
        top = dict(rank(counts)[:top_k])
        new: list[str] = []
    else:
        top = {label: int(counts.get(label, 0)) for label in reference.top}
        outside = {label: n for label, n in counts.items() if label not in reference.top}
        new = [label for label, _ in rank(outside)[:MAX_NEW_CATEGORIES]]
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


def safe_float(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def interpolate_like_numpy(ordered: Mapping[int, float], n: int, probs: Sequence[float]) -> list[float]:
    """numpy's ``quantile(method="linear")`` from the order statistics at the ranks it needs (0-based)."""
    return linear_quantiles(ordered.__getitem__, n, probs)


def linear_quantiles(order_statistic: Callable[[int], float], n: int, probs: Sequence[float]) -> list[float]:
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


def needed_ranks(n: int, probs: Sequence[float]) -> list[int]:
    import numpy as np

    virtual = (n - 1) * np.asarray(probs, dtype="float64")
    previous = np.minimum(np.floor(virtual), n - 1).astype(int)
    following = np.minimum(previous + 1, n - 1)
    return sorted({int(i) for i in np.concatenate([previous, following])})


def counts_from_below(
    counted: Mapping[str, Any], prefix: str, edges: Sequence[float], count: int
) -> list[int]:
    """Histogram counts from the counts below each inner edge (labelled ``<prefix>_<b>``)."""
    if not edges:
        return [count]
    below = [int(counted.get(f"{prefix}_{b}") or 0) for b in range(len(edges) - 2)]
    cumulative = [0, *below, count]
    return [cumulative[b + 1] - cumulative[b] for b in range(len(edges) - 1)]
