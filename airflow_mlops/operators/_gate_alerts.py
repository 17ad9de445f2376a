"""The gate's alerting: whom to tell (the owner's team, policy and channels), what the alert shows, and
the incident plan applied in the store with the notifications it queues, delivered once."""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from airflow_mlops.core.results import CheckRunSummary, Severity, Status

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_mlops.core.gate import GateDecision
    from airflow_mlops.core.owners import Channel, Team, TeamPolicy

__all__ = ["GateAlerting"]


class GateAlerting:
    """The alerting half of :class:`~airflow_mlops.operators.gate.QualityGateOperator` (a mixin: it uses
    the operator's ``owner``, ``notify``, ``log`` and ``_runbook``)."""

    owner: str
    log: Any

    def _runbook(self) -> str | None:  # the operator's
        raise NotImplementedError

    def _routing(self) -> tuple[Team | None, TeamPolicy, list[Channel]]:
        """The owning team (None without a registry), its alerting policy and its channels."""
        from airflow_mlops.core.owners import TeamPolicy

        team: Team | None = getattr(self, "_team", None)
        if team is None:
            self.log.warning(
                "no owner registry: the decision is recorded, but nobody is notified. Create owners.yaml "
                "([mlops] owners_file) with team %r to route alerts.",
                self.owner,
            )
            return None, TeamPolicy(), []
        return team, team.policy, list(team.channels)

    def _alert(
        self, context: Context, status: Status, decision: GateDecision, summary: CheckRunSummary, url: str
    ) -> int | None:
        from airflow_mlops.config import get_store
        from airflow_mlops.core.alerts import fingerprint
        from airflow_mlops.core.messages import alert_payload, alert_subject, data_date
        from airflow_mlops.notifications.delivery import channel_key, deliver

        ti = context["ti"]
        store = get_store()
        team, policy, channels = self._routing()
        failing = status in (Status.FAILED, Status.WARNED)
        severity = decision.severity or Severity.FAIL
        failing_keys = [f.key for f in decision.failing if f.status in ("FAILED", "ERRORED")] or [
            f.key for f in decision.failing
        ]
        print_fingerprint = fingerprint(ti.dag_id, ti.task_id, failing_keys) if failing else None

        inputs = self._alert_inputs(context, status)

        def message(incident: Any, kind: str) -> tuple[str, dict[str, Any]]:
            payload = alert_payload(
                **inputs,
                kind=kind,
                incident_id=incident.id,
                owner=self.owner,
                team_name=team.display_name if team is not None else None,
                dag_id=ti.dag_id,
                gate_task_id=ti.task_id,
                run_id=ti.run_id,
                severity=incident.severity,
                failing=[f.__dict__ for f in decision.failing]
                if kind != "resolved"
                else [
                    {"task_id": c.split(":")[0], "check": c.split(":", 1)[-1], "status": "RESOLVED"}
                    for c in incident.failing_checks
                ],
                first_seen=_aware(incident.first_seen).isoformat() if incident.first_seen else None,
                count=incident.count,
                report_url=url,
                runbook_url=self._runbook(),
            )
            dag_run = context.get("dag_run")
            checks = (
                [f.check for f in decision.failing]
                if kind != "resolved"
                else [c.split(":", 1)[-1] for c in incident.failing_checks]
            )
            subject = alert_subject(
                kind, severity=incident.severity, dag_id=ti.dag_id, gate_task_id=ti.task_id, owner=self.owner,
                data_date=data_date(getattr(dag_run, "logical_date", None), getattr(dag_run, "run_after", None)),
                checks=checks,
            )  # fmt: skip
            return subject, payload

        outcome = store.apply_gate_outcome(
            dag_id=ti.dag_id,
            gate_task_id=ti.task_id,
            run_id=ti.run_id,
            owner=self.owner,
            failing=failing,
            severity=severity.value if failing else None,
            fingerprint=print_fingerprint,
            failing_checks=sorted(set(failing_keys)),
            summary={"message": summary["message"], "failing": summary["failing"]},
            runbook_url=self._runbook(),
            check_run_id=summary["check_run_id"],
            policy=policy,
            channels=[channel_key(c) for c in channels],
            message=message,
        )
        self.log.info("alerting: %s (%s)", outcome.action, "; ".join(outcome.reasons))
        report = deliver(store, outcome.notification_ids, channels)
        for notification_id, _, error in report.failed:
            self.log.error("notification %s could not be delivered: %s", notification_id, error)
        return outcome.incident_id

    def _alert_inputs(self, context: Context, status: Status) -> dict[str, Any]:
        """What an alert shows beside the decision: the data's date, the gate's reasons, the baseline of
        each upstream comparison (its summary's ``baseline``), each result's threshold and statistic, and
        the triage link. Read from the upstream runs the decision was made on."""
        from airflow_mlops.config import base_url
        from airflow_mlops.core.messages import data_date

        dag_run = context.get("dag_run")
        decision = getattr(self, "_decision", None)
        runs = getattr(self, "_upstream_runs", [])

        def label(run: Any) -> str:
            return run.task_id if run.map_index < 0 else f"{run.task_id}[{run.map_index}]"

        return {
            "data_date": data_date(
                getattr(dag_run, "logical_date", None), getattr(dag_run, "run_after", None)
            ),
            "decision": status.value,
            "reasons": decision.reasons if decision is not None else [],
            "baselines": [
                {"task_id": label(run), **run.summary["baseline"]}
                for run in runs
                if isinstance(run.summary, dict) and isinstance(run.summary.get("baseline"), dict)
            ],
            "results": {
                f"{label(run)}:{r.name}": {
                    "check_type": r.check_type,
                    "threshold": r.threshold,
                    "statistic": r.statistic,
                }
                for run in runs
                for r in run.results
            },
            # Triage filtered to this DAG, as the report page links it
            "triage_url": f"{base_url()}/mlops/triage?{urlencode({'dag_id': context['ti'].dag_id})}",
        }


def _aware(value: Any) -> Any:
    """SQLite returns naive datetimes; everything we store is UTC."""

    if value is not None and getattr(value, "tzinfo", None) is None:
        return value.replace(tzinfo=UTC)
    return value
