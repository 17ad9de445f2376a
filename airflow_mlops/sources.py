"""Data sources accepted by ``data=``: a callable, a file path/URI, or :class:`SqlSource`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_mlops.core.arguments import require_choice, require_int, require_str
from airflow_mlops.core.sql import QUANTILE_MODES, QuantileMode, split_table_name
from airflow_mlops.exceptions import ArgumentError, DataSourceError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from airflow_mlops.engines.sql import SqlBatch

__all__ = ["SqlSource"]


class SqlSource:
    """A table or query reached through an Airflow connection. Checks run inside the database.

    :param conn_id: an Airflow connection whose hook provides a SQLAlchemy engine (postgres, sqlite, ...).
    :param table: a table name, optionally ``schema.table``; quoted for you. Templated.
    :param query: a SELECT to validate instead of a table. Templated.
    :param schema: the schema, if not given in ``table``. Templated.
    :param work_mem: PostgreSQL: ``work_mem`` for the profile's own transactions (e.g. ``"256MB"``), so
        that the quantile sorts of a comparison run in memory. Default: the server's.
    :param parallel: PostgreSQL: connections the quantile sorts of a comparison are shared over (1-16,
        at most 14 at once); with ``quantiles="sketch"`` the profile's scans use up to ``max(parallel, 1 +
        max_parallel_workers_per_gather)`` at once (that second term at most 8) besides the main one.
    :param quantiles: ``"exact"`` (default: sorted quantiles, the profile equals the pandas profile of the
        same rows) or ``"sketch"`` (PostgreSQL: the 101 quantiles read off 10,000 equal-width fine bins
        between each numeric column's min and max, grouping-sets scans of up to 3 columns, no sort; each
        quantile within ``(max - min) / 10,000`` of the exact one; counts, moments, categories and
        histogram counts stay exact). Other databases compute exact quantiles either way. See
        :func:`airflow_mlops.engines.sql.profile_sql`.
    """

    template_fields = ("conn_id", "table", "query", "schema")

    def __init__(
        self,
        *,
        conn_id: str,
        table: str | None = None,
        query: str | None = None,
        schema: str | None = None,
        work_mem: str | None = None,
        parallel: int = 1,
        quantiles: QuantileMode = "exact",
    ) -> None:
        require_str("SqlSource(conn_id=...)", conn_id, what="a non-empty connection id")
        if (table is None) == (query is None):
            raise ArgumentError(
                f"SqlSource(conn_id={conn_id!r}) needs exactly one of table= or query=; "
                f"got table={table!r}, query={query!r}."
            )
        self.work_mem = require_str(
            "SqlSource(work_mem=...)", work_mem, what="a size such as '256MB'", optional=True
        )
        self.parallel = require_int("SqlSource(parallel=...)", parallel, minimum=1, maximum=16)
        self.quantiles = require_choice("SqlSource(quantiles=...)", quantiles, QUANTILE_MODES)
        self.conn_id = conn_id
        self.table = table
        self.query = query
        self.schema = schema

    def __repr__(self) -> str:
        what = f"table={self.table!r}" if self.table is not None else f"query={self.query!r}"
        return f"SqlSource(conn_id={self.conn_id!r}, {what})"

    def describe(self) -> str:
        if self.table is not None:
            name = f"{self.schema}.{self.table}" if self.schema else self.table
            return f"table '{name}' on connection '{self.conn_id}'"
        return f"query on connection '{self.conn_id}'"

    def get_engine(self) -> sa.Engine:
        """The SQLAlchemy engine of the connection's hook (the hook does the I/O)."""
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException

        try:
            connection = BaseHook.get_connection(self.conn_id)
        except AirflowNotFoundException:
            raise DataSourceError(
                f"connection '{self.conn_id}' is not defined; add it with `airflow connections add` or an "
                f"AIRFLOW_CONN_{self.conn_id.upper()} environment variable."
            ) from None
        hook: Any = connection.get_hook()
        get_engine = getattr(hook, "get_sqlalchemy_engine", None)
        if get_engine is None:
            raise DataSourceError(
                f"connection '{self.conn_id}' (type '{connection.conn_type}') is not a SQL database connection; "
                "SqlSource needs one whose hook has a SQLAlchemy engine (postgres, sqlite, mysql, ...)."
            )
        return get_engine()

    def to_batch(self) -> SqlBatch:
        from airflow_mlops.engines.sql import SqlBatch

        engine = self.get_engine()
        if self.table is not None:
            schema, table = split_table_name(self.table, self.schema)
            return SqlBatch(
                engine=engine, table=table, schema=schema, description=self.describe(),
                work_mem=self.work_mem, parallel=self.parallel, quantiles=self.quantiles,
            )  # fmt: skip
        if not isinstance(self.query, str) or not self.query.strip():
            raise DataSourceError(f"SqlSource(conn_id={self.conn_id!r}) query= is empty.")
        return SqlBatch(
            engine=engine, query=self.query.strip().rstrip(";"), description=self.describe(),
            work_mem=self.work_mem, parallel=self.parallel, quantiles=self.quantiles,
        )  # fmt: skip
