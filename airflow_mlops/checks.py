"""Checks for :class:`~airflow_mlops.operators.BaselineComparisonOperator` (cheap to import)."""

from __future__ import annotations

from airflow_mlops.core.anomaly import Anomaly
from airflow_mlops.core.checks import (
    DRIFT_METHODS,
    BaselineCheck,
    Drift,
    Mean,
    MetricRegression,
    NullRate,
    RowCount,
    Schema,
)
from airflow_mlops.core.freshness import Freshness

__all__ = [
    "DRIFT_METHODS",
    "Anomaly",
    "BaselineCheck",
    "Drift",
    "Freshness",
    "Mean",
    "MetricRegression",
    "NullRate",
    "RowCount",
    "Schema",
]
