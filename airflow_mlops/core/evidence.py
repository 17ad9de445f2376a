"""The evidence behind a drift or schema result: what changed versus the baseline, in a few hundred bytes.

* :func:`numeric_evidence`: both histograms as shares of non-null rows on the baseline's bins (the bins
  the drift statistics compared), and min, quantiles, max, mean, std and null share side by side;
* :func:`categorical_evidence`: the categories whose share moved most, with both shares; the new and the
  vanished categories with their shares;
* :func:`schema_diff_lines`: a schema change as diff lines (``removed: sex``).

Every number is a plain float at full precision (the pages round them for people, :mod:`~.numbers`);
every list is bounded (:data:`MAX_BINS` bins, ``top`` movers, :data:`MAX_NAMED` new or vanished names),
so the evidence fits in a check result's details. Pure Python: it reads :class:`ColumnProfile` objects
and needs neither pandas nor numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_mlops.core.profile import ColumnProfile

__all__ = [
    "MAX_BINS",
    "MAX_NAMED",
    "STATISTICS",
    "categorical_evidence",
    "column_evidence",
    "numeric_evidence",
    "schema_diff_lines",
]

#: Most histogram bins in the evidence (21 edges): a discrete column binned by value (up to 50 values)
#: has its neighbouring values merged into ranges beyond this.
MAX_BINS = 20
#: Most new, vanished or retyped names listed (the rest are counted).
MAX_NAMED = 20
#: The side-by-side statistics of a numeric column, in display order, with the quantile probability of
#: those read off the quantile sketch.
STATISTICS: tuple[str, ...] = (
    "min",
    "p05",
    "p25",
    "median",
    "p75",
    "p95",
    "max",
    "mean",
    "std",
    "null_share",
)
_QUANTILES = {"p05": 0.05, "p25": 0.25, "median": 0.5, "p75": 0.75, "p95": 0.95}


def column_evidence(current: ColumnProfile, baseline: ColumnProfile) -> dict[str, Any]:
    """:func:`numeric_evidence` or :func:`categorical_evidence`, whichever the columns are (same kind)."""
    if current.kind == "numeric":
        return numeric_evidence(current, baseline)
    return categorical_evidence(current, baseline)


def _share(part: float, whole: float) -> float:
    return float(part) / whole if whole > 0 else 0.0


def _float(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _statistics(column: ColumnProfile) -> dict[str, float | None]:
    """min, p05, ..., max from the column's 101-point quantile sketch (``quantiles[k]`` is p = k / 100),
    mean and std from the profile, and the null share of all rows."""
    sketch = column.quantiles
    stats: dict[str, float | None] = {}
    for name in STATISTICS:
        if name in _QUANTILES:
            stats[name] = _float(sketch[round(_QUANTILES[name] * (len(sketch) - 1))]) if sketch else None
        elif name == "null_share":
            stats[name] = float(column.null_rate)
        else:
            stats[name] = _float(getattr(column, name))
    return stats


def _merged(edges: list[float], *series: Sequence[int]) -> tuple[list[float], list[list[int]]]:
    """At most :data:`MAX_BINS` bins: runs of neighbouring bins summed. Bin ``i`` stays ``[e_i, e_i+1)``
    with the last from ``e[-2]`` up, so a value-binned column's merged bins are value ranges."""
    bins = len(edges) - 1
    if bins <= MAX_BINS:
        return edges, [list(s) for s in series]
    size = math.ceil(bins / MAX_BINS)
    starts = range(0, bins, size)
    return [edges[s] for s in starts] + [edges[-1]], [[sum(s[i : i + size]) for i in starts] for s in series]


def numeric_evidence(current: ColumnProfile, baseline: ColumnProfile) -> dict[str, Any]:
    """Both histograms on the baseline's bins and the side-by-side statistics of a numeric column.

    Both histograms are the ``hist_counts`` on the baseline's ``hist_edges``, the counts the drift
    statistics compared: the current profile was computed with the baseline as reference, so its
    ``hist_counts`` are counted on those same edges (its ``own_histogram()`` is on its own edges and is not
    comparable). Shares are of non-null rows (``±inf`` in the end bins, as counted). ``histogram`` is
    ``None`` when the baseline has no finite value (no edges) or the current was not counted on its edges.

    :returns: ``{"kind": "numeric", "column", "dtype", "counts": {"current", "baseline"}, "histogram":
        {"edges", "by_value", "current", "baseline"} | None, "stats": {"current": {...}, "baseline": {...}}}``
        with the statistics of :data:`STATISTICS`. ``by_value``: bin ``i`` holds exactly the value
        ``edges[i]`` (a discrete column); otherwise bin ``i`` is ``[edges[i], edges[i+1])``, the first one
        also taking everything below, the last everything from ``edges[-2]`` up.
    """
    from airflow_mlops.core.profile import is_value_binned

    edges = [float(e) for e in baseline.hist_edges]
    histogram: dict[str, Any] | None = None
    aligned = list(current.hist_edges) == edges and len(current.hist_counts) == len(baseline.hist_counts)
    if len(edges) >= 2 and aligned:
        by_value = is_value_binned(edges) and len(edges) - 1 <= MAX_BINS
        shown, (cur, base) = _merged(edges, current.hist_counts, baseline.hist_counts)
        histogram = {
            "edges": shown,
            "by_value": by_value,
            "current": [_share(n, current.count) for n in cur],
            "baseline": [_share(n, baseline.count) for n in base],
        }
    return {
        "kind": "numeric",
        "column": current.name,
        "dtype": baseline.dtype,
        "counts": {"current": current.count, "baseline": baseline.count},
        "histogram": histogram,
        "stats": {"current": _statistics(current), "baseline": _statistics(baseline)},
    }


