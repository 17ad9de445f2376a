"""The passes of :func:`~airflow_mlops.engines.sql.profile_sql`, one function each (see its module).

Each pass reads :class:`~airflow_mlops.engines.sql.source.ProfiledValues` and fills the
:class:`ColumnState` of the columns it measures; the numbers are those of the passes' docstrings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_mlops.core.profile.binning import (
    counts_from_below,
    interpolate_like_numpy,
    may_be_discrete,
    needed_ranks,
    own_edges,
    reference_column,
    safe_float,
)
from airflow_mlops.core.profile.model import (
    DISCRETE_VALUES,
    QUANTILE_POINTS,
    DatasetProfile,
    is_value_binned,
)
from airflow_mlops.core.profile.sketch import (
    SKETCH_BINS,
    FineBin,
    sketch_from_bins,
    value_edges_and_below,
    values_from_bins,
)
from airflow_mlops.engines.sql.scans import deal, distinct_values, fine_bins, label_counts
from airflow_mlops.engines.sql.session import ProfileSession
from airflow_mlops.engines.sql.source import ProfiledValues, SqlColumn

__all__ = [
    "LABEL_COLUMNS_PER_SCAN",
    "SKETCH_COLUMNS_PER_SCAN",
    "ColumnState",
    "Labels",
    "choose_own_edges",
    "count_histograms",
    "count_labels",
    "count_moments",
    "exact_quantiles",
    "sketch_quantiles",
    "start_label_scans",
]

#: Numeric columns per grouping-sets scan of the sketch: every set computes every column's min and max,
#: so the work per row grows with the square of this; more columns are split over more scans.
SKETCH_COLUMNS_PER_SCAN = 3
#: Categorical columns per grouping-sets scan on PostgreSQL (each set only counts: no such waste).
LABEL_COLUMNS_PER_SCAN = 8
#: Per categorical column: its label counts and its number of distinct non-null values.
Labels = dict[int, tuple[dict[str, int], int]]


@dataclass
class ColumnState:
    """What the passes found of one column so far (all but ``count`` for numeric columns only).

    :param edges: the histogram's edges: a reference's (pass 1), else the own ones (pass 3).
    :param own: the column's own edges, once known; ``own_below`` the counts below their inner edges
        when the sketch's fine bins gave them (no counting pass needed).
    :param own_edges: the own edges when they are kept beside a reference's.
    """

    count: int = 0
    inf_count: int = 0
    finite: int = 0
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: list[float] = field(default_factory=list)
    edges: list[float] | None = None
    own: list[float] | None = None
    own_below: list[int] | None = None
    own_edges: list[float] | None = None
    hist_counts: list[int] = field(default_factory=list)
    own_counts: list[int] = field(default_factory=list)


def start_label_scans(
    session: ProfileSession,
    values: ProfiledValues,
    specs: Sequence[SqlColumn],
    reference: DatasetProfile | None,
    top_k: int,
) -> list[Callable[[], Labels]]:
    """4 (sketch). Up to ``LABEL_COLUMNS_PER_SCAN`` categorical columns per grouping-sets scan, started
    first (it needs nothing from the other passes) beside them: when the passes share the cores, one scan
    of several columns costs about half the CPU of a ``GROUP BY`` per column."""
    categorical = [i for i, spec in enumerate(specs) if spec.kind != "numeric"]
    work = _label_work(values, specs, reference, session.dialect, top_k)
    shares = deal(categorical, math.ceil(len(categorical) / LABEL_COLUMNS_PER_SCAN))
    return [session.start(work, share) for share in shares]


def count_labels(
    session: ProfileSession,
    values: ProfiledValues,
    specs: Sequence[SqlColumn],
    reference: DatasetProfile | None,
    top_k: int,
) -> Labels:
    """4 (exact). Last, one ``GROUP BY`` per column on the main connection, where PostgreSQL runs each in
    parallel (alone, that is faster than one single-process grouping-sets scan)."""
    work = _label_work(values, specs, reference, session.dialect, top_k)
    found: Labels = {}
    for i, spec in enumerate(specs):
        if spec.kind != "numeric":
            found.update(work(session.conn, [i]))
    return found


def _label_work(
    values: ProfiledValues,
    specs: Sequence[SqlColumn],
    reference: DatasetProfile | None,
    dialect: str,
    top_k: int,
) -> Callable[[Any, Sequence[int]], Labels]:
    def work(on: Any, share: Sequence[int]) -> Labels:
        columns = [
            (values.value(i), specs[i].dtype, reference_column(reference, specs[i].name, "categorical"))
            for i in share
        ]
        found = label_counts(on, values.subquery, columns, dialect, top_k)
        return dict(zip(share, found, strict=True))

    return work


def count_moments(
    conn: Any,
    values: ProfiledValues,
    specs: Sequence[SqlColumn],
    reference: DatasetProfile | None,
    states: Sequence[ColumnState],
    *,
    stddev: bool,
) -> dict[str, Any]:
    """1. Counts and moments of every column in one pass; min/max tell whether a float column holds
    ±inf, and only those (rare) get a second look at their finite values and the count of ±inf. With a
    reference its bin edges are known: its histogram is counted here too. Returns the pass's row
    (``row_count``, and the counts below the reference's edges for pass 3)."""
    import sqlalchemy as sa

    aggregates: list[Any] = [sa.func.count().label("row_count")]
    for i, spec in enumerate(specs):
        v = values.value(i)
        aggregates.append(sa.func.count(v).label(f"count{i}"))
        if spec.kind == "numeric":
            aggregates += _moments(v, i, stddev)
            ref = reference_column(reference, spec.name, "numeric")
            if ref is not None:
                states[i].edges = list(ref.hist_edges)
                aggregates += values.below_edges(i, ref.hist_edges)
    first = dict(conn.execute(sa.select(*aggregates).select_from(values.subquery)).one()._mapping)
    for i, spec in enumerate(specs):
        if spec.dtype == "float64" and any(
            isinstance(first[k], float) and math.isinf(first[k]) for k in (f"min{i}", f"max{i}")
        ):
            values.has_inf.add(i)
    if values.has_inf:  # rare: the same moments over the finite values, and the count of ±inf
        redo: list[Any] = []
        for i in sorted(values.has_inf):
            redo.append(sa.func.sum(sa.case((values.is_inf(i), 1), else_=0)).label(f"inf{i}"))
            redo += _moments(values.finite(i), i, stddev)
        first.update(conn.execute(sa.select(*redo).select_from(values.subquery)).one()._mapping)
    for i, spec in enumerate(specs):
        state = states[i]
        state.count = int(first[f"count{i}"] or 0)
        if spec.kind == "numeric":
            state.inf_count = int(first.get(f"inf{i}") or 0)
            state.finite = state.count - state.inf_count
            for key in ("min", "max", "mean", "std"):
                raw_value = first.get(f"{key}{i}")
                setattr(state, key, None if raw_value is None else safe_float(raw_value))
    return first


def _moments(v: Any, i: int, stddev: bool) -> list[Any]:
    """``min``, ``max``, ``avg`` and, on PostgreSQL, ``stddev_samp`` (numerically stable, Youngs-Cramer)."""
    import sqlalchemy as sa

    found = [
        sa.func.min(v).label(f"min{i}"),
        sa.func.max(v).label(f"max{i}"),
        sa.func.avg(v).label(f"mean{i}"),
    ]
    if stddev:
        found.append(sa.func.stddev_samp(v).label(f"std{i}"))
    return found


def sketch_quantiles(
    session: ProfileSession,
    values: ProfiledValues,
    states: Sequence[ColumnState],
    numeric: Sequence[int],
    probs: Sequence[float],
    *,
    free: int,
) -> list[int]:
    """2 (sketch, PostgreSQL). Grouping-sets scans bin every numeric column with a range into
    ``SKETCH_BINS`` fine bins of equal width between its finite min and max, on as many connections as
    ``free`` (those the label scans leave), with fewer columns per scan if more; the quantiles are read
    off the bins and the own histogram's counts too (exact, no pass 3). A constant column needs no scan.
    Returns the columns still to sort: a too-dense fine bin, or rows that changed between passes."""
    for i in numeric:
        low, high = states[i].min, states[i].max
        if low is not None and low == high:  # constant: width_bucket needs low < high
            states[i].quantiles = [low] * QUANTILE_POINTS
    ranges = {
        i: (low, high)
        for i in numeric
        if (low := states[i].min) is not None and (high := states[i].max) is not None and low < high
    }
    binned = list(ranges)
    if binned:

        def work(on: Any, share: Sequence[int]) -> dict[int, list[FineBin]]:
            columns = [(values.value(i), values.raw(i), *ranges[i]) for i in share]
            return dict(zip(share, fine_bins(on, columns, SKETCH_BINS), strict=True))

        scans = max(free, math.ceil(len(binned) / SKETCH_COLUMNS_PER_SCAN))
        fine = session.spread(work, deal(binned, scans))
        for i in binned:
            bins, state = fine[i], states[i]
            sketched = sketch_from_bins(bins, *ranges[i], state.inf_count, probs)
            if sketched is None:  # a too-dense fine bin, or the rows changed between passes: sort
                continue
            state.quantiles, edges, below = sketched
            table = values_from_bins(bins, state.inf_count)
            if table is not None:  # every fine bin holds one value: discrete, counted by value
                edges, below = value_edges_and_below(*table, bins)
            state.own, state.own_below = edges, below
    return [i for i in numeric if not states[i].quantiles]


def exact_quantiles(
    session: ProfileSession,
    values: ProfiledValues,
    states: Sequence[ColumnState],
    exact: Sequence[int],
    probs: Sequence[float],
    *,
    parallel: int,
) -> None:
    """2 (exact). On PostgreSQL ``percentile_cont(ARRAY[p...]) WITHIN GROUP (ORDER BY col)``, the columns
    shared over ``parallel`` connections; elsewhere the order statistics numpy's linear method needs,
    ranked with ``row_number()`` and interpolated in Python exactly as numpy does."""
    import sqlalchemy as sa

    if exact and session.dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        array: Any = sa.literal(probs, postgresql.ARRAY(sa.Double()))

        def percentiles(on: Any, share: Sequence[int]) -> dict[int, list[float]]:
            sketches = [
                sa.func.percentile_cont(array).within_group(values.finite(i)).label(f"q{i}") for i in share
            ]
            row = on.execute(sa.select(*sketches).select_from(values.subquery)).one()._mapping
            return {i: [float(v) for v in row[f"q{i}"]] for i in share}

        found = session.spread(percentiles, deal(exact, parallel))
        for i in exact:
            states[i].quantiles = found[i]
        return
    for i in exact:
        n = states[i].finite
        f = values.finite(i)
        ranked = (
            sa.select(f.label("value"), sa.func.row_number().over(order_by=f).label("rank"))
            .select_from(values.subquery)
            .where(f.is_not(None))
            .subquery("ranked")
        )
        ranks = needed_ranks(n, probs)
        query = sa.select(ranked.c.rank, ranked.c.value).where(ranked.c.rank.in_([r + 1 for r in ranks]))
        ordered = {int(rank) - 1: float(value) for rank, value in session.conn.execute(query)}
        states[i].quantiles = interpolate_like_numpy(ordered, n, probs)


def choose_own_edges(
    conn: Any, values: ProfiledValues, states: Sequence[ColumnState], numeric: Sequence[int]
) -> None:
    """2b. Own edges: by value for a discrete column (at most ``DISCRETE_VALUES`` distinct values; a
    capped ``SELECT DISTINCT`` only where the quantiles allow so few), else from the quantiles."""
    for i in numeric:
        state = states[i]
        maybe = may_be_discrete(state.quantiles)
        if state.own is not None and (is_value_binned(state.own) or not maybe):
            continue  # settled by the sketch's fine bins
        distinct = (
            distinct_values(conn, values.subquery, values.finite(i), DISCRETE_VALUES) if maybe else None
        )
        if distinct is not None or state.own is None:
            state.own, state.own_below = own_edges(state.quantiles, distinct), None


def count_histograms(
    conn: Any,
    values: ProfiledValues,
    specs: Sequence[SqlColumn],
    states: Sequence[ColumnState],
    first: Mapping[str, Any],
    *,
    stddev: bool,
) -> None:
    """3. What pass 1 could not count: the histograms on the own edges (``count(*) FILTER (WHERE col <
    edge)`` per inner edge; beside a reference's when they differ) unless the sketch counted them, and
    without ``stddev`` (SQLite) the sum of squared deviations from pass 1's mean (two-pass variance)."""
    import sqlalchemy as sa

    numeric = [i for i, spec in enumerate(specs) if spec.kind == "numeric"]
    derived: dict[str, int] = {}
    second: list[Any] = []
    for i in numeric:
        state = states[i]
        own, own_below = state.own or [], state.own_below
        beside = state.edges is not None and state.edges != own  # a reference's edges, not the own ones
        prefix = "o" if beside else "h"
        if state.edges is None:
            state.edges = own
        state.own_edges = own if beside else None
        if own_below is not None:
            derived.update({f"{prefix}{i}_{b}": n for b, n in enumerate(own_below)})
        elif own:
            second += values.below_edges(i, own, prefix)
        if not stddev and state.finite > 1 and state.mean is not None:
            deviation = values.finite(i) - sa.literal(state.mean, sa.Double())
            second.append(sa.func.sum(deviation * deviation).label(f"ss{i}"))
    third: Any = (
        conn.execute(sa.select(*second).select_from(values.subquery)).one()._mapping if second else {}
    )
    counted = {**first, **derived, **third}
    for i in numeric:
        state = states[i]
        ss = third.get(f"ss{i}")
        if ss is not None:
            state.std = safe_float(math.sqrt(max(float(ss), 0.0) / (state.finite - 1)))
        elif state.finite < 2:
            state.std = None
        state.hist_counts = counts_from_below(counted, f"h{i}", state.edges or [], state.count)
        kept = state.own_edges
        state.own_counts = [] if kept is None else counts_from_below(counted, f"o{i}", kept, state.count)
