"""The query pieces the stores share (store.queries), compiled to SQL: no database needed."""

from __future__ import annotations

import sqlalchemy as sa

from airflow_mlops.store.models import IncidentRow
from airflow_mlops.store.queries import where_given


def sql(query: sa.Select) -> str:  # type: ignore[type-arg]
    return str(query.compile(compile_kwargs={"literal_binds": True})).split("WHERE", 1)[-1].strip()


def test_where_given_skips_none_compares_one_value_and_matches_a_collection() -> None:
    base = sa.select(IncidentRow.id)
    assert sql(where_given(base, (IncidentRow.owner, None))) == sql(base)
    query = where_given(
        base,
        (IncidentRow.owner, "ml"),
        (IncidentRow.status, ("open", "snoozed")),
        (IncidentRow.dag_id, {"orders"}),
        (IncidentRow.digest_pending, False),
        (IncidentRow.count, 0),  # falsy values are values, not "not given"
        (IncidentRow.dag_id, None),
    )
    assert sql(query) == (
        "mlops_incident.owner = 'ml' AND mlops_incident.status IN ('open', 'snoozed') "
        "AND mlops_incident.dag_id IN ('orders') AND mlops_incident.digest_pending = false "
        "AND mlops_incident.count = 0"
    )


def test_a_string_is_one_value_not_a_collection_of_letters() -> None:
    query = where_given(sa.select(IncidentRow.id), (IncidentRow.status, "open"))
    assert sql(query) == "mlops_incident.status = 'open'"
