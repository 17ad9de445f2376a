"""Pure decision logic of airflow-mlops.

Nothing under ``airflow_mlops.core`` imports Airflow, so it can be unit-tested in milliseconds.
Heavy libraries (Great Expectations, pandas) are imported inside the functions that need them.
"""

from __future__ import annotations

from airflow_mlops.core.results import (
    CheckResult,
    CheckRunSummary,
    Severity,
    Status,
    aggregate_status,
    format_results_table,
    summarize,
)

__all__ = [
    "CheckResult",
    "CheckRunSummary",
    "Severity",
    "Status",
    "aggregate_status",
    "format_results_table",
    "summarize",
]
