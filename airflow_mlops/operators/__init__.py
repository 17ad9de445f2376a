"""Operators of airflow-mlops. Importing this module is cheap: no GX, pandas or scipy import."""

from __future__ import annotations

from airflow_mlops.operators.comparison import BaselineComparisonOperator
from airflow_mlops.operators.digest import WarningDigestOperator
from airflow_mlops.operators.gate import QualityGateOperator
from airflow_mlops.operators.validation import DataValidationOperator
from airflow_mlops.sources import SqlSource

__all__ = [
    "BaselineComparisonOperator",
    "DataValidationOperator",
    "QualityGateOperator",
    "SqlSource",
    "WarningDigestOperator",
]
