"""SQL names for push-down checks: identifiers are quoted by SQLAlchemy or refused, never pasted.

Pure: nothing here opens a connection or builds SQL. The SQL engine (:mod:`airflow_mlops.engines.sql`)
does both; :class:`SqlTarget` is what the core reads of its :class:`~airflow_mlops.engines.sql.SqlBatch`.
"""

from __future__ import annotations

from typing import Literal, Protocol

from airflow_mlops.exceptions import DataSourceError

__all__ = ["QUANTILE_MODES", "QuantileMode", "SqlTarget", "split_table_name"]

_FORBIDDEN_IN_IDENTIFIER = ('"', "`", ";", "\x00", "\n", "\r", "--", "/*", "*/")


def split_table_name(table: str, schema: str | None = None) -> tuple[str | None, str]:
    """Split ``schema.table`` and refuse names that could only be meant as SQL, not as an identifier."""
    if not isinstance(table, str) or not table.strip():
        raise DataSourceError(f"table={table!r} must be a non-empty table name.")
    if schema is not None and not isinstance(schema, str):
        raise DataSourceError(f"schema={schema!r} must be a schema name (or None).")
    for argument, name in (("table", table), ("schema", schema)):
        bad = next((b for b in _FORBIDDEN_IN_IDENTIFIER if name and b in name), None)
        if bad is not None:
            raise DataSourceError(
                f"{argument}={name!r} contains {bad!r}, which a {argument} name never needs; pass a plain "
                "name like 'schema.table' (it is quoted for you), or use query= for SQL."
            )
    if schema is None and "." in table:
        schema, table = table.split(".", 1)
    return schema, table


#: How ``profile_sql`` computes quantiles: exact (sorted) or from a fine-bin sketch (PostgreSQL).
QuantileMode = Literal["exact", "sketch"]
QUANTILE_MODES: tuple[QuantileMode, ...] = ("exact", "sketch")


class SqlTarget(Protocol):
    """A table or a query on a database, as GX reads it (:class:`airflow_mlops.engines.sql.SqlBatch`)."""

    @property
    def url(self) -> str: ...

    @property
    def table(self) -> str | None: ...

    @property
    def schema(self) -> str | None: ...

    @property
    def query(self) -> str | None: ...
