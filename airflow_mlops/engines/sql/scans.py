"""The SQL engine's scans: grouping-sets scans of fine bins and of labels, and capped distinct values.

SQLAlchemy Core builds every query (identifiers quoted by SQLAlchemy); SQLAlchemy is imported inside the
functions, so importing this module is cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_mlops.core.profile.model import MAX_NEW_CATEGORIES, ColumnProfile
from airflow_mlops.core.profile.sketch import FineBin

__all__ = ["deal", "distinct_values", "fine_bins", "grouping_sets_of_each", "label_counts"]


def deal(columns: Sequence[int], parts: int) -> list[list[int]]:
    """``columns`` dealt round-robin into ``parts`` non-empty shares (fewer when there are fewer columns)."""
    parts = max(1, min(parts, len(columns)))
    return [list(columns[k::parts]) for k in range(parts)] if columns else []


def grouping_sets_of_each(keys: Sequence[Any]) -> tuple[Any, Any, list[int]]:
    """``GROUPING(k0, k1, ...)``, ``GROUPING SETS ((k0), (k1), ...)`` (for ``group_by``) and, per set ``k``,
    the ``GROUPING()`` value of its rows: one bit per key, the first key the most significant, set for
    every key the row does not group by (all but bit ``k``)."""
    import sqlalchemy as sa

    if len(keys) > 31:
        raise ValueError("GROUPING() takes at most 31 columns")
    every = (1 << len(keys)) - 1
    masks = [every - (1 << (len(keys) - 1 - k)) for k in range(len(keys))]
    return sa.func.grouping(*keys), sa.func.grouping_sets(*(sa.tuple_(key) for key in keys)), masks


def fine_bins(conn: Any, columns: Sequence[tuple[Any, Any, float, float]], bins: int) -> list[list[FineBin]]:
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
    parallel, so :func:`~airflow_mlops.engines.sql.profile_sql` spreads the columns over several connections; every set computes
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
    grouping, sets, masks = grouping_sets_of_each(keys)
    query = sa.select(grouping, *keys, *aggregates).group_by(sets)
    found: list[list[FineBin]] = [[] for _ in columns]
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


def distinct_values(conn: Any, prepared: Any, finite: Any, limit: int) -> list[float] | None:
    """The sorted distinct finite values of a column when there are at most ``limit``, else ``None``:
    ``SELECT DISTINCT ... LIMIT limit + 1`` (a hash of at most that many values)."""
    import sqlalchemy as sa

    query = sa.select(finite.label("value")).select_from(prepared).where(finite.is_not(None))
    found = [float(value) for (value,) in conn.execute(query.distinct().limit(limit + 1))]
    return sorted(found) if len(found) <= limit else None


def _label(value: Any, dtype: str) -> str:
    if dtype == "bool" and value in (0, 1):
        return "True" if value else "False"
    return str(value)


def label_counts(
    conn: Any,
    prepared: Any,
    columns: Sequence[tuple[Any, str, ColumnProfile | None]],
    dialect: str,
    top_k: int,
) -> list[tuple[dict[str, int], int]]:
    """Per column ``(value, dtype, reference)``: the label counts for
    :func:`~airflow_mlops.core.profile.binning.categorical_profile` (the top ``top_k``, or the reference's
    categories then the ``MAX_NEW_CATEGORIES`` most frequent others; ties in code-point order) and the
    number of distinct non-null values, from ONE scan.

    Several columns (PostgreSQL only; at most 31, ``GROUPING``'s limit) are grouped with ``GROUP BY
    GROUPING SETS ((c0), (c1), ...)``: one hash table per column in one pass over the rows, where one
    ``GROUP BY`` per column scans the table once per column. ``GROUPING(c0, c1, ...)`` tells the sets
    apart; per set, ``count(*) OVER`` the groups is the distinct count (``count(DISTINCT col)`` sorts the
    column and costs ~20x more on a 10M-row text column) and ``row_number()`` keeps the top ones, so only
    those reach the client whatever the number of distinct values. One column is a plain ``GROUP BY``.
    """
    if len(columns) > 1 and dialect != "postgresql":
        raise ValueError("grouping sets of several columns need PostgreSQL")
    groups, masks = _label_groups(prepared, columns)
    query = _top_labels(groups, masks, columns, dialect, top_k)
    found: list[tuple[dict[str, int], int]] = [({}, 0) for _ in columns]
    for row in conn.execute(query):
        k = masks.index(int(row[0]))
        counts, _ = found[k]
        key = _label(row[1 + k], columns[k][1])  # bool: at most two groups, labelled in Python
        counts[key] = counts.get(key, 0) + int(row[1 + len(columns)])
        found[k] = (counts, int(row[2 + len(columns)]))
    return found


def _label_groups(
    prepared: Any, columns: Sequence[tuple[Any, str, ColumnProfile | None]]
) -> tuple[Any, list[int]]:
    """The groups ``(grouping_mask, c0, c1, ..., n)`` of every column's values, and each set's mask."""
    import sqlalchemy as sa

    inner = sa.select(*(value.label(f"c{k}") for k, (value, _, _) in enumerate(columns))).select_from(
        prepared
    )
    if len(columns) > 1:  # a fence: the planner expects 200 groups per set and hashes (see fine_bins)
        inner = inner.offset(sa.literal_column("0"))
    labelled = inner.subquery("labels")
    keys = [labelled.c[f"c{k}"] for k in range(len(columns))]
    grouping, sets, masks = grouping_sets_of_each(keys)
    if len(columns) == 1:  # a plain GROUP BY; its rows get the mask of the one set
        grouped = sa.select(sa.literal(masks[0]).label("grouping_mask"), keys[0], sa.func.count().label("n"))
        grouped = grouped.group_by(keys[0])
    else:
        grouped = sa.select(grouping.label("grouping_mask"), *keys, sa.func.count().label("n")).group_by(sets)
    return grouped.subquery("label_groups"), masks


def _top_labels(
    groups: Any,
    masks: Sequence[int],
    columns: Sequence[tuple[Any, str, ColumnProfile | None]],
    dialect: str,
    top_k: int,
) -> Any:
    """The query keeping, per column, the groups :func:`label_counts` needs and the distinct count."""
    import sqlalchemy as sa

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
    if len(columns) == 1:  # ORDER BY ... LIMIT: a top-N heap, no full sort of the groups
        query = sa.select(mask, values[0], n, sa.func.count().over().label("distinct_count"))
        query = query.where(values[0].is_not(None)).order_by(*order)
        return query if limits[0] is None else query.limit(limits[0])
    # per set: row_number() keeps the top ones, count(*) over the set is the distinct count
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
    return sa.select(
        ranked.c.grouping_mask,
        *(ranked.c[f"c{k}"] for k in range(len(columns))),
        ranked.c.n,
        ranked.c.distinct_count,
    ).where(sa.or_(*kept))
