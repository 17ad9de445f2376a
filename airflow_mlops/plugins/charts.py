"""History charts of the report pages: inline SVG, drawn on the server, no JavaScript.

A chart shows one check over the last runs of its task. When the check compares a scalar with its
baseline (row count, mean, null rate, a model metric) it draws the observed value, the baseline (dashed)
and the band the thresholds allow around it (warn band, fail band); otherwise (drift, schema) it draws the
statistic with the warn and fail lines. Every text is escaped. Pure Python: no Airflow import.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_mlops.core.numbers import full, human, percent

__all__ = [
    "HISTOGRAM_COLORS",
    "STATUS_COLORS",
    "HistoryPoint",
    "MetricPoint",
    "histogram_overlay",
    "history_chart",
    "metric_chart",
]

STATUS_COLORS = {
    "PASSED": "#38a169",
    "WARNED": "#d69e2e",
    "FAILED": "#e53e3e",
    "ERRORED": "#e53e3e",
    "NO_BASELINE": "#718096",
    "OVERRIDDEN": "#805ad5",
}


@dataclass(frozen=True)
class HistoryPoint:
    """One run of a check, as the chart needs it."""

    run_id: str
    status: str
    observed: float | None = None
    baseline: float | None = None
    statistic: float | None = None
    band: dict[str, Sequence[float | None]] | None = None
    threshold: dict[str, float | None] = field(default_factory=dict)
    current: bool = False
    label: str = ""  # short x-axis text (e.g. the run's date); the run id otherwise


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _fmt(value: float) -> str:
    return f"{value:.4g}"


class _Scale:
    def __init__(
        self, values: Sequence[float], top: float, bottom: float, floor: float | None = None
    ) -> None:
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        if high == low:
            pad = abs(high) * 0.1 or 1.0
            low, high = low - pad, high + pad
        pad = (high - low) * 0.08
        low = low - pad if floor is None else max(low - pad, floor)
        self.low, self.high, self.top, self.bottom = low, high + pad, top, bottom

    def __call__(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        return self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)


def _values_and_ys(
    points: Sequence[HistoryPoint], value_mode: bool
) -> tuple[list[float], list[float | None]]:
    """What the y axis must hold, and each point's y value (observed, or the statistic)."""
    values: list[float] = []
    if value_mode:
        for p in points:
            values += [v for v in (_number(p.observed), _number(p.baseline)) if v is not None]
            for pair in (p.band or {}).values():
                values += [v for v in (_number(x) for x in pair) if v is not None]
        return values, [_number(p.observed) for p in points]
    ys = [_number(p.statistic) for p in points]
    values += [v for v in ys if v is not None]
    values.append(0.0)  # statistics are "how bad", >= 0: the axis starts at 0
    for p in points[-1:]:
        values += [v for v in (_number(t) for t in p.threshold.values()) if v is not None]
    return values, ys


def _bands(points: Sequence[HistoryPoint], xs: list[float], step: float, scale: _Scale) -> list[str]:
    """The allowed band per run (fail band, amber, under the warn band, green) and the baseline."""
    parts = []
    for level, css in (("fail", "band-fail"), ("warn", "band-warn")):
        for x, p in zip(xs, points, strict=True):
            limits = (p.band or {}).get(level)
            if not limits:
                continue
            low, high = _number(limits[0]), _number(limits[1])
            y_high = scale(high) if high is not None else scale.top
            y_low = scale(low) if low is not None else scale.bottom
            parts.append(
                f'<rect class="{css}" x="{x - step / 2:.1f}" y="{y_high:.1f}" width="{step:.1f}" '
                f'height="{max(y_low - y_high, 0):.1f}"/>'
            )
    return parts + _step_line(xs, [p.baseline for p in points], step, scale, "baseline")


def _step_line(xs: Sequence[float], values: Sequence[Any], step: float, scale: _Scale, css: str) -> list[str]:
    """A dashed level per x (a baseline, the champion then) as one polyline; nothing without values."""
    levels = [(x, scale(v)) for x, value in zip(xs, values, strict=True) if (v := _number(value)) is not None]
    if not levels:
        return []
    path = " ".join(f"{x - step / 2:.1f},{y:.1f} {x + step / 2:.1f},{y:.1f}" for x, y in levels)
    return [f'<polyline class="{css}" points="{path}"/>']


