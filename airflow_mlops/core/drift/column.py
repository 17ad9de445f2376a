"""One column's drift: :func:`drift_statistic` picks the method's inputs from two column profiles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from airflow_mlops.core.drift.counts import chi2_two_sample, js_distance, psi
from airflow_mlops.core.drift.ordered import (
    ks_from_quantiles,
    ks_from_value_counts,
    wasserstein_from_quantiles,
    wasserstein_from_value_counts,
)
from airflow_mlops.exceptions import InputError

if TYPE_CHECKING:
    from airflow_mlops.core.profile import ColumnProfile

__all__ = ["DRIFT_METHODS", "NUMERIC_ONLY", "DriftMethod", "DriftStatistic", "drift_statistic"]

DriftMethod = Literal["psi", "ks", "chi2", "js", "wasserstein"]
DRIFT_METHODS: tuple[DriftMethod, ...] = get_args(DriftMethod)
#: Methods that need an ordered (numeric) column.
NUMERIC_ONLY: frozenset[str] = frozenset({"ks", "wasserstein"})
_OTHER_LABEL = "(other)"
_PROPORTION_DIGITS = 6


@dataclass(frozen=True, kw_only=True)
class DriftStatistic:
    """One drift statistic of one column.

    :param details: JSON-safe context: the bins (histogram edges, or category labels with ``"(other)"``
        last), both proportion vectors rounded to 6 digits, the counts compared and any new categories.
    """

    column: str
    method: DriftMethod
    statistic: float
    details: dict[str, Any] = field(default_factory=dict)


def _check_method(method: str) -> DriftMethod:
    if method not in DRIFT_METHODS:
        raise InputError(f"drift method {method!r} is unknown; use one of {', '.join(DRIFT_METHODS)}.")
    return method  # type: ignore[return-value]


def _rounded(counts: Sequence[float]) -> list[float]:
    total = float(sum(counts))
    return [round(n / total, _PROPORTION_DIGITS) if total else 0.0 for n in counts]


def _ordered_statistic(method: str, baseline: ColumnProfile, current: ColumnProfile) -> tuple[float, bool]:
    """``ks`` or ``wasserstein`` and whether it is exact: from both columns' value counts when both are
    discrete (binned by value, no ``±inf``), else from their quantile sketches."""
    b_values, c_values = baseline.value_counts(), current.value_counts()
    if b_values is not None and c_values is not None:
        if method == "ks":
            return ks_from_value_counts(b_values, c_values), True
        return wasserstein_from_value_counts(b_values, c_values, scale=baseline.std), True
    if method == "ks":
        return ks_from_quantiles(baseline.quantiles, current.quantiles), False
    statistic = wasserstein_from_quantiles(
        baseline.quantiles,
        current.quantiles,
        scale=baseline.std,
        n_baseline=baseline.finite_count,
        n_current=current.finite_count,
    )
    return statistic, False


def drift_statistic(method: str, baseline: ColumnProfile, current: ColumnProfile) -> DriftStatistic:
    """Compute ``method`` between the baseline's and the current profile of one column.

    * numeric ``psi``/``chi2``/``js``: on ``hist_counts``. The current profile must have been computed with
      the baseline as ``reference`` so that both are counted on the same edges; different edges raise
      :class:`InputError` (a ``ValueError``).
    * numeric ``ks``/``wasserstein``: on the quantile sketches (``wasserstein`` scaled by the baseline std).
    * categorical ``psi``/``chi2``/``js``: on ``[count of each category..., other_count]``, categories
      aligned by name (the baseline's first, then any only the current has); a category missing on one
      side counts 0 there.
    * categorical ``ks``/``wasserstein`` and columns whose kind changed: :class:`InputError`.

    Empty sides follow the module rules (both empty: 0.0; one empty: maximal drift). Never NaN or inf.
    """
    checked = _check_method(method)
    name = current.name
    if baseline.kind != current.kind:
        raise InputError(
            f"column '{name}' is {current.kind} ({current.dtype}) now but was {baseline.kind} "
            f"({baseline.dtype}) in the baseline; a type change cannot be measured as drift — fix the type or "
            "refresh the baseline."
        )
    if checked in NUMERIC_ONLY:
        if current.kind != "numeric":
            raise InputError(
                f"drift method '{checked}' needs an ordered numeric column, but column '{name}' is categorical "
                f"(dtype {current.dtype}); use psi, chi2 or js for it."
            )
        statistic, exact = _ordered_statistic(checked, baseline, current)
        middle = len(baseline.quantiles) // 2
        details: dict[str, Any] = {
            "baseline_count": baseline.finite_count,
            "current_count": current.finite_count,
            "baseline_median": baseline.quantiles[middle] if baseline.quantiles else None,
            "current_median": current.quantiles[len(current.quantiles) // 2] if current.quantiles else None,
        }
        if checked == "wasserstein":
            details["scale"] = baseline.std
        details["computed_from"] = "value counts (exact)" if exact else "quantile sketches"
        return DriftStatistic(column=name, method=checked, statistic=float(statistic), details=details)

    if current.kind == "numeric":
        if list(baseline.hist_edges) != list(current.hist_edges) or len(baseline.hist_counts) != len(
            current.hist_counts
        ):
            raise InputError(
                f"column '{name}': the current histogram edges {current.hist_edges[:5]}... differ from the "
                f"baseline's {baseline.hist_edges[:5]}...; profile the current data with "
                "reference=<baseline profile> so that both are counted on the same bins."
            )
        b_counts = [float(n) for n in baseline.hist_counts]
        c_counts = [float(n) for n in current.hist_counts]
        details = {"edges": list(baseline.hist_edges)}
    else:
        labels = list(baseline.top) + [label for label in current.top if label not in baseline.top]
        b_counts = [float(baseline.top.get(label, 0)) for label in labels] + [float(baseline.other_count)]
        c_counts = [float(current.top.get(label, 0)) for label in labels] + [float(current.other_count)]
        unseen = [label for label in current.top if label not in baseline.top and current.top[label] > 0]
        details = {
            "categories": [*labels, _OTHER_LABEL],
            "new_categories": list(current.new_categories) or unseen[:10],
        }
    if checked == "psi":
        statistic = psi(b_counts, c_counts)
    elif checked == "chi2":
        statistic = chi2_two_sample(b_counts, c_counts)
    else:
        statistic = js_distance(b_counts, c_counts)
    details.update(
        baseline_count=int(sum(b_counts)),
        current_count=int(sum(c_counts)),
        baseline_proportions=_rounded(b_counts),
        current_proportions=_rounded(c_counts),
    )
    return DriftStatistic(column=name, method=checked, statistic=float(statistic), details=details)
