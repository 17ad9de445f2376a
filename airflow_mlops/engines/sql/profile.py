"""The SQL profile: :func:`profile_sql` profiles a table or query inside the database; only aggregates
travel to the client.

The result equals :func:`~airflow_mlops.core.profile.profile_frame` of the same rows. Queries (SQLAlchemy Core, identifiers always
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
   differ, so that the stored profile's counts are exact: see :func:`~airflow_mlops.core.profile.own_binned`):
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
would hide any change of shape) is sorted instead, as in ``"exact"`` mode. On SQLite and any other
database ``"sketch"`` computes exact quantiles (the result equals ``"exact"``).

On PostgreSQL every pass reads one snapshot (a ``REPEATABLE READ`` transaction, exported to the other
connections when there are several), so rows written while the profile runs are in no pass rather than in
some: counts, quantiles and histograms always describe the same rows.

NaN in PostgreSQL float columns is a null, as in pandas. Datetimes are supported on PostgreSQL
(``extract(epoch ...)``) and SQLite (``strftime``, to the millisecond). A text query's columns are
unknown: pass ``columns=``.

The passes are in :mod:`airflow_mlops.engines.sql.passes`, their connections and snapshot in
:mod:`airflow_mlops.engines.sql.session`, the source and its prepared values in
:mod:`airflow_mlops.engines.sql.source`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_mlops.core.profile.binning import categorical_profile, reference_column
from airflow_mlops.core.profile.model import (
    ColumnProfile,
    DatasetProfile,
    check_top_k,
    quantile_probabilities,
)
from airflow_mlops.core.sql import QuantileMode
from airflow_mlops.engines.sql.passes import (
    ColumnState,
    Labels,
    choose_own_edges,
    count_histograms,
    count_labels,
    count_moments,
    exact_quantiles,
    sketch_quantiles,
    start_label_scans,
)
from airflow_mlops.engines.sql.session import ProfileSession, check_settings
from airflow_mlops.engines.sql.source import ProfiledValues, SqlColumn, sql_source

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["profile_sql"]


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
    """Profile a table or query inside the database: only aggregates travel to the client. The result
    equals :func:`~airflow_mlops.core.profile.profile_frame` of the same rows; the passes, the sketch's
    bound and the snapshot are described in :mod:`airflow_mlops.engines.sql.profile`.

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
    :param quantiles: ``"exact"`` (default): sorted quantiles, the profile equals
        :func:`~airflow_mlops.core.profile.profile_frame`'s; ``"sketch"``: PostgreSQL only, quantiles from
        fine histograms as the module describes (no sort; about 2x faster than ``"exact"`` on 10M rows, see
        docs/performance.md), other databases compute them exactly.
    """
    check_top_k(top_k)
    check_settings(work_mem=work_mem, parallel=parallel, quantiles=quantiles)
    source, specs = sql_source(engine, selectable, columns)
    sketch = quantiles == "sketch" and engine.dialect.name == "postgresql"  # elsewhere: exact
    stddev = engine.dialect.name == "postgresql"  # SQLite has no stddev: pass 3 sums squared deviations
    values = ProfiledValues(source, specs, engine.dialect.name)
    states = [ColumnState() for _ in specs]
    probs = quantile_probabilities()
    with ProfileSession.open(engine, work_mem=work_mem, parallel=parallel, sketch=sketch) as session:
        labels_of = start_label_scans(session, values, specs, reference, top_k) if sketch else []
        first = count_moments(session.conn, values, specs, reference, states, stddev=stddev)
        numeric = [i for i, spec in enumerate(specs) if spec.kind == "numeric" and states[i].finite > 0]
        exact = numeric
        if sketch and numeric:
            free = session.connections - len(labels_of)
            exact = sketch_quantiles(session, values, states, numeric, probs, free=free)
        exact_quantiles(session, values, states, exact, probs, parallel=parallel)
        choose_own_edges(session.conn, values, states, numeric)
        count_histograms(session.conn, values, specs, states, first, stddev=stddev)
        categories: Labels = {}
        for result_of in labels_of:
            categories.update(result_of())
        if not sketch:  # one GROUP BY per column, here, after the other passes
            categories = count_labels(session, values, specs, reference, top_k)
    return _assemble(specs, states, categories, int(first["row_count"]), reference, top_k)


def _assemble(
    specs: Sequence[SqlColumn],
    states: Sequence[ColumnState],
    categories: Labels,
    row_count: int,
    reference: DatasetProfile | None,
    top_k: int,
) -> DatasetProfile:
    columns_out: dict[str, ColumnProfile] = {}
    for i, (spec, state) in enumerate(zip(specs, states, strict=True)):
        if spec.kind == "numeric":
            columns_out[spec.name] = ColumnProfile(
                name=spec.name,
                kind="numeric",
                dtype=spec.dtype,
                count=state.count,
                null_count=row_count - state.count,
                inf_count=state.inf_count,
                min=state.min,
                max=state.max,
                mean=state.mean,
                std=state.std,
                quantiles=state.quantiles,
                hist_edges=state.edges or [],
                hist_counts=state.hist_counts,
                own_edges=state.own_edges or [],
                own_counts=state.own_counts,
            )
            continue
        counts, distinct_count = categories[i]
        columns_out[spec.name] = categorical_profile(
            name=spec.name,
            dtype=spec.dtype,
            count=state.count,
            null_count=row_count - state.count,
            distinct_count=distinct_count,
            counts=counts,
            reference=reference_column(reference, spec.name, "categorical"),
            top_k=top_k,
        )
    return DatasetProfile(row_count=row_count, columns=columns_out)
