"""Warning digests: warnings never page; each team gets one message listing its pending warnings.

A gate that WARNs marks its incident ``digest_pending``. ``send_digests`` (called by the
``WarningDigestOperator`` in a scheduled DAG, or ``airflow-mlops digest send``) sends each team one
digest of its pending warning incidents through the team's channels and clears the flag.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from airflow_mlops.core.messages import alert_subject

if TYPE_CHECKING:
    from airflow_mlops.core.owners import OwnerRegistry
    from airflow_mlops.store import ResultsStore

__all__ = ["send_digests"]


def send_digests(
    store: ResultsStore, *, owner: str | None = None, registry: OwnerRegistry | None = None
) -> dict[str, int]:
    """Send one digest per team with pending warnings. Returns {team: number of incidents}."""
    from airflow_mlops.config import load_owner_registry, report_url
    from airflow_mlops.notifications.delivery import channel_key, deliver

    registry = registry or load_owner_registry(required=True)
    assert registry is not None
    pending = store.incidents(owner=owner, digest_pending=True)
    by_team: dict[str, list] = {}
    for incident in pending:
        by_team.setdefault(incident.owner or "unowned", []).append(incident)
    sent: dict[str, int] = {}
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
    for team_key, incidents in by_team.items():
        team = registry.teams.get(team_key)
        channels = list(team.channels) if team is not None else []
        payload = {
            "kind": "digest",
            "owner": team_key,
            "team": team.display_name if team is not None else team_key,
            "severity": "warn",
            "incident_id": None,
            "failing_checks": [
                {
                    "task_id": f"{i.dag_id}.{i.gate_task_id}",
                    "check": ", ".join(i.failing_checks)[:200],
                    "status": "WARNED",
                    "observed": f"seen {i.count}x",
                    "expected": None,
                    "baseline": None,
                    "message": report_url(dag_id=i.dag_id, run_id=i.last_run_id, task_id=i.gate_task_id),
                }
                for i in incidents
            ],
            "count": len(incidents),
            "runbook_url": team.runbook_url if team is not None else None,
        }
        subject = alert_subject(
            "digest",
            severity="warn",
            dag_id=f"{len(incidents)} warning(s)",
            gate_task_id="digest",
            owner=team_key,
        )
        ids = [
            store.add_notification(
                owner=team_key,
                kind="digest",
                run_id=f"digest-{stamp}",
                channel=channel_key(c),
                subject=subject,
                payload=payload,
            )
            for c in channels
        ]
        deliver(store, ids, channels)
        store.clear_digest([i.id for i in incidents])
        sent[team_key] = len(incidents)
    return sent