def _current_shares(current: ColumnProfile, labels: Sequence[str]) -> dict[str, float]:
    """The current share of each label whose count is known: counted in ``top``, or 0 when the current
    profile kept every category (no ``other_count``). A label in the other bucket is left out."""
    shares: dict[str, float] = {}
    for label in labels:
        if label in current.top:
            shares[label] = _share(current.top[label], current.count)
        elif current.other_count == 0:
            shares[label] = 0.0
    return shares


def _new_categories(current: ColumnProfile, baseline: ColumnProfile) -> tuple[list[dict[str, Any]], int]:
    """The current's categories outside the baseline's, most frequent first, and how many there are.

    Counted ones (in the current's ``top``) have their share. A profile computed with the baseline as
    reference names them in ``new_categories`` without counts: all of them together are its
    ``other_count``, so a single one has that share; several share it in unknown parts (``None``).
    """
    counted = {label: n for label, n in current.top.items() if label not in baseline.top and n > 0}
    named = [label for label in current.new_categories if label not in counted]
    new: list[dict[str, Any]] = [
        {"category": label, "share": _share(n, current.count)} for label, n in counted.items()
    ]
    seen = sum(1 for label in baseline.top if current.top.get(label, 0) > 0)
    total = max(len(new) + len(named), (current.distinct_count or 0) - seen) if named else len(new)
    alone = len(named) == 1 and total == 1
    new += [
        {"category": label, "share": _share(current.other_count, current.count) if alone else None}
        for label in named
    ]
    new.sort(key=lambda item: -(item["share"] or 0.0))
    return new[:MAX_NAMED], total


def categorical_evidence(current: ColumnProfile, baseline: ColumnProfile, *, top: int = 8) -> dict[str, Any]:
    """The categories that moved most, the new and the vanished ones, of a categorical column.

    Shares are of non-null rows. ``movers``: the ``top`` categories with the largest absolute change of
    share (baseline categories and counted new ones), each with both shares and the change. ``new``: in
    the current data, not among the baseline's categories (share ``None`` when the profile could not
    tell it apart from other new ones), ``new_count`` of them in all, ``new_share`` their total share
    when known. ``vanished``: baseline categories the current data has no row of, with their baseline
    share. ``other``: set when the baseline profile kept only its most frequent categories (top-k): then
    "new" means "not among those", and ``other["baseline_share"]`` is the share of the rest.

    :param top: movers listed.
    """
    labels = list(baseline.top)
    base = {label: _share(n, baseline.count) for label, n in baseline.top.items()}
    cur = _current_shares(current, labels)
    new, new_count = _new_categories(current, baseline)
    changes = {label: (base[label], cur[label]) for label in labels if label in cur}
    changes.update({item["category"]: (0.0, item["share"]) for item in new if item["share"] is not None})
    ranked = sorted(changes.items(), key=lambda item: (-abs(item[1][1] - item[1][0]), item[0]))
    movers = [
        {"category": label, "baseline": b, "current": c, "change": c - b} for label, (b, c) in ranked[:top]
    ]
    gone = sorted(
        (label for label in labels if cur.get(label) == 0.0 and base[label] > 0), key=lambda x: -base[x]
    )
    aligned = list(current.top) == labels
    outside = _share(current.other_count, current.count) if aligned else None
    other = None
    if baseline.other_count > 0:
        other = {
            "baseline_share": _share(baseline.other_count, baseline.count),
            "categories_kept": len(labels),
            "distinct": baseline.distinct_count,
        }
    return {
        "kind": "categorical",
        "column": current.name,
        "dtype": baseline.dtype,
        "counts": {"current": current.count, "baseline": baseline.count},
        "null_share": {"current": float(current.null_rate), "baseline": float(baseline.null_rate)},
        "movers": movers,
        "new": new,
        "new_count": new_count,
        "new_share": outside if baseline.other_count == 0 else None,
        "vanished": [{"category": label, "share": base[label]} for label in gone[:MAX_NAMED]],
        "vanished_count": len(gone),
        "other": other,
    }


def schema_diff_lines(details: Mapping[str, Any]) -> list[str]:
    """The Schema check's ``details`` (``removed``, ``added``, ``retyped``) as diff lines, one per column:
    ``removed: sex``, ``added: x``, ``retyped: bill_length_mm float64 -> object``; beyond
    :data:`MAX_NAMED` of a kind, one ``removed: ... and 12 more`` line."""
    retyped = details.get("retyped") or {}
    kinds: list[tuple[str, list[str]]] = [
        ("removed", [str(c) for c in details.get("removed") or []]),
        ("added", [str(c) for c in details.get("added") or []]),
        ("retyped", [f"{c} {t}" for c, t in dict(retyped).items()]),
    ]
    lines: list[str] = []
    for kind, items in kinds:
        lines += [f"{kind}: {item}" for item in items[:MAX_NAMED]]
        if len(items) > MAX_NAMED:
            lines.append(f"{kind}: ... and {len(items) - MAX_NAMED} more")
    return lines
