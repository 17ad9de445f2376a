"""The model leaderboard over the results store: the board of a metrics key, promotion and rollback.

:mod:`airflow_mlops.core.leaderboard` decides (ranking, who beats the champion, velocity); this module
reads the store into its records and writes promotions as ``champion`` pins (audited, never deleted),
and emits the model's Airflow asset event (:func:`~airflow_mlops.core.leaderboard.model_asset_uri`)
where Airflow's metadata DB may be used (the api-server, the CLI; never task code, which schedules on it
with ``outlets=``). The JSON API, the pages and ``airflow-mlops models`` share it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from airflow_mlops.core.leaderboard import (
    CHAMPION,
    Board,
    Candidate,
    PrimaryMetric,
    Promotion,
    build_board,
    model_asset_uri,
)
from airflow_mlops.core.messages import data_date
from airflow_mlops.exceptions import InputError

__all__ = [
    "MAX_CANDIDATES",
    "emit_promotion_event",
    "load_board",
    "metric_keys",
    "promote",
    "rollback",
]

log = logging.getLogger(__name__)
MAX_CANDIDATES = 500


def metric_keys(store: Any, dag_ids: set[str] | None = None) -> list[dict[str, Any]]:
    """The baseline keys that hold model metrics (of ``dag_ids`` when given)."""
    return [k for k in store.baseline_keys(dag_ids=dag_ids) if k["kind"] == "metrics"]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _at(moment: datetime | None) -> datetime:
    """A stored time that is never empty (recorded_at, pinned_at), in UTC."""
    return _utc(moment) or datetime.fromtimestamp(0, UTC)


def _exported_at(profile: Mapping[str, Any]) -> datetime | None:
    contract = profile.get("contract") if isinstance(profile, Mapping) else None
    created = contract.get("created_at") if isinstance(contract, Mapping) else None
    try:
        return _utc(datetime.fromisoformat(str(created))) if created else None
    except ValueError:
        return None


def _candidates(store: Any, key: str) -> list[Candidate]:
    """The key's metrics profiles, the latest try of each run once, each with its run's gate (status
    reason, task) and data comparison (the profile it was trained or scored on)."""
    seen: set[tuple[str | None, str | None]] = set()
    rows = []
    for p in store.profiles(key=key, kind="metrics", limit=MAX_CANDIDATES):  # newest first
        if p.run_id is not None and (p.dag_id, p.run_id) in seen:
            continue
        seen.add((p.dag_id, p.run_id))
        rows.append(p)
    runs = _runs_of(store, {p.dag_id for p in rows if p.run_id and p.dag_id})
    return [_candidate(p, runs.get((p.dag_id, p.run_id), []), key) for p in rows]


def _runs_of(store: Any, dag_ids: set[str]) -> dict[tuple[str, str], list[Any]]:
    """The check and gate runs of these DAGs by (dag, run): one read per DAG."""
    found: dict[tuple[str, str], list[Any]] = {}
    for dag_id in dag_ids:
        for run in store.check_runs(dag_id=dag_id, limit=MAX_CANDIDATES * 10):
            found.setdefault((run.dag_id, run.run_id), []).append(run)
    return found


def _candidate(p: Any, runs: list[Any], key: str) -> Candidate:
    gate = next((r for r in runs if r.kind == "gate"), None)
    data = next((r for r in runs if r.kind != "gate" and r.baseline_key not in (None, key)), None)
    failed = p.gate_status in ("FAILED", "ERRORED")
    return Candidate(
        profile_id=p.id, metrics=dict((p.profile or {}).get("metrics") or {}),
        recorded_at=_at(p.run_after or p.recorded_at), run_id=p.run_id, dag_id=p.dag_id, source=p.source,
        gate_status=p.gate_status, run_status=p.run_status,
        gate_reason=gate.message if failed and gate is not None else None,
        exported_at=_exported_at(p.profile or {}),
        gate_task_id=gate.task_id if gate is not None else None,
        data_task_id=data.task_id if data is not None else None,
        data_date=data_date(runs[0].logical_date, runs[0].run_after) if runs else None,
    )  # fmt: skip


def _promotions(store: Any, key: str) -> list[Promotion]:
    return [
        Promotion(
            profile_id=pin.profile_id, at=_at(pin.pinned_at), by=pin.pinned_by, reason=pin.reason,
            active=pin.active, ended_at=_utc(pin.unpinned_at), ended_by=pin.unpinned_by,
        )
        for pin in store.pins(key=key, include_inactive=True)
        if pin.label == CHAMPION
    ]  # fmt: skip


def _declared_primary(store: Any, key: str) -> PrimaryMetric | None:
    """The primary metric the key's newest comparison declared (``MetricRegression(primary=True)``)."""
    for run in store.check_runs(baseline_key=key, limit=20):
        declared = (run.summary or {}).get("primary_metric")
        if isinstance(declared, Mapping) and declared.get("name"):
            return PrimaryMetric(str(declared["name"]), bool(declared.get("higher_is_better", True)))
    return None


