"""The SQL engine: a table or query profiled inside its database (:func:`profile_sql`), and the
:class:`SqlBatch` that validation and profiling read.

Modules: :mod:`.batch` (the batch), :mod:`.source` (the columns, reflection and the prepared values),
:mod:`.session` (connections, snapshot, ``work_mem``, pool), :mod:`.scans` (grouping-sets scans),
:mod:`.passes` (one function per pass) and :mod:`.profile` (:func:`profile_sql`).

Importing this package is cheap: each name's module is imported on first use (PEP 562), and SQLAlchemy
only inside the functions that run queries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_mlops.engines.sql.batch import SqlBatch
    from airflow_mlops.engines.sql.passes import LABEL_COLUMNS_PER_SCAN, SKETCH_COLUMNS_PER_SCAN
    from airflow_mlops.engines.sql.profile import profile_sql
    from airflow_mlops.engines.sql.session import MAX_POOL_CONNECTIONS, MAX_SERVER_CONNECTIONS

__all__ = [
    "LABEL_COLUMNS_PER_SCAN",
    "MAX_POOL_CONNECTIONS",
    "MAX_SERVER_CONNECTIONS",
    "SKETCH_COLUMNS_PER_SCAN",
    "SqlBatch",
    "profile_sql",
]

_MODULES = {
    "LABEL_COLUMNS_PER_SCAN": "airflow_mlops.engines.sql.passes",
    "MAX_POOL_CONNECTIONS": "airflow_mlops.engines.sql.session",
    "MAX_SERVER_CONNECTIONS": "airflow_mlops.engines.sql.session",
    "SKETCH_COLUMNS_PER_SCAN": "airflow_mlops.engines.sql.passes",
    "SqlBatch": "airflow_mlops.engines.sql.batch",
    "profile_sql": "airflow_mlops.engines.sql.profile",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'airflow_mlops.engines.sql' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
