"""The SQL engine's source: the profiled columns with their logical dtypes (reflected when needed) and
their values, prepared once in one subquery with each dialect's conversions."""

from __future__ import annotations

import datetime
import decimal
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from airflow_mlops.core.profile.model import DTYPES, ColumnKind
from airflow_mlops.core.sql import split_table_name
from airflow_mlops.exceptions import InputError

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["ProfiledValues", "SqlColumn", "epoch_seconds", "sql_dtype", "sql_source"]


@dataclass(frozen=True, kw_only=True)
class SqlColumn:
    name: str
    dtype: str
    kind: ColumnKind
    expr: Any  # the SQL expression of the value, before NaN/inf handling


def sql_dtype(sql_type: Any) -> str | None:
    """The logical dtype of a SQLAlchemy type, from the Python type it maps to; ``None`` when unknown."""
    import sqlalchemy as sa

    if isinstance(sql_type, sa.types.NullType):
        return None
    try:
        python_type = sql_type.python_type
    except (NotImplementedError, AttributeError):
        return None
    if issubclass(python_type, bool):
        return "bool"
    if issubclass(python_type, int):
        return "int64"
    if issubclass(python_type, float | decimal.Decimal):
        return "float64"
    if issubclass(python_type, datetime.datetime | datetime.date):
        return "datetime"
    if issubclass(python_type, datetime.timedelta):
        return "timedelta"
    return "string"


def sql_source(
    engine: sa.Engine, selectable: Any, columns: Mapping[str, str] | None
) -> tuple[Any, list[SqlColumn]]:
    """The FROM clause and the profiled columns with their logical dtypes."""
    import sqlalchemy as sa

    if isinstance(selectable, str):
        schema, table_name = split_table_name(selectable)
        selectable = sa.table(table_name, schema=schema)
    if isinstance(selectable, sa.sql.expression.SelectBase):  # select(), text().columns(), union()
        selectable = selectable.subquery("profiled")
    if not isinstance(selectable, sa.FromClause):
        raise InputError(
            f"selectable={selectable!r:.100} is not a table or subquery; pass sa.table('name', schema=...), "
            "a sa.Table, or a select(...).subquery()."
        )
    is_table = isinstance(selectable, sa.TableClause)
    if columns is not None:
        unknown = {name: dtype for name, dtype in columns.items() if dtype not in DTYPES}
        if unknown:
            raise InputError(
                f"columns={unknown!r} names unknown dtypes; use one of {', '.join(DTYPES)} per column."
            )
        if is_table:
            table = cast("sa.TableClause", selectable)
            selectable = sa.table(table.name, *(sa.column(name) for name in columns), schema=table.schema)
        missing = [name for name in columns if name not in selectable.c]
        if missing:
            raise InputError(
                f"columns {missing[:10]} are not in {selectable!s:.100}; its columns are "
                f"{[c.name for c in selectable.c][:20]}."
            )
        specs = [
            SqlColumn(name=name, dtype=dtype, kind=DTYPES[dtype], expr=selectable.c[name])
            for name, dtype in columns.items()
        ]
        return selectable, specs

    typed = [(c.name, sql_dtype(c.type)) for c in selectable.c]
    if is_table and (not typed or any(dtype is None for _, dtype in typed)):
        table = cast("sa.TableClause", selectable)
        inspector = sa.inspect(engine)
        if not inspector.has_table(table.name, schema=table.schema):
            where = f" in schema '{table.schema}'" if table.schema else ""
            raise InputError(f"table '{table.name}'{where} does not exist on {engine.url!r}.")
        reflected = {c["name"]: c["type"] for c in inspector.get_columns(table.name, schema=table.schema)}
        wanted = [name for name, _ in typed] or list(reflected)
        missing = [name for name in wanted if name not in reflected]
        if missing:
            raise InputError(
                f"columns {missing[:10]} are not in table '{table.name}'; it has {list(reflected)[:20]}."
            )
        selectable = sa.table(
            table.name, *(sa.column(name, reflected[name]) for name in wanted), schema=table.schema
        )
        typed = [(name, sql_dtype(reflected[name])) for name in wanted]
    if not typed:
        raise InputError(
            f"the columns of {selectable!s:.100} are unknown (a text query?); pass columns={{name: dtype}} "
            f"with dtypes among {', '.join(DTYPES)}."
        )
    untyped = [name for name, dtype in typed if dtype is None]
    if untyped:
        raise InputError(
            f"the types of columns {untyped[:10]} are unknown; pass columns={{name: dtype}} with dtypes "
            f"among {', '.join(DTYPES)}."
        )
    specs = [
        SqlColumn(name=name, dtype=str(dtype), kind=DTYPES[str(dtype)], expr=selectable.c[name])
        for name, dtype in typed
    ]
    return selectable, specs


