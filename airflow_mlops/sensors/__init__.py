"""Sensors of airflow-mlops."""

from __future__ import annotations

from typing import Any

__all__ = ["QualityGateSensor"]


def __getattr__(name: str) -> Any:  # PEP 562: DAG files that import this package stay cheap to parse
    if name == "QualityGateSensor":
        from airflow_mlops.sensors.gate import QualityGateSensor

        return QualityGateSensor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
