"""Operators of airflow-mlops.

Importing this package is cheap: each operator's module is imported on first use of its name (PEP 562),
and none of them imports GX, pandas or scipy before ``execute()``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_MODULES = {
    "BaselineComparisonOperator": "airflow_mlops.operators.comparison",
    "DataValidationOperator": "airflow_mlops.operators.validation",
    "QualityGateOperator": "airflow_mlops.operators.gate",
    "SqlSource": "airflow_mlops.sources",
    "WarningDigestOperator": "airflow_mlops.operators.digest",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'airflow_mlops.operators' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