def epoch_seconds(column: Any, dialect: str) -> Any:
    """Seconds since 1970-01-01 of a datetime (UTC for naive values) or the seconds of an interval."""
    import sqlalchemy as sa

    if dialect == "sqlite":  # stored as text; %s drops the fraction, %f - %S keeps milliseconds
        whole = sa.cast(sa.func.strftime("%s", column), sa.Integer())
        fraction: Any = sa.cast(sa.func.strftime("%f", column), sa.Double()) - sa.cast(
            sa.func.strftime("%S", column), sa.Integer()
        )
        return whole + sa.func.round(fraction, 3)
    return sa.extract("epoch", column)


class ProfiledValues:
    """The profiled values, prepared once in one subquery (``profiled_values``) that every pass reads.

    ``v<i>`` is column ``i``'s value: numeric columns as a double (datetimes and intervals as epoch
    seconds), NULL for null and for NaN; ``r<i>`` (PostgreSQL floats only) the same with NaN kept, where
    NaN cannot matter. :meth:`finite` makes ``±inf`` NULL too, for the float columns found to hold them
    in pass 1 (:attr:`has_inf`; every other column is used as it is, with no per-row ``CASE``).
    """

    def __init__(self, source: Any, specs: Sequence[SqlColumn], dialect: str) -> None:
        import sqlalchemy as sa

        double: Any = sa.Double()
        prepared_columns: list[Any] = []
        for i, spec in enumerate(specs):
            if spec.kind == "numeric":
                raw = (
                    epoch_seconds(spec.expr, dialect)
                    if spec.dtype in ("datetime", "timedelta")
                    else spec.expr
                )
                value: Any = sa.cast(raw, double)
                if spec.dtype == "float64" and dialect == "postgresql":
                    prepared_columns.append(value.label(f"r{i}"))  # NaN kept: cheaper where NaN cannot matter
                    value = sa.func.nullif(value, sa.literal(math.nan, double))
                prepared_columns.append(value.label(f"v{i}"))
            elif spec.dtype == "string" and not isinstance(spec.expr.type, sa.String | sa.Enum):
                prepared_columns.append(sa.cast(spec.expr, sa.String()).label(f"v{i}"))
            else:
                prepared_columns.append(spec.expr.label(f"v{i}"))
        if not prepared_columns:
            prepared_columns.append(sa.literal(1).label("one"))
        self.subquery: Any = sa.select(*prepared_columns).select_from(source).subquery("profiled_values")
        self.columns: Any = self.subquery.c  # built here, once: the pool's threads only read it
        self.has_inf: set[int] = set()  # float columns holding ±inf: only they need finite()
        self._double = double
        self._inf = sa.literal(math.inf, double)
        self._minus_inf = sa.literal(-math.inf, double)

    def value(self, i: int) -> Any:
        return self.columns[f"v{i}"]

    def raw(self, i: int) -> Any:
        """The value with NaN left as NaN (where NaN cannot matter: a NaN row has a NULL bucket)."""
        return self.columns[f"r{i}"] if f"r{i}" in self.columns else self.value(i)

    def is_inf(self, i: int) -> Any:
        """Whether the value is ``±inf``."""
        import sqlalchemy as sa

        v = self.value(i)
        return sa.or_(v == self._inf, v == self._minus_inf)

    def finite(self, i: int) -> Any:
        import sqlalchemy as sa

        if i not in self.has_inf:
            return self.value(i)
        return sa.case((self.is_inf(i), sa.null()), else_=self.value(i))

    def below_edges(self, i: int, edges: Sequence[float], prefix: str = "h") -> list[Any]:
        """Counts below each inner edge, one comparison each: the histogram bins are their differences.
        Labels ``h<i>_<b>`` for the histogram, ``o<i>_<b>`` for the own histogram beside a reference's."""
        import sqlalchemy as sa

        v = self.value(i)
        return [
            sa.func.count().filter(v < sa.literal(edge, self._double)).label(f"{prefix}{i}_{b}")
            for b, edge in enumerate(edges[1:-1])
        ]
