"""Query pieces the stores share: optional filters, "latest try only", and a gate's active override."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

import sqlalchemy as sa

from airflow_mlops.core.results import Status
from airflow_mlops.store.models import CheckRunRow, GateOverrideRow, ProfileRow

__all__ = [
    "active_override_query",
    "failing_first",
    "latest_check_try",
    "latest_profile_try",
    "no_later_try",
    "where_given",
]

Q = TypeVar("Q", bound=sa.Select[*tuple[Any, ...]])


def where_given(query: Q, *filters: tuple[Any, object]) -> Q:
    """``query`` narrowed by each ``(column, value)`` whose value is not None: ``column == value``, or
    ``column IN (value)`` when the value is a collection (a list, set or tuple; a string is one value).

    One line per optional argument of a reader (``dag_id=None``, ``dag_ids=None``, ``status=None`` ...),
    instead of an ``if`` per argument."""
    for column, value in filters:
        if value is None:
            continue
        if isinstance(value, Collection) and not isinstance(value, str | bytes):
            query = query.where(column.in_(list(value)))
        else:
            query = query.where(column == value)
    return query


def failing_first(status: Any) -> Any:
    """A sort key on a status column: FAILED, ERRORED, WARNED, then every other status."""
    return sa.case(
        {Status.FAILED.value: 0, Status.ERRORED.value: 1, Status.WARNED.value: 2}, value=status, else_=3
    )


def no_later_try(model: Any, *keys: str) -> Any:
    """Only the latest try counts: no row of ``model`` with the same ``keys`` has a higher try_number
    (earlier tries were superseded by their retry)."""
    later = sa.orm.aliased(model)
    same = [getattr(later, key) == getattr(model, key) for key in keys]
    return ~sa.exists().where(*same, later.try_number > model.try_number)


def latest_check_try() -> Any:
    """A task's latest try in a DAG run, per map index."""
    return no_later_try(CheckRunRow, "dag_id", "task_id", "run_id", "map_index")


def latest_profile_try() -> Any:
    """A DAG run's latest try of a profile series."""
    return no_later_try(ProfileRow, "baseline_key", "kind", "dag_id", "run_id")


def active_override_query(*, dag_id: str, run_id: str, task_id: str) -> sa.Select[GateOverrideRow]:
    """The newest active override of a gate in one DAG run."""
    return (
        sa.select(GateOverrideRow)
        .where(
            GateOverrideRow.dag_id == dag_id,
            GateOverrideRow.run_id == run_id,
            GateOverrideRow.task_id == task_id,
            GateOverrideRow.active,
        )
        .order_by(GateOverrideRow.id.desc())
        .limit(1)
    )
