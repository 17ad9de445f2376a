"""Who may read or edit a DAG's records in the results store, also once Airflow no longer knows the DAG.

Airflow's auth manager decides, for a DAG and its owning team. The team is, in this order:

1. Airflow's, while the DAG exists in Airflow's metadata (read there, never from Airflow's team-name
   cache, which outlives a deleted DAG by ``[core] team_name_cache_ttl``);
2. else the team recorded with the DAG's newest check run (every task records its DAG's team);
3. else nobody's: :data:`UNKNOWN_TEAM`, a team no user belongs to, so only the users the auth manager lets
   into any team's DAGs get in: the admins (SimpleAuthManager; an auth manager that grants per DAG id,
   such as FAB's, keeps deciding by id).

A report is also held to the team recorded with its own rows, so a DAG id that another team's bundle
reuses does not open the records of the team that wrote them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import HTTPException, Request

__all__ = ["UNKNOWN_TEAM", "authorized_dag_ids", "dag_teams", "require_dag", "require_recorded_team"]

#: The team of a DAG whose team cannot be established: no user belongs to it.
UNKNOWN_TEAM = "airflow-mlops:team-unknown"


def _auth_manager() -> Any:
    from airflow.api_fastapi.app import get_auth_manager

    return get_auth_manager()


def _store() -> Any:
    from airflow_mlops.config import get_store

    return get_store()


def dag_teams(dag_ids: Collection[str]) -> dict[str, str | None]:
    """The owning team of each DAG (None: no team), by the rules in this module's docstring."""
    import sqlalchemy as sa
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    wanted = sorted(set(dag_ids))
    if not wanted:
        return {}
    with create_session() as session:
        known = set(session.scalars(sa.select(DagModel.dag_id).where(DagModel.dag_id.in_(wanted))))
        live = DagModel.get_dag_id_to_team_name_mapping(sorted(known), session=session) if known else {}
    teams: dict[str, str | None] = {dag_id: live.get(dag_id) for dag_id in known}
    gone = [dag_id for dag_id in wanted if dag_id not in known]
    recorded = _store().recorded_teams(gone) if gone else {}
    for dag_id in gone:
        teams[dag_id] = recorded.get(dag_id, UNKNOWN_TEAM)
    return teams


def _allowed(user: Any, dag_id: str, team: str | None, method: str) -> bool:
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

    details = DagDetails(id=dag_id, team_name=team)
    return bool(_auth_manager().is_authorized_dag(method=method, details=details, user=user))


def authorized_dag_ids(user: Any, dag_ids: Collection[str], method: str = "GET") -> set[str]:
    """The DAGs of ``dag_ids`` on which the user may do ``method`` (GET: read, PUT: edit)."""
    return {dag_id for dag_id, team in dag_teams(dag_ids).items() if _allowed(user, dag_id, team, method)}


def require_dag(method: str) -> Callable[..., None]:
    """A route dependency: 403 unless the user may do ``method`` on the path's ``dag_id``; it replaces
    Airflow's ``requires_access_dag``, which lets everyone in once the DAG is deleted."""

    def dependency(request: Request, user: GetUserDep) -> None:
        dag_id = str(request.path_params["dag_id"])
        if dag_id not in authorized_dag_ids(user, {dag_id}, method):
            raise HTTPException(status_code=403, detail="Forbidden")

    return dependency


def require_recorded_team(user: Any, dag_id: str, team: str | None, method: str = "GET") -> None:
    """403 unless the user may do ``method`` on a DAG of the team recorded with a row (``""``: no team;
    None: not recorded, the DAG's own check then decides alone)."""
    if team is not None and not _allowed(user, dag_id, team or None, method):
        raise HTTPException(status_code=403, detail="Forbidden")