def _limits(points: Sequence[HistoryPoint], left: int, right: int, scale: _Scale) -> list[str]:
    """The warn and fail lines on the statistic (labels apart when the lines are close)."""
    parts = []
    for level, label_x in (("warn", right), ("fail", right - 70)):
        limit = _number(points[-1].threshold.get(level))
        if limit is None:
            continue
        y = scale(limit)
        parts.append(f'<line class="limit-{level}" x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{label_x}" y="{y - 3:.1f}" text-anchor="end">{level} {_fmt(limit)}</text>'
        )
    return parts


def _series(
    points: Sequence[HistoryPoint], xs: list[float], ys: list[float | None], scale: _Scale, value_mode: bool
) -> list[str]:
    """The line through the runs and one point per run, coloured by status, with its tooltip."""
    e = html.escape
    parts = []
    line = [(x, scale(y)) for x, y in zip(xs, ys, strict=True) if y is not None]
    if len(line) > 1:
        parts.append(
            '<polyline class="series" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in line) + '"/>'
        )
    for x, value, p in zip(xs, ys, points, strict=True):
        if value is None:
            continue
        tip = f"{p.run_id}: {p.status}"
        if value_mode:
            tip += f", observed {_fmt(value)}"
            if _number(p.baseline) is not None:
                tip += f" vs baseline {_fmt(float(p.baseline))}"  # type: ignore[arg-type]
        else:
            tip += f", statistic {_fmt(value)}"
        color = STATUS_COLORS.get(p.status, "#718096")
        radius = 5 if p.current else 3.5
        parts.append(
            f'<circle cx="{x:.1f}" cy="{scale(value):.1f}" r="{radius}" fill="{color}"'
            + (' class="current"' if p.current else "")
            + f"><title>{e(tip)}</title></circle>"
        )
    return parts


def _axes(first: str, last: str | None, *, left: int, right: int, height: int, scale: _Scale) -> list[str]:
    """The y axis's top and bottom values, the x axis line, and its first and last labels (escaped)."""
    e = html.escape
    parts = [
        f'<text class="axis" x="{left - 6}" y="{scale.top + 4}" text-anchor="end">{_fmt(scale.high)}</text>',
        f'<text class="axis" x="{left - 6}" y="{scale.bottom}" text-anchor="end">{_fmt(scale.low)}</text>',
        f'<line class="axis-line" x1="{left}" x2="{right}" y1="{scale.bottom}" y2="{scale.bottom}"/>',
        f'<text class="axis" x="{left}" y="{height - 6}">{e(first)}</text>',
    ]
    if last is not None:
        parts.append(f'<text class="axis" x="{right}" y="{height - 6}" text-anchor="end">{e(last)}</text>')
    return parts


def _history_labels(points: Sequence[HistoryPoint]) -> tuple[str, str | None]:
    """The x axis's first and last labels: each point's label, else its run id's start."""
    first, last = (p.label or p.run_id[:24] for p in (points[0], points[-1]))
    return first, last if len(points) > 1 else None


def history_chart(points: Sequence[HistoryPoint], *, title: str, width: int = 560, height: int = 170) -> str:
    """An ``<svg>`` of ``points`` (oldest first), or a short note when there is nothing to draw."""
    e = html.escape
    if not points:
        return f'<p class="muted">{e(title)}: no history yet.</p>'
    value_mode = any(p.band for p in points) and any(_number(p.observed) is not None for p in points)
    left, right, top, bottom = 56, width - 12, 22, height - 24
    step = (right - left) / max(len(points), 1)
    xs = [left + step * (i + 0.5) for i in range(len(points))]
    values, ys = _values_and_ys(points, value_mode)
    scale = _Scale(values, top, bottom, floor=None if value_mode else 0.0)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{e(title)}</title>',
        f'<text x="{left}" y="14" class="chart-title">{e(title)}</text>',
        *(_bands(points, xs, step, scale) if value_mode else _limits(points, left, right, scale)),
        *_series(points, xs, ys, scale, value_mode),
        *_axes(*_history_labels(points), left=left, right=right, height=height, scale=scale),
        "</svg>",
    ]
    legend = (
        '<span class="legend"><i class="sw series"></i>observed <i class="sw baseline"></i>baseline '
        '<i class="sw band-warn"></i>warn band <i class="sw band-fail"></i>fail band</span>'
        if value_mode
        else '<span class="legend"><i class="sw series"></i>statistic <i class="sw limit-warn"></i>warn '
        '<i class="sw limit-fail"></i>fail</span>'
    )
    return f'<figure class="chart-box">{"".join(parts)}<figcaption>{legend}</figcaption></figure>'


