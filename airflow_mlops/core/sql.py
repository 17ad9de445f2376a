"""SQL helpers for push-down checks: identifiers are quoted by SQLAlchemy or refused, never pasted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from airflow_mlops.exceptions import DataSourceError

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["QUANTILE_MODES", "QuantileMode", "SqlBatch", "split_table_name"]

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


@dataclass(frozen=True, kw_only=True)
class SqlBatch:
    """A table or a query on a database, to be validated or profiled inside that database.

    :param url: the SQLAlchemy URL with credentials (never logged; use ``description`` for messages).
    """

    engine: sa.engine.Engine
    description: str
    table: str | None = None
    schema: str | None = None
    query: str | None = None
    work_mem: str | None = None
    parallel: int = 1
    quantiles: QuantileMode = "exact"

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    def selectable(self) -> Any:
        import sqlalchemy as sa

        if self.table is not None:
            return sa.table(self.table, schema=self.schema)
        assert self.query is not None
        return sa.text(self.query).columns().subquery("q")

    def check(self) -> list[str]:
        """Check that the table exists and has rows. Returns the column names (empty for a query)."""
        import sqlalchemy as sa

        with self.engine.connect() as conn:
            columns: list[str] = []
            if self.table is not None:
                inspector = sa.inspect(conn)
                if not inspector.has_table(self.table, schema=self.schema):
                    try:
                        available = sorted(inspector.get_table_names(schema=self.schema))
                    except sa.exc.SQLAlchemyError:
                        available = []
                    hint = f" Tables there: {', '.join(available[:10])}." if available else ""
                    where = f"schema '{self.schema}' of " if self.schema else ""
                    raise DataSourceError(
                        f"table '{self.table}' does not exist in {where}{self.description}.{hint}"
                    )
                columns = [c["name"] for c in inspector.get_columns(self.table, schema=self.schema)]
                probe: Any = sa.select(sa.literal(1)).select_from(self.selectable()).limit(1)
            else:
                probe = sa.text(f"SELECT 1 FROM ({self.query}) AS q LIMIT 1")
            try:
                has_rows = conn.execute(probe).first() is not None
            except sa.exc.ProgrammingError as exc:
                raise DataSourceError(f"query on {self.description} failed: {exc.orig}") from None
        if not has_rows:
            raise DataSourceError(
                f"{self.description} has 0 rows; an empty batch would pass most checks vacuously, so it is "
                "reported as an error."
            )
        return columns
