"""OpenLineage data-quality facets for check and gate tasks (only when the openlineage provider is installed).

Nothing here is imported at DAG parse time or without the provider: the operators' lineage methods
import this module lazily, and it returns None when ``openlineage`` is missing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from airflow_mlops.core.results import CheckResult

__all__ = [
    "dataset_identity",
    "operator_lineage",
]

_SEVERITY = {"fail": "error", "warn": "warn", "info": "info"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else repr(value)
    return text[:500]


def dataset_identity(data: Any, *, dag_id: str, task_id: str) -> tuple[str, str]:
    """(namespace, name) of the checked data, after OpenLineage's naming conventions where they apply."""
    from airflow_mlops.sources import SqlSource

    if isinstance(data, SqlSource):
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(data.conn_id)
        scheme = (conn.conn_type or "sql").replace("_", "-")
        authority = f"{conn.host or 'localhost'}" + (f":{conn.port}" if conn.port else "")
        name = data.table or f"{dag_id}.{task_id}.query"
        database = conn.schema or ""
        return f"{scheme}://{authority}", f"{database}.{name}" if database else name
    if isinstance(data, str | os.PathLike):
        path = os.fspath(data)
        if "://" in path:
            scheme, rest = path.split("://", 1)
            bucket, _, key = rest.partition("/")
            return f"{scheme}://{bucket}", key
        return "file", os.path.abspath(path)
    return "airflow_mlops", f"{dag_id}.{task_id}"


def operator_lineage(
    results: Sequence[CheckResult], *, namespace: str, name: str, facet_key: str = "dataQualityAssertions"
) -> Any:
    """An ``OperatorLineage`` whose input dataset carries one assertion per check result."""
    try:
        from airflow.providers.openlineage.extractors import OperatorLineage
        from openlineage.client.event_v2 import InputDataset
        from openlineage.client.facet_v2 import data_quality_assertions_dataset as dq
    except ImportError:
        return None
    assertions = [
        dq.Assertion(
            assertion=r.check_type or r.name,
            success=r.passed,
            column=r.column,
            severity=_SEVERITY.get(getattr(r.severity, "value", str(r.severity))),
            name=r.name,
            expected=_text(r.expected if r.expected is not None else r.threshold),
            actual=_text(r.observed),
        )
        for r in results
    ]
    facet = dq.DataQualityAssertionsDatasetFacet(assertions=assertions)
    return OperatorLineage(
        inputs=[InputDataset(namespace=namespace, name=name, inputFacets={facet_key: facet})]
    )