#: Fill colours of the overlaid histograms (presentation attributes: no stylesheet or inline style needed).
HISTOGRAM_COLORS = {"baseline": "#a0aec0", "current": "#017cee"}


def _bin_texts(edges: Sequence[float], *, by_value: bool, value: Callable[[float], str]) -> list[str]:
    """What each bin holds, for its hover text: ``5 (and below)``, ``[-9, -7)``, ``76 and above``."""
    n = len(edges) - 1
    if n == 1:  # one bin holds every value
        return [
            f"{value(edges[0])} (every value)"
            if by_value
            else f"every value ({value(edges[0])} to {value(edges[1])})"
        ]
    if by_value:
        texts = [value(edges[i]) for i in range(n)]
        texts[0] += " (and below)"
        texts[-1] += " (and above)"
        return texts
    texts = [f"[{value(edges[i])}, {value(edges[i + 1])})" for i in range(n)]
    texts[0] = f"below {value(edges[1])}"
    texts[-1] = f"{value(edges[-2])} and above"
    return texts


def histogram_overlay(
    edges: Sequence[float],
    current_shares: Sequence[float],
    baseline_shares: Sequence[float],
    *,
    title: str,
    by_value: bool = False,
    x_label: str = "value, on the baseline's bins",
    value: Callable[[float], str] = human,
    width: int = 560,
    height: int = 210,
) -> str:
    """An ``<svg>`` of the current histogram over the baseline's, on the same bins, drawn as equal-width
    slots (quantile bins hold about the same baseline share each, so the baseline reads flat and a shift
    stands out): one ``<rect>`` per bin and series, each with a ``<title>`` giving both shares at full
    precision; a legend, the share axis and the bin edges.

    :param edges: the bin edges (``len(shares) + 1``); bin ``i`` is ``[edges[i], edges[i+1])``, the first
        one open below and the last open above, or with ``by_value`` exactly the value ``edges[i]``.
    :param value: how an edge is shown (``human``; a date for datetime columns).
    """
    e = html.escape
    n = len(current_shares)
    if n == 0 or len(baseline_shares) != n or len(edges) != n + 1:
        return f'<p class="muted">{e(title)}: no histogram to compare.</p>'
    left, right, top, bottom = 64, width - 16, 34, height - 44
    slot = (right - left) / n
    high = max([*current_shares, *baseline_shares, 0.0]) * 1.1 or 1.0

    def y(share: float) -> float:
        return bottom - min(max(share, 0.0), high) / high * (bottom - top)

    texts = _bin_texts(edges, by_value=by_value, value=value)
    parts = [
        f'<svg class="chart histogram" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" font-size="11" xmlns="http://www.w3.org/2000/svg"><title>{e(title)}</title>',
        f'<text x="{left}" y="14" class="chart-title">{e(title)}</text>',
    ]
    for series, inset in (("baseline", 0.06), ("current", 0.24)):  # the current bar, narrower, in front
        shares = baseline_shares if series == "baseline" else current_shares
        for i, share in enumerate(shares):
            b, c = float(baseline_shares[i]), float(current_shares[i])
            tip = f"{texts[i]}: baseline {percent(b)} ({full(b)}), current {percent(c)} ({full(c)})"
            parts.append(
                f'<rect class="hist-{series}" x="{left + slot * (i + inset):.1f}" y="{y(share):.1f}" '
                f'width="{slot * (1 - 2 * inset):.1f}" height="{bottom - y(share):.1f}" '
                f'fill="{HISTOGRAM_COLORS[series]}" fill-opacity="{0.55 if series == "baseline" else 0.8}">'
                f"<title>{e(tip)}</title></rect>"
            )
    parts.append(
        f'<line class="axis-line" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#cbd5e0"/>'
    )
    parts.append(
        f'<text class="axis" x="{left - 6}" y="{top + 4}" text-anchor="end">{e(percent(high))}</text>'
    )
    parts.append(f'<text class="axis" x="{left - 6}" y="{bottom}" text-anchor="end">0 %</text>')
    parts.append(
        f'<text class="axis axis-label" transform="translate(12 {(top + bottom) / 2:.0f}) rotate(-90)" '
        'text-anchor="middle">share of non-null rows</text>'
    )
    parts += _edge_labels(edges, by_value=by_value, value=value, left=left, slot=slot, y=bottom + 14)
    parts.append(
        f'<text class="axis axis-label" x="{(left + right) / 2:.0f}" y="{height - 6}" '
        f'text-anchor="middle">{e(x_label)}</text>'
    )
    legend_x = right - 150
    parts.append('<g class="legend">')
    for offset, series in ((0, "baseline"), (75, "current")):
        parts.append(
            f'<rect x="{legend_x + offset}" y="20" width="12" height="8" fill="{HISTOGRAM_COLORS[series]}"/>'
            f'<text class="axis" x="{legend_x + offset + 16}" y="28">{series}</text>'
        )
    parts.append("</g></svg>")
    return f'<figure class="chart-box">{"".join(parts)}</figure>'