def load_board(
    store: Any, key: str, *, metric: str | None = None, higher_is_better: bool | None = None
) -> Board:
    """The board of ``key``; ``metric``/``higher_is_better`` override the declared primary metric.

    :raises InputError: for a key without metrics (naming the metric keys there are), or without a
        primary metric (declare one, or pass ``metric``).
    """
    candidates = _candidates(store, key)
    if not candidates:
        known = ", ".join(sorted(k["baseline_key"] for k in metric_keys(store))[:10]) or "none yet"
        raise InputError(f"model key '{key}' holds no metrics; the keys with model metrics: {known}.")
    declared = _declared_primary(store, key)
    name = metric or (declared.name if declared else None)
    if name is None:
        raise InputError(
            f"model key '{key}' declares no primary metric: mark one MetricRegression(..., primary=True) on its "
            "comparison, or name one (--metric)."
        )
    direction = (
        higher_is_better
        if higher_is_better is not None
        else (declared.higher_is_better if declared else True)
    )
    return build_board(key, candidates, _promotions(store, key), PrimaryMetric(name, direction))


def promote(
    store: Any, key: str, *, run_id: str | None, profile_id: int | None, user: str, reason: str
) -> Any:
    """Make a candidate (by its run or profile id) the champion: a ``champion`` pin, audited."""
    if not reason or not reason.strip():
        raise InputError("a promotion needs a reason; it is shown on the board and audited.")
    if (run_id is None) == (profile_id is None):
        raise InputError("promote needs exactly one of run_id= or profile_id= (the candidate).")
    candidates = {c.profile_id: c for c in _candidates(store, key)}
    if profile_id is not None and profile_id not in candidates:
        raise InputError(f"profile {profile_id} is not a candidate of model key '{key}'.")
    if run_id is not None:
        return store.pin(key=key, label=CHAMPION, run_id=run_id, user=user, reason=reason)
    return store.pin(key=key, label=CHAMPION, profile_id=profile_id, user=user, reason=reason)


def rollback(store: Any, key: str, *, user: str, reason: str) -> Any:
    """Make the champion before the current one champion again, in one action (a new pin, audited)."""
    history = sorted(_promotions(store, key), key=lambda p: p.at)
    current = next((p for p in reversed(history) if p.active), None)
    earlier = [
        p for p in history if current is None or (p.at < current.at and p.profile_id != current.profile_id)
    ]
    if not earlier:
        raise InputError(f"model key '{key}' has no earlier champion to roll back to.")
    return promote(
        store, key, run_id=None, profile_id=earlier[-1].profile_id, user=user, reason=f"rollback: {reason}"
    )


def emit_promotion_event(key: str, *, by: str, reason: str) -> str:
    """An Airflow asset event on the model's asset, so DAGs scheduled on it run; what happened, for the
    caller to show. Only where the metadata DB may be used (the api-server, the CLI)."""
    from airflow.assets.manager import asset_manager
    from airflow.models.asset import AssetModel
    from airflow.sdk import Asset
    from airflow.utils.session import create_session

    uri = Asset(model_asset_uri(key)).uri  # as Airflow stores it (normalized: a trailing "/")
    with create_session() as session:
        model = session.query(AssetModel).filter(AssetModel.uri == uri).one_or_none()
        if model is None:
            return f"no DAG uses asset {uri} (as an outlet or a schedule) yet: no asset event"
        asset_manager.register_asset_change(
            asset=model,
            extra={"promoted_by": by, "reason": reason[:500]},
            session=session,
            source_is_api=True,
        )
    return f"asset event on {uri}"
