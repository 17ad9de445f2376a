"""Numbers as people read them: ``39.7 %``, ``0.213``, ``12,345``, ``1.2e-06``.

Pages, e-mails and the CLI show these short forms; the JSON API and the pages' hover text (``title``)
keep full precision (:func:`full`). Pure Python: no Airflow, no numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["RATE_CHECK_TYPES", "duration", "expected_text", "full", "human", "percent"]

#: Check types whose observed and baseline values are fractions of rows, shown as percentages.
RATE_CHECK_TYPES = frozenset({"NullRate"})


def percent(value: float, *, digits: int = 1) -> str:
    """A fraction as a percentage: ``0.397 -> "39.7 %"``; tiny non-zero shares stay visible
    (``0.00004 -> "0.004 %"``) instead of rounding to ``0.0 %``."""
    scaled = value * 100
    if scaled != 0 and abs(scaled) < 10 ** (-digits):
        return f"{scaled:.{digits}g} %"
    return f"{scaled:.{digits}f} %"


def human(value: Any, *, rate: bool = False) -> str:
    """A value as a reader wants it on a page or in a mail.

    Integers get thousands separators; floats three significant digits up to 1,000 (``0.213``, ``0.996``,
    ``39.7``), none after the point above (``12,346``); scientific notation (two digits) only for
    magnitudes below 0.001 or of 10^15 and more. ``rate=True`` shows a fraction as a percentage. Mappings and lists
    are shown item by item; ``None`` is empty; anything else is ``str()``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return percent(value, digits=1) if rate else f"{value:,}"
    if isinstance(value, float):
        return _float(value, rate=rate)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {human(v, rate=rate)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "[" + ", ".join(human(v, rate=rate) for v in value) + "]"
    return str(value)


def _float(value: float, *, rate: bool) -> str:
    if not math.isfinite(value):
        return str(value)
    if rate:
        return percent(value)
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    if magnitude < 1e-3 or magnitude >= 1e15:
        return f"{value:.2g}"
    if magnitude < 1000:
        return f"{value:.3g}"
    return f"{value:,.0f}"


def full(value: Any) -> str:
    """Full precision, for hover text and copy-paste: ``repr`` of floats, ``str`` of the rest."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {full(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "[" + ", ".join(full(v) for v in value) + "]"
    return "" if value is None else str(value)


def expected_text(result: Mapping[str, Any]) -> str:
    """What a check expected, for people: GX's expected value, or a baseline check's thresholds
    (``warn 0.1 · fail 0.2``; percentages for rate checks). The pages, the CLI and the e-mails share it.

    :param result: a check result as the JSON API gives it (``expected``, ``threshold``, ``check_type``).
    """
    if result.get("expected") is not None:
        return human(result["expected"])
    threshold = result.get("threshold")
    if isinstance(threshold, Mapping):
        rate = result.get("check_type") in RATE_CHECK_TYPES
        return " · ".join(f"{k} {human(v, rate=rate)}" for k, v in threshold.items() if v is not None)
    return ""


def duration(seconds: float | None) -> str:
    """A span for people: ``3 d 4 h``, ``5 h 12 min``; ``not yet`` for ``None``."""
    if seconds is None:
        return "not yet"
    days, rest = divmod(int(seconds), 86400)
    return f"{days} d {rest // 3600} h" if days else f"{rest // 3600} h {rest % 3600 // 60} min"