def _edge_labels(
    edges: Sequence[float],
    *,
    by_value: bool,
    value: Callable[[float], str],
    left: float,
    slot: float,
    y: float,
) -> list[str]:
    """At most 8 x-axis labels: the values under their bins (by value) or the edges between bins."""
    n = len(edges) - 1
    if by_value:
        places = [(left + slot * (i + 0.5), edges[i]) for i in range(n)]
    else:
        places = [(left + slot * i, edges[i]) for i in range(n)] + [(left + slot * n, edges[-1])]
    step = max(math.ceil(len(places) / 8), 1)
    indices = list(range(0, len(places), step))
    if indices[-1] != len(places) - 1:  # the last edge always, in place of a label too close to it
        indices = (
            [*indices[:-1], len(places) - 1]
            if len(places) - 1 - indices[-1] < step / 2
            else [*indices, len(places) - 1]
        )
    anchors = {0: "start", len(places) - 1: "end"} if not by_value else {}  # edge labels stay inside
    return [
        f'<text class="axis" x="{places[i][0]:.1f}" y="{y:.0f}" text-anchor="{anchors.get(i, "middle")}">'
        f"{html.escape(value(places[i][1]))}</text>"
        for i in indices
    ]


@dataclass(frozen=True)
class MetricPoint:
    """One candidate on the leaderboard's chart: its primary metric, the champion's then, a promotion."""

    label: str  # the candidate's date
    value: float | None
    champion: float | None
    status: str
    tip: str
    promoted: bool = False


def metric_chart(points: Sequence[MetricPoint], *, title: str, width: int = 720, height: int = 200) -> str:
    """An ``<svg>`` of the primary metric per candidate (oldest first), the champion's value as a dashed
    step line, and each promotion as a vertical mark; every text escaped."""
    e = html.escape
    if not points:
        return f'<p class="muted">{e(title)}: no candidates yet.</p>'
    left, right, top, bottom = 56, width - 12, 22, height - 24
    step = (right - left) / len(points)
    xs = [left + step * (i + 0.5) for i in range(len(points))]
    values = [v for p in points for v in (_number(p.value), _number(p.champion)) if v is not None]
    scale = _Scale(values, top, bottom)
    parts = [
        f'<svg class="chart metric-chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{e(title)}</title>',
        f'<text x="{left}" y="14" class="chart-title">{e(title)}</text>',
    ]
    for x, p in zip(xs, points, strict=True):
        if p.promoted:
            parts.append(
                f'<line class="limit-warn promotion" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}"/>'
            )
    parts += _step_line(xs, [p.champion for p in points], step, scale, "baseline champion")
    for x, p in zip(xs, points, strict=True):
        value = _number(p.value)
        if value is not None:
            color = STATUS_COLORS.get(p.status, "#718096")
            parts.append(
                f'<circle cx="{x:.1f}" cy="{scale(value):.1f}" r="4" fill="{color}"><title>{e(p.tip)}</title></circle>'
            )
    parts += [
        *_axes(points[0].label, points[-1].label, left=left, right=right, height=height, scale=scale),
        "</svg>",
    ]
    legend = (
        '<span class="legend">● candidate (colour: its gate) <i class="sw baseline"></i>champion '
        '<i class="sw limit-warn"></i>promotion</span>'
    )
    return f'<figure class="chart-box">{"".join(parts)}{legend}</figure>'
