"""Compact data profiles for baseline comparison: the model, the frame engine's maths and the baselines.

A :class:`DatasetProfile` summarises a table in a few KB whatever its size: per column the null and
non-null counts, and

* for **numeric** columns (integers, floats; datetimes and timedeltas as epoch seconds): min, max, mean,
  sample standard deviation, a 101-point quantile sketch and a histogram of at most 20 bins;
* for **categorical** columns (strings, booleans, categories, anything else): the ``top_k`` most frequent
  values (as strings) with their counts, the count of all other values and the number of distinct values.

Profiles are compared "like with like": profile the current data with ``reference=baseline`` and every
histogram is counted on the baseline's bin edges, every categorical column on the baseline's categories.
The drift statistics of :mod:`airflow_mlops.core.drift` are computed on those aligned counts.

Definitions shared by :func:`profile_frame` and the SQL engine's
:func:`~airflow_mlops.engines.sql.profile_sql` (the two give equal profiles):

``count``
    non-null values; NaN is null. ``±inf`` values are non-null: they are counted in ``count`` and in
    ``inf_count``, are excluded from min/max/mean/std/quantiles and fall into the open-ended first or last
    histogram bin (so ``sum(hist_counts) == count`` always holds).
``std``
    the *sample* standard deviation (``ddof=1``) of the finite values; ``None`` with fewer than two.
``quantiles``
    101 values at p = 0.00, 0.01, ..., 1.00 of the finite values, by linear interpolation between order
    statistics: index ``(n - 1) * p`` of the sorted values (numpy's default ``method="linear"``, Hyndman &
    Fan type 7, which is also the definition of SQL's ``percentile_cont``); ``[]`` when there is no finite
    value.
    ``profile_sql(quantiles="sketch")`` trades this exactness for speed on PostgreSQL: each quantile is
    within ``(max - min) / 10,000`` of it (see :func:`~airflow_mlops.engines.sql.profile_sql`).
``hist_edges``
    without a reference: for a **discrete** column (at most ``DISCRETE_VALUES`` = 50 distinct finite
    values) its distinct values in order with the last one repeated, so that bin ``i`` holds exactly the
    value ``edges[i]`` (a constant column: ``[v, v]``); otherwise the distinct values of the quantiles at
    p = 0, 0.05, ..., 1 (at most 20 bins); ``[]`` when there is no finite value. Bin ``i`` is
    ``[edges[i], edges[i+1])``; the first bin also takes everything below ``edges[0]`` and the last bin
    everything from ``edges[-2]`` up, so counts always sum to ``count``. With no edges there is a single
    unbounded bin: ``hist_counts == [count]``.
``own_edges``, ``own_counts``
    with a reference whose edges differ from the column's own: the histogram on the column's own edges
    (as without a reference), counted in the same pass, so that the profile a run stores
    (:func:`own_binned`) has exact counts; empty otherwise.
``top``
    the ``top_k`` most frequent values by count, ties broken by the label in code-point order, labels
    are ``str(value)`` (booleans are ``"True"``/``"False"``).

This package is pure: no connections, no threads, no SQLAlchemy; pandas and numpy are imported inside
the functions that need them. Its modules: :mod:`.model` (the profile and its dict), :mod:`.binning`
(edges and counts), :mod:`.sketch` (the quantile sketch from fine bins), :mod:`.frame` (the pandas
engine) and :mod:`.median` (baselines made of profiles).
"""

from __future__ import annotations

from airflow_mlops.core.profile.frame import profile_frame
from airflow_mlops.core.profile.median import median_profile, own_binned
from airflow_mlops.core.profile.model import (
    DISCRETE_VALUES,
    DTYPES,
    HIST_STEP,
    MAX_NEW_CATEGORIES,
    QUANTILE_POINTS,
    ColumnKind,
    ColumnProfile,
    DatasetProfile,
    is_value_binned,
    quantile_probabilities,
)
from airflow_mlops.core.profile.sketch import SKETCH_BINS, SKETCH_DENSE_SHARE
from airflow_mlops.core.sql import QUANTILE_MODES

__all__ = [
    "DISCRETE_VALUES",
    "DTYPES",
    "HIST_STEP",
    "MAX_NEW_CATEGORIES",
    "QUANTILE_MODES",
    "QUANTILE_POINTS",
    "SKETCH_BINS",
    "SKETCH_DENSE_SHARE",
    "ColumnKind",
    "ColumnProfile",
    "DatasetProfile",
    "is_value_binned",
    "median_profile",
    "own_binned",
    "profile_frame",
    "quantile_probabilities",
]
