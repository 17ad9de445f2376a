"""QualityGateOperator: decide pass / warn / fail from recorded check results, name the owner, alert once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk.exceptions import AirflowFailException, DownstreamTasksSkipped

from airflow_mlops.core.arguments import require_bool, require_choice, require_str_list
from airflow_mlops.core.results import CheckResult, CheckRunSummary, Severity, Status
from airflow_mlops.exceptions import MlopsError
from airflow_mlops.operators._base import CheckOutcome, MlopsCheckOperator
from airflow_mlops.operators._gate_alerts import GateAlerting
from airflow_mlops.urls import check_url, report_path

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_mlops.core.gate import GateDecision, UpstreamCheck
    from airflow_mlops.core.owners import Team

__all__ = [
    "ON_FAIL_CHOICES",
    "QualityGateOperator",
]

ON_FAIL_CHOICES = ("fail", "skip", "approve")


def _is_check_task(task: Any) -> bool:
    """A check task of ours, plain or mapped (``MappedOperator.operator_class``)."""
    if isinstance(task, MlopsCheckOperator) and not isinstance(task, QualityGateOperator):
        return True
    operator_class = getattr(task, "operator_class", None)
    return isinstance(operator_class, type) and issubclass(operator_class, MlopsCheckOperator)


class QualityGateOperator(GateAlerting, MlopsCheckOperator):
    """Decide PASSED, WARNED or FAILED from the recorded results of the upstream check tasks of this
    DAG run, and route one de-duplicated alert to the owning team.

    :param checks: task ids of the check tasks to decide on; default: every airflow-mlops check task
        directly upstream of the gate. Templated.
    :param on_fail: ``"fail"`` (raise AirflowFailException: downstream is upstream_failed), ``"skip"``
        (skip the downstream tasks) or ``"approve"`` (wait for an on-call human to approve or reject).
    :param runbook_url: what to do when it fails; default: the team's runbook. Templated. An absolute
        ``http://`` or ``https://`` URL (checked here, and again once rendered): anything else, such as a
        ``javascript:`` link, is refused.
    :param notify: route alerts to the owner's channels (default True). Decisions are recorded anyway.
    :param ignore_skipped: a skipped upstream check is ignored instead of failing the gate.

    Airflow's own ``owner=`` names the owning team (a key of the owner registry), and ``outlets=`` lists
    the Assets emitted when the gate passes (or is overridden), with the summary in ``extra``.
    The gate runs with ``trigger_rule="all_done"`` so that it decides even when a check failed. It fails
    closed: an upstream check with no recorded result makes it FAIL, naming that check.
    """

    kind: ClassVar[str] = "gate"
    template_fields: Sequence[str] = ("checks", "runbook_url")
    template_ext: Sequence[str] = ()
    ui_color = "#fde8e8"

    def __init__(
        self,
        *,
        checks: Sequence[str] | None = None,
        owner: str | None = None,
        on_fail: str = "fail",
        runbook_url: str | None = None,
        notify: bool = True,
        ignore_skipped: bool = False,
        trigger_rule: str = "all_done",
        **kwargs: Any,
    ) -> None:
        if owner is not None:
            kwargs["owner"] = owner
        super().__init__(trigger_rule=trigger_rule, **kwargs)
        where = self.task_id
        self.checks = require_str_list(f"{where}: checks", checks, what="a list of task ids", optional=True)
        self.on_fail = require_choice(f"{where}: on_fail", on_fail, ON_FAIL_CHOICES)
        self.notify = require_bool(f"{where}: notify", notify)
        self.ignore_skipped = require_bool(f"{where}: ignore_skipped", ignore_skipped)
        if runbook_url is not None and not _is_template(runbook_url):
            check_url(runbook_url, where=f"{where}: runbook_url")
        self.runbook_url = runbook_url
        self._check_owner_at_parse_time()

    def _check_owner_at_parse_time(self) -> None:
        """An unknown owner is a parse error when the registry can be read (else it is checked at run time)."""
        try:
            from airflow_mlops.config import load_owner_registry

            registry = load_owner_registry()
        except MlopsError:
            return  # a malformed registry is reported at run time, where the decision is recorded
        except Exception:
            return
        if registry is not None:
            registry.get(self.owner)

    # -- deciding ---------------------------------------------------------------------------------
    def _upstream_ids(self) -> list[str]:
        if self.checks is not None:
            return list(self.checks)
        dag = self.dag
        return sorted(t for t in self.upstream_task_ids if _is_check_task(dag.get_task(t)))

    def _task_states(self, context: Context, task_ids: list[str]) -> dict[str, str]:
        try:
            raw = context["ti"].get_task_states(
                dag_id=context["ti"].dag_id, task_ids=task_ids, run_ids=[context["ti"].run_id]
            )
        except Exception:  # states only sharpen the message; the decision does not depend on them
            return {}
        states: dict[str, str] = {}
        for value in raw.values():
            if isinstance(value, dict):
                states.update({str(k): str(v) for k, v in value.items()})
        return states

    def _upstream(self, context: Context, store: Any) -> list[UpstreamCheck]:
        from airflow_mlops.core.gate import UpstreamCheck

        ti = context["ti"]
        task_ids = self._upstream_ids()
        found: list[UpstreamCheck] = []
        missing: list[str] = []
        self._upstream_runs: list[Any] = []  # what alerts show beside the decision (_alert_inputs)
        for task_id in task_ids:
            runs = store.latest_task_runs(dag_id=ti.dag_id, run_id=ti.run_id, task_id=task_id)
            self._upstream_runs += runs
            if not runs:
                missing.append(task_id)
            for run in runs:
                found.append(
                    UpstreamCheck(
                        task_id=task_id,
                        map_index=run.map_index,
                        status=Status(run.status),
                        message=run.message or "",
                        results=[
                            {
                                "name": r.name,
                                "status": r.status,
                                "severity": r.severity,
                                "observed": r.observed,
                                "expected": r.expected,
                                "baseline": r.baseline,
                                "message": r.message,
                            }
                            for r in run.results
                        ],
                    )
                )
        states = self._task_states(context, missing) if missing else {}
        found += [UpstreamCheck(task_id=t, task_state=states.get(t)) for t in missing]
        return found

    def run_checks(self, context: Context) -> CheckOutcome:
        from airflow_mlops.config import get_store, load_owner_registry, report_url
        from airflow_mlops.core.gate import decide

        ti = context["ti"]
        store = get_store()
        # the links every alert and report carries, checked first: a bad one is an ERRORED decision
        self._report_url = report_url(dag_id=ti.dag_id, run_id=ti.run_id, task_id=ti.task_id)
        registry = load_owner_registry()
        self._team: Team | None = registry.get(self.owner) if registry is not None else None
        self._runbook_url = self._checked_runbook()
        upstream = self._upstream(context, store)
        decision = decide(upstream, ignore_skipped=self.ignore_skipped)
        status = decision.status
        message = decision.headline
        override = store.active_override(dag_id=ti.dag_id, run_id=ti.run_id, task_id=ti.task_id)
        if override is not None and status in (Status.FAILED, Status.WARNED):
            status = Status.OVERRIDDEN
            message = f"OVERRIDDEN by {override.created_by}: {override.reason} (was {decision.status.value}: {message})"
        self._decision = decision
        results = [_upstream_result(u, decision) for u in upstream] or [
            CheckResult(name="no_checks", check_type="gate", status=Status.FAILED, message=decision.headline)
        ]
        summary: dict[str, Any] = {
            "decision": decision.status.value,
            "reasons": decision.reasons[:50],
            "upstream": [u.label for u in upstream],
            "runbook_url": self._runbook(),
        }
        if override is not None:
            summary["override"] = {
                "by": override.created_by,
                "reason": override.reason,
                "at": override.created_at,
            }
        return CheckOutcome(results=results, status=status, message=message, extra_summary=summary)

    def _checked_runbook(self) -> str | None:
        """The rendered ``runbook_url``, else the team's, as an http(s) URL (or UrlError)."""
        team = self._team
        url = self.runbook_url or (team.runbook_url if team is not None else None)
        return None if url is None else check_url(url, where=f"{self.task_id}: runbook_url")

    def _runbook(self) -> str | None:
        return getattr(self, "_runbook_url", None)

    # -- after the decision is recorded -------------------------------------------------------------
    def after_record(
        self, context: Context, status: Status, outcome: CheckOutcome, summary: CheckRunSummary
    ) -> CheckRunSummary:
        from airflow_mlops.config import get_store

        ti = context["ti"]
        store = get_store()
        # without a checked base URL (run_checks ERRORED on it), a link on the UI's own host
        url = getattr(self, "_report_url", None) or report_path(ti.dag_id, ti.run_id, ti.task_id)
        summary["report_url"] = url
        summary["runbook_url"] = self._runbook()
        try:
            store.set_gate_status(dag_id=ti.dag_id, run_id=ti.run_id, status=status.value)
        except MlopsError as exc:
            self.log.error("could not mark this run's profiles with the gate status: %s", exc)
        decision = getattr(self, "_decision", None)
        if self.notify and decision is not None and status is not Status.ERRORED:
            summary["incident_id"] = self._alert(context, status, decision, summary, url)
        check_run_id = summary["check_run_id"]
        try:  # what consumers (QualityGateSensor, the UI) read back from the store
            if check_run_id is not None:
                store.annotate_check_run(
                    check_run_id,
                    summary={
                        "incident_id": summary.get("incident_id"),
                        "report_url": url,
                        "runbook_url": summary["runbook_url"],
                    },
                )
        except MlopsError as exc:
            self.log.error("could not record the incident and report links with the decision: %s", exc)
        if status in (Status.PASSED, Status.WARNED, Status.OVERRIDDEN):
            self._emit_asset_extra(context, summary)
        return summary

    def _emit_asset_extra(self, context: Context, summary: CheckRunSummary) -> None:
        if not self.outlets:
            return
        outlet_events = context.get("outlet_events")
        if outlet_events is None:
            return
        extra: dict[str, Any] = {
            "status": summary["status"],
            "check_run_id": summary["check_run_id"],
            "counts": summary["counts"],
            "owner": summary["owner"],
            "report_url": summary.get("report_url"),
        }
        for outlet in self.outlets:
            try:
                outlet_events[outlet].extra.update(extra)
            except Exception as exc:  # an outlet that is not an Asset: nothing to annotate
                self.log.debug("outlet %r takes no extra: %s", outlet, exc)

    def _raise_for(
        self, status: Status, message: str, *, retryable: bool, context: Context, summary: CheckRunSummary
    ) -> None:
        if status not in (Status.FAILED, Status.ERRORED):
            return
        incident = summary.get("incident_id")
        who = f"owner {self.owner}" + (f", incident #{incident}" if incident else "")
        where = f"Report: {summary.get('report_url')}" + (
            f" Runbook: {summary.get('runbook_url')}" if summary.get("runbook_url") else ""
        )
        text = f"{self.task_id}: gate {status.value} ({who}): {message}. {where}"
        if status is Status.ERRORED:
            super()._raise_for(status, message, retryable=retryable, context=context, summary=summary)
        if self.on_fail == "skip":
            downstream = sorted(self.downstream_task_ids)
            self.log.warning("%s; skipping downstream tasks %s", text, downstream)
            # the task itself ends "success": without this, Airflow would emit the outlets' asset events
            # and a consumer scheduled on them would run on data that failed the gate
            self.outlets = []
            raise DownstreamTasksSkipped(tasks=downstream)
        if self.on_fail == "approve":
            self._ask_for_approval(context, summary, text)
        raise AirflowFailException(text)

    # -- on_fail="approve": Airflow's human-in-the-loop ------------------------------------------------
    APPROVE: ClassVar[str] = "Approve"
    REJECT: ClassVar[str] = "Reject"

    def _ask_for_approval(self, context: Context, summary: CheckRunSummary, text: str) -> None:
        """Park the task in AWAITING_INPUT until the on-call approves or rejects (Airflow 3.3 HITL)."""
        from airflow.sdk.exceptions import TaskAwaitingInput
        from airflow.sdk.execution_time.hitl import upsert_hitl_detail

        failing = "\n".join(
            f"- `{f['name']}` {f['status']}: observed {f['observed']!r}, expected {f['expected']!r}"
            for f in summary["failing"]
        )
        upsert_hitl_detail(
            ti_id=context["task_instance"].id,
            options=[self.APPROVE, self.REJECT],
            subject=f"Quality gate {context['ti'].dag_id}.{self.task_id} FAILED: approve to continue?",
            body=(
                f"**Owner:** {self.owner}\n\n{summary['message']}\n\n{failing}\n\n"
                f"[Gate report]({summary.get('report_url')})"
                + (f" · [Runbook]({summary.get('runbook_url')})" if summary.get("runbook_url") else "")
            ),
            defaults=None,
            multiple=False,
            params={},
        )
        self.log.warning("%s; waiting for an on-call person to approve or reject", text)
        raise TaskAwaitingInput(
            method_name="execute_complete",
            kwargs={
                "check_run_id": summary["check_run_id"],
                "incident_id": summary.get("incident_id"),
                "text": text,
            },
        )

    def execute_complete(
        self,
        context: Context,
        event: dict[str, Any],
        check_run_id: int | None = None,
        incident_id: int | None = None,
        text: str = "",
    ) -> CheckRunSummary | None:
        """Resume after the human decision: approve → OVERRIDDEN (audited, downstream runs); reject → fail."""
        from airflow_mlops.config import get_store

        ti = context["ti"]
        store = get_store()
        chosen = (event.get("chosen_options") or [None])[0]
        responder = event.get("responded_by_user") or {}
        user = (
            str(responder.get("name") or responder.get("id") or "unknown")
            if isinstance(responder, dict)
            else str(responder)
        )
        if event.get("timedout") or chosen != self.APPROVE:
            verdict = "timed out" if event.get("timedout") else f"rejected by {user}"
            if check_run_id is not None:
                store.annotate_check_run(
                    check_run_id,
                    message=f"{text} — {verdict}",
                    summary={"approval": {"decision": "reject", "by": user}},
                )
            if not event.get("timedout"):
                store.add_audit_event(action="reject", user=user, note=text or None, dag_id=ti.dag_id,
                                      run_id=ti.run_id, task_id=ti.task_id, incident_id=incident_id)  # fmt: skip
            raise AirflowFailException(f"{self.task_id}: approval {verdict}. {text}")
        reason = f"approved by {user} through Airflow human-in-the-loop"
        store.add_override(dag_id=ti.dag_id, run_id=ti.run_id, task_id=ti.task_id, reason=reason, user=user)
        if check_run_id is not None:
            store.annotate_check_run(
                check_run_id,
                status=Status.OVERRIDDEN.value,
                message=f"OVERRIDDEN by {user}: {reason}",
                summary={
                    "approval": {"decision": "approve", "by": user},
                    "override": {"by": user, "reason": reason},
                },
            )
        store.set_gate_status(dag_id=ti.dag_id, run_id=ti.run_id, status=Status.OVERRIDDEN.value)
        if incident_id is not None:
            incident = store.incident(incident_id)
            if incident is not None and incident.status != "resolved":
                store.update_incident(incident_id, action="resolve", user=user, note=reason)
        self.log.info("gate OVERRIDDEN: %s", reason)
        return None


def _is_template(value: Any) -> bool:
    """A Jinja template, checked once rendered."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def _upstream_result(upstream: UpstreamCheck, decision: GateDecision) -> CheckResult:
    mine = [f for f in decision.failing if f.task_id == upstream.label]
    if upstream.status is None:
        status, message = Status.ERRORED, mine[0].message if mine else "no recorded result"
    else:
        status, message = upstream.status, upstream.message
    return CheckResult(
        name=upstream.label,
        check_type="upstream",
        status=status,
        severity=Severity.FAIL,
        observed={"status": status.value},
        message=message,
        details={"failing": [f.__dict__ for f in mine][:20]},
    )
