"""The SQL engine: a table or query profiled inside its database (:func:`profile_sql`), and the
:class:`SqlBatch` that validation and profiling read.

Modules: :mod:`.batch` (the batch), :mod:`.source` (the columns, reflection and the prepared values),
:mod:`.session` (connections, snapshot, ``work_mem``, pool), :mod:`.scans` (grouping-sets scans),
:mod:`.passes` (one function per pass) and :mod:`.profile` (:func:`profile_sql`). SQLAlchemy is imported
only inside the functions that run queries; DAG files never import this package (``SqlSource`` builds
its batch at run time).
"""

from __future__ import annotations

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
