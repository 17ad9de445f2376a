"""The evidence of a drift or schema result as HTML: what changed versus the baseline, for people.

* numeric drift: the current histogram over the baseline's on the same bins
  (:func:`~airflow_mlops.plugins.charts.histogram_overlay`) and min, quantiles, max, mean, std and null
  share side by side;
* categorical drift: the categories that moved most with both shares, and the new and vanished ones
  (``new: HA, 0.1 % of rows``);
* schema: the diff lines (``removed: sex``).

Numbers are shown for people (:mod:`airflow_mlops.core.numbers`) with full precision in their ``title``
(hover). Every text is escaped; no script, no inline style or event handler (the pages' CSP forbids them).
Pure Python: no Airflow import.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from airflow_mlops.core.evidence import STATISTICS
from airflow_mlops.core.numbers import full, human, percent
from airflow_mlops.plugins.charts import histogram_overlay

__all__ = ["render_evidence"]

_e = html.escape
_STAT_LABELS = {"p05": "5th percentile", "p25": "25th percentile", "p75": "75th percentile",
                "p95": "95th percentile", "std": "std dev", "null_share": "null share"}  # fmt: skip


def render_evidence(result: Mapping[str, Any]) -> str:
    """The HTML of a result's evidence, or ``""`` when it has none.

    :param result: a check result as the JSON API gives it: ``result["evidence"]`` (the Drift check's
        ``details["evidence"]``) and ``result["schema_diff"]`` (the Schema check's ``details["diff"]``);
        either is also read from ``result["details"]`` when the top-level key is absent.
    """
    details = result.get("details")
    details = details if isinstance(details, Mapping) else {}
    evidence = result.get("evidence", details.get("evidence"))
    diff = result.get("schema_diff", details.get("diff"))
    parts = []
    if isinstance(diff, Sequence) and not isinstance(diff, str) and diff:
        parts.append(
            '<ul class="schema-diff">' + "".join(f"<li>{_e(str(line))}</li>" for line in diff) + "</ul>"
        )
    if isinstance(evidence, Mapping):
        if evidence.get("kind") == "numeric":
            parts.append(_numeric(evidence))
        elif evidence.get("kind") == "categorical":
            parts.append(_categorical(evidence))
    return f'<div class="evidence">{"".join(parts)}</div>' if parts else ""


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _cell(text: str, value: Any) -> str:
    """A table cell showing ``text``, its ``title`` the value at full precision."""
    return f'<td title="{_e(full(value))}">{_e(text)}</td>'


def _share_text(value: Any) -> str:
    number = _number(value)
    return "" if number is None else percent(number)


def _change_text(value: Any) -> str:
    """A change of share in percentage points: ``+2.3 pp``, ``-0.4 pp``."""
    number = _number(value)
    if number is None:
        return ""
    return (
        ("+" if number > 0 else "-" if number < 0 else "") + percent(abs(number)).removesuffix(" %") + " pp"
    )


def _formatter(dtype: str) -> Callable[[float], str]:
    """How a value of the column is shown: a UTC time for datetimes (profiled as epoch seconds), seconds
    for timedeltas, else :func:`human`."""
    if dtype == "datetime":

        def when(value: float) -> str:
            try:
                stamp = datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
            except (OverflowError, OSError, ValueError):
                return human(value)
            return stamp.strftime("%Y-%m-%d" if stamp.time() == datetime.time() else "%Y-%m-%d %H:%M:%S")

        return when
    if dtype == "timedelta":
        return lambda value: f"{human(value)} s"
    return human


def _numeric(evidence: Mapping[str, Any]) -> str:
    column = str(evidence.get("column", ""))
    dtype = str(evidence.get("dtype", ""))
    value = _formatter(dtype)
    parts = []
    histogram = evidence.get("histogram")
    if isinstance(histogram, Mapping):
        parts.append(
            histogram_overlay(
                [float(v) for v in histogram.get("edges", [])],
                [float(v) for v in histogram.get("current", [])],
                [float(v) for v in histogram.get("baseline", [])],
                title=f"{column}: current vs baseline",
                by_value=bool(histogram.get("by_value")),
                x_label=f"{column}, on the baseline's bins",
                value=value,
            )
        )
    stats = evidence.get("stats")
    stats = stats if isinstance(stats, Mapping) else {}
    current, baseline = stats.get("current") or {}, stats.get("baseline") or {}
    rows = []
    for name in STATISTICS:
        cells = []
        for side in (baseline, current):
            number = _number(side.get(name))
            if number is None:
                text = ""
            elif name == "null_share":
                text = percent(number)
            elif name == "std" and dtype == "datetime":
                text = f"{human(number)} s"
            else:
                text = value(number)
            cells.append(_cell(text, side.get(name)))
        rows.append(f"<tr><th>{_e(_STAT_LABELS.get(name, name))}</th>{''.join(cells)}</tr>")
    counts = evidence.get("counts") or {}
    rows.append(
        "<tr><th>non-null rows</th>"
        + "".join(_cell(human(counts.get(side)), counts.get(side)) for side in ("baseline", "current"))
        + "</tr>"
    )
    parts.append(
        '<table class="evidence-stats"><tr><th></th><th>baseline</th><th>current</th></tr>'
        + "".join(rows)
        + "</table>"
    )
    return "".join(parts)


def _of_rows(null_share: Any) -> str:
    return "of non-null rows" if (_number(null_share) or 0.0) > 0 else "of rows"


def _categorical(evidence: Mapping[str, Any]) -> str:
    nulls = evidence.get("null_share") or {}
    movers = [m for m in evidence.get("movers") or [] if isinstance(m, Mapping)]
    rows = "".join(
        f"<tr><td>{_e(str(m.get('category', '')))}</td>"
        + _cell(_share_text(m.get("baseline")), m.get("baseline"))
        + _cell(_share_text(m.get("current")), m.get("current"))
        + _cell(_change_text(m.get("change")), m.get("change"))
        + "</tr>"
        for m in movers
    )
    parts = []
    if rows:
        parts.append(
            '<table class="evidence-movers"><tr><th>category</th><th>baseline share</th>'
            f"<th>current share</th><th>change</th></tr>{rows}</table>"
        )
    parts.append(_category_lines(evidence, current_rows=_of_rows(nulls.get("current")),
                                 baseline_rows=_of_rows(nulls.get("baseline"))))  # fmt: skip
    return "".join(parts)


def _category_lines(evidence: Mapping[str, Any], *, current_rows: str, baseline_rows: str) -> str:
    """The ``new: ...``, ``vanished: ...`` and truncation lines."""
    lines: list[str] = []
    new = [n for n in evidence.get("new") or [] if isinstance(n, Mapping)]
    unknown = []
    for item in new:
        share = _number(item.get("share"))
        if share is None:
            unknown.append(str(item.get("category", "")))
        else:
            lines.append(f"new: {item.get('category', '')}, {percent(share)} {current_rows}")
    new_count = int(_number(evidence.get("new_count")) or len(new))
    if unknown:
        together = _number(evidence.get("new_share"))
        total = f"{new_count} new in all" if new_count > len(new) else f"{len(unknown)} categories"
        joint = f", together {percent(together)} {current_rows}" if together is not None else ""
        lines.append(f"new: {', '.join(unknown)} ({total}{joint})")
    elif new_count > len(new):
        lines.append(f"new: ... and {new_count - len(new)} more")
    vanished = [v for v in evidence.get("vanished") or [] if isinstance(v, Mapping)]
    for item in vanished:
        lines.append(
            f"vanished: {item.get('category', '')}, {_share_text(item.get('share'))} {baseline_rows} in the baseline"
        )
    vanished_count = int(_number(evidence.get("vanished_count")) or len(vanished))
    if vanished_count > len(vanished):
        lines.append(f"vanished: ... and {vanished_count - len(vanished)} more")
    other = evidence.get("other")
    if isinstance(other, Mapping):
        distinct = other.get("distinct")
        of = f" of {human(distinct)}" if distinct is not None else ""
        lines.append(
            f"the baseline profile kept its {human(other.get('categories_kept'))} most frequent{of} categories "
            f"({_share_text(other.get('baseline_share'))} of its rows in the others): new means not among them"
        )
    if not lines:
        return ""
    return '<ul class="evidence-lines">' + "".join(f"<li>{_e(line)}</li>" for line in lines) + "</ul>"
