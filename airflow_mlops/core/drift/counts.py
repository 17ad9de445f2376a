"""Drift statistics on aligned counts (histogram bins or categories): PSI, two-sample chi-square, JS."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_mlops.exceptions import InputError

if TYPE_CHECKING:
    import numpy as np

__all__ = ["PSI_EPS", "chi2_two_sample", "float_array", "js_distance", "psi"]

#: Default smoothing of empty proportions in :func:`psi`.
PSI_EPS = 1e-4


def float_array(values: Any, argument: str, what: str) -> np.ndarray:
    """``values`` as a float64 array; :class:`InputError` naming ``argument`` and ``what`` it must list."""
    import numpy as np

    try:
        return np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        raise InputError(f"{argument} must be a list of {what} (numbers), got {values!r:.100}.") from None


def _counts(values: Any, argument: str) -> np.ndarray:
    import numpy as np

    array = float_array(values, argument, "counts")
    if array.ndim != 1:
        raise InputError(f"{argument} must be one-dimensional, got shape {array.shape}.")
    if not np.isfinite(array).all() or (array < 0).any():
        raise InputError(f"{argument} must hold finite counts >= 0, got {values!r:.100}.")
    return array


def _pair(baseline_counts: Any, current_counts: Any) -> tuple[np.ndarray, np.ndarray]:
    b = _counts(baseline_counts, "baseline_counts")
    c = _counts(current_counts, "current_counts")
    if b.shape != c.shape:
        raise InputError(
            f"baseline_counts has {b.size} bins but current_counts has {c.size}; count both on the same "
            "bins (profile the current data with reference=<baseline profile>)."
        )
    return b, c


def _proportions(counts: np.ndarray) -> np.ndarray:
    import numpy as np

    total = counts.sum()
    return counts / total if total > 0 else np.zeros_like(counts)


def psi(
    baseline_counts: Sequence[float] | np.ndarray,
    current_counts: Sequence[float] | np.ndarray,
    *,
    eps: float = PSI_EPS,
) -> float:
    """Population Stability Index of two count vectors on the same bins.

    With ``p_i = b_i / Σb`` (baseline) and ``q_i = c_i / Σc`` (current), every proportion equal to 0 is
    replaced by ``eps`` (additive smoothing without renormalisation, so no division by zero and no
    ``log 0``), then ``PSI = Σ (q_i − p_i) · ln(q_i / p_i)``.

    Each term is ``>= 0`` (``q − p`` and ``ln(q/p)`` share their sign), so PSI ``>= 0``; 0 means identical
    proportions. Two empty vectors give 0.0; an empty side has all proportions smoothed to ``eps``.
    """
    import numpy as np

    if not (isinstance(eps, int | float) and 0 < eps < 1):
        raise InputError(f"eps={eps!r} must be a number in (0, 1); the usual smoothing is 1e-4.")
    b, c = _pair(baseline_counts, current_counts)
    if b.size == 0 or (b.sum() == 0 and c.sum() == 0):
        return 0.0
    p = _proportions(b)
    q = _proportions(c)
    p = np.where(p > 0, p, eps)
    q = np.where(q > 0, q, eps)
    return float(max(np.sum((q - p) * np.log(q / p)), 0.0))


def chi2_two_sample(
    baseline_counts: Sequence[float] | np.ndarray, current_counts: Sequence[float] | np.ndarray
) -> float:
    """The two-sample chi-square statistic of a 2×k contingency table, divided by its total (Cramér's φ²).

    Rows are the two samples, columns the bins; bins where both counts are 0 are dropped. With row totals
    ``n_b``, ``n_c``, ``N = n_b + n_c`` and expected counts ``E_rj = n_r · (b_j + c_j) / N``:
    ``χ² = Σ_r Σ_j (O_rj − E_rj)² / E_rj`` — scipy's ``chi2_contingency([b, c], correction=False)[0]`` — and
    the result is ``χ² / N``, Cramér's φ² for two rows, in ``[0, 1]``: independent of the sample sizes, so
    one threshold fits a 1k-row and a 10M-row batch.

    This is NOT the goodness-of-fit statistic of the current counts against fixed baseline proportions
    (``scipy.stats.chisquare``): that one ignores the baseline's own sampling noise and, for equal sample
    sizes, is about twice as large.

    Returns 0.0 when both sides are empty or fewer than 2 bins are non-empty, and 1.0 (the maximum) when
    exactly one side is empty (checked first).
    """
    b, c = _pair(baseline_counts, current_counts)
    keep = (b + c) > 0
    b, c = b[keep], c[keep]
    n_b, n_c = float(b.sum()), float(c.sum())
    if n_b == 0 and n_c == 0:
        return 0.0
    if n_b == 0 or n_c == 0:
        return 1.0
    if b.size < 2:
        return 0.0
    total = n_b + n_c
    column = b + c
    expected_b = n_b * column / total
    expected_c = n_c * column / total
    chi2 = float(((b - expected_b) ** 2 / expected_b).sum() + ((c - expected_c) ** 2 / expected_c).sum())
    return min(max(chi2 / total, 0.0), 1.0)


def js_distance(
    baseline_counts: Sequence[float] | np.ndarray, current_counts: Sequence[float] | np.ndarray
) -> float:
    """The Jensen–Shannon distance with base-2 logarithms, in ``[0, 1]``.

    With proportions ``p``, ``q`` and ``m = (p + q) / 2``: ``JS = sqrt((KL(p‖m) + KL(q‖m)) / 2)`` where
    ``KL(x‖m) = Σ x_i · log2(x_i / m_i)`` and ``0 · log 0 = 0`` — scipy's
    ``scipy.spatial.distance.jensenshannon(p, q, base=2)``. No smoothing is needed: ``m_i > 0`` wherever
    ``p_i > 0`` or ``q_i > 0``. 0 for identical proportions, 1 for disjoint supports or one empty side.
    """
    import numpy as np

    b, c = _pair(baseline_counts, current_counts)
    n_b, n_c = b.sum(), c.sum()
    if n_b == 0 and n_c == 0:
        return 0.0
    if n_b == 0 or n_c == 0:
        return 1.0
    p, q = b / n_b, c / n_c
    m = (p + q) / 2.0

    def relative_entropy(x: np.ndarray) -> float:
        mask = x > 0
        return float(np.sum(x[mask] * np.log(x[mask] / m[mask])))

    divergence = (relative_entropy(p) + relative_entropy(q)) / math.log(2.0)
    return min(math.sqrt(max(divergence / 2.0, 0.0)), 1.0)
