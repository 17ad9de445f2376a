"""Execution engines: the code that runs against a data store, kept outside the pure core.

:mod:`airflow_mlops.engines.sql` profiles tables and queries inside their database and describes a SQL
batch; what it computes is defined, and assembled, by :mod:`airflow_mlops.core.profile`.
"""

__all__: list[str] = []
