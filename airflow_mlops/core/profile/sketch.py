"""The quantile sketch's maths: quantiles, histogram edges and exact counts from a column's fine bins.

A fine bin is ``(bucket, count, min, max)`` of ``width_bucket(value, low, high, SKETCH_BINS)``: bucket 0
holds the values below ``low`` (only ``-inf``), buckets ``1..SKETCH_BINS`` the equal-width bins of
``[low, high)`` and the last bucket the values ``>= high`` (the maximum and ``+inf``). The SQL engine
counts them (:func:`airflow_mlops.engines.sql.profile_sql` with ``quantiles="sketch"``); this module only
reads them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from airflow_mlops.core.profile.binning import linear_quantiles, own_edges
from airflow_mlops.core.profile.model import DISCRETE_VALUES, HIST_STEP

__all__ = [
    "SKETCH_BINS",
    "SKETCH_DENSE_SHARE",
    "FineBin",
    "sketch_from_bins",
    "value_edges_and_below",
    "values_from_bins",
]

#: Fine bins per numeric column of ``profile_sql(quantiles="sketch")``: quantiles within (max - min) / SKETCH_BINS.
SKETCH_BINS = 10_000
#: A column whose fine bin holds more than this share of its values in a range (``min < max``) is sorted
#: instead of sketched: the bin cannot say where those values lie (one far outlier puts nearly all of
#: them into one bin), and its quantiles and histogram would hide any change of shape. One histogram
#: bin's worth (5 %).
SKETCH_DENSE_SHARE = 0.05
#: ``(bucket, count, min, max)`` of one non-empty fine bin.
FineBin = tuple[int, int, float, float]


def sketch_from_bins(
    bins: Sequence[FineBin],
    low: float,
    high: float,
    inf_count: int,
    probs: Sequence[float],
) -> tuple[list[float], list[float], list[int]] | None:
    """Quantiles, histogram edges and the counts below each inner edge, from a column's fine bins.

    ``bins`` are ``(bucket, count, min, max)`` as :func:`airflow_mlops.engines.sql.scans.fine_bins` returns them for ``width_bucket(v,
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

    quantiles = linear_quantiles(order_statistic, n, probs)
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


def values_from_bins(bins: Sequence[FineBin], inf_count: int) -> tuple[list[float], list[int]] | None:
    """A discrete column's distinct finite values and their counts, from its fine bins (as
    :func:`airflow_mlops.engines.sql.scans.fine_bins` returns them) when every bin holds one value and there are at most
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


def value_edges_and_below(
    values: Sequence[float], counts: Sequence[int], bins: Sequence[FineBin]
) -> tuple[list[float], list[int]]:
    """Value edges of a discrete column and the count below each inner edge (``-inf`` included)."""
    below = sum(count for bucket, count, _, _ in bins if bucket == 0)
    cumulative: list[int] = []
    for count in counts[:-1]:
        below += count
        cumulative.append(below)
    return own_edges([], values), cumulative
