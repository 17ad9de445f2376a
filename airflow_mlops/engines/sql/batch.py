"""A table or a query on a database, to be validated or profiled inside that database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_mlops.core.sql import QuantileMode
from airflow_mlops.exceptions import DataSourceError

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["SqlBatch"]


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
