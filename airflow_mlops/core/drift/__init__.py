"""Drift statistics between a baseline and a current profile (pure numpy, no scipy needed at run time).

Every statistic is finite, ``>= 0`` and grows with drift (higher = more drift); identical distributions
give 0. They are computed on the compact profiles of :mod:`airflow_mlops.core.profile`, never on rows:

========================  ==========================================  =====================================
method                    input                                       range
========================  ==========================================  =====================================
``psi``                   aligned counts (histogram bins/categories)  ``[0, ∞)``; 0.1 / 0.25 are usual cuts
``chi2``                  aligned counts                              ``[0, 1]`` (Cramér's φ² for 2 rows)
``js``                    aligned counts                              ``[0, 1]`` (JS distance, base 2)
``ks``                    101-point quantile sketches (numeric)       ``[0, 1]``
``wasserstein``           101-point quantile sketches (numeric)       ``[0, ∞)`` in baseline std units
========================  ==========================================  =====================================

Empty sides (a column with no non-null values, or no finite values for ``ks``/``wasserstein``): both
empty gives 0.0; exactly one side empty is maximal drift: ``js``, ``chi2`` and ``ks`` give 1.0,
``wasserstein`` gives :data:`MAX_STATISTIC`, and ``psi`` is computed as usual with the empty side's
proportions all smoothed to ``eps`` (a large finite value).

Modules: :mod:`.counts` (psi, chi2, js), :mod:`.ordered` (ks, wasserstein) and :mod:`.column`
(:func:`drift_statistic` on two column profiles).
"""

from __future__ import annotations

from airflow_mlops.core.drift.column import (
    DRIFT_METHODS,
    NUMERIC_ONLY,
    DriftMethod,
    DriftStatistic,
    drift_statistic,
)
from airflow_mlops.core.drift.counts import PSI_EPS, chi2_two_sample, js_distance, psi
from airflow_mlops.core.drift.ordered import (
    MAX_STATISTIC,
    ks_from_quantiles,
    ks_from_value_counts,
    sketch_cdf,
    wasserstein_from_quantiles,
    wasserstein_from_value_counts,
)

__all__ = [
    "DRIFT_METHODS",
    "MAX_STATISTIC",
    "NUMERIC_ONLY",
    "PSI_EPS",
    "DriftMethod",
    "DriftStatistic",
    "chi2_two_sample",
    "drift_statistic",
    "js_distance",
    "ks_from_quantiles",
    "ks_from_value_counts",
    "psi",
    "sketch_cdf",
    "wasserstein_from_quantiles",
    "wasserstein_from_value_counts",
]
