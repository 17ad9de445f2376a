"""QualityGateSensor: wait for another DAG's quality gate, proceed on pass, fail fast on failure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, conf
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_mlops.core.arguments import require_bool, require_int, require_str
from airflow_mlops.exceptions import ArgumentError

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_mlops.core.handoff import GateLookup

__all__ = ["QualityGateSensor"]


class QualityGateSensor(BaseSensorOperator):
    """Wait until the gate ``gate_task_id`` of DAG ``external_dag_id`` has decided for the matching run.

    Succeeds when that gate PASSED or was OVERRIDDEN (or WARNED, with ``allow_warn=True``); fails at once
    with ``AirflowFailException`` — not at the timeout — when it FAILED, naming the owner and the incident.

    The matching run: ``run_id`` if given; else the run with that ``logical_date``; else the latest run of
    the other DAG whose run time (``run_after``) is at or before this run's run time. All three templated.

    :param allow_warn: a WARNED gate counts as a pass (default True).
    :param deferrable: wait in the triggerer instead of a worker slot (default:
        ``[operators] default_deferrable``).
    :param max_store_errors: consecutive failures to reach the results store tolerated while deferred.
    """

    template_fields: Sequence[str] = ("external_dag_id", "gate_task_id", "run_id", "logical_date")
    ui_color = "#e8f0fd"

    def __init__(
        self,
        *,
        external_dag_id: str,
        gate_task_id: str,
        run_id: str | None = None,
        logical_date: str | datetime | None = None,
        allow_warn: bool = True,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        max_store_errors: int = 5,
        poke_interval: float = 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, **kwargs)
        where = self.task_id
        self.external_dag_id = require_str(f"{where}: external_dag_id", external_dag_id)
        self.gate_task_id = require_str(f"{where}: gate_task_id", gate_task_id)
        if run_id is not None and logical_date is not None:
            raise ArgumentError(f"{where}: give run_id= or logical_date=, not both.")
        self.run_id = run_id
        self.logical_date = logical_date
        self.allow_warn = require_bool(f"{where}: allow_warn", allow_warn)
        self.deferrable = require_bool(f"{where}: deferrable", deferrable)
        self.max_store_errors = require_int(f"{where}: max_store_errors", max_store_errors, minimum=1)

    # -- matching ----------------------------------------------------------------------------------
    def _match(self, context: Context) -> dict[str, Any]:
        run_id = self.run_id or None
        logical = self.logical_date or None
        if isinstance(logical, str):
            import pendulum

            try:
                parsed: Any = pendulum.parse(logical)
            except Exception:
                parsed = None
            if not isinstance(parsed, datetime):
                raise AirflowFailException(
                    f"{self.task_id}: logical_date={self.logical_date!r} is not a date-time; give an ISO 8601 "
                    "string such as '{{ logical_date }}' or a datetime."
                )
            logical = parsed
        at_or_before = None
        if run_id is None and logical is None:
            dag_run = context.get("dag_run")
            at_or_before = getattr(dag_run, "run_after", None) or datetime.now().astimezone()
        return {"run_id": run_id, "logical_date": logical, "at_or_before": at_or_before}

    def _lookup(self, match: dict[str, Any]) -> GateLookup:
        from airflow_mlops.config import get_store
        from airflow_mlops.exceptions import StoreError

        try:
            return get_store().gate_lookup(dag_id=self.external_dag_id, task_id=self.gate_task_id, **match)
        except StoreError as exc:
            raise AirflowException(f"{self.task_id}: cannot read the gate decision: {exc}") from None

    def _judge(self, lookup: GateLookup) -> bool:
        from airflow_mlops.core.handoff import VerdictKind, gate_verdict

        verdict = gate_verdict(lookup, allow_warn=self.allow_warn)
        if verdict.kind is VerdictKind.FAIL:
            raise AirflowFailException(f"{self.task_id}: {verdict.message}")
        self.log.info("%s", verdict.message)
        return verdict.kind is VerdictKind.PASS

    # -- poke and reschedule modes -----------------------------------------------------------------
    def poke(self, context: Context) -> bool:
        return self._judge(self._lookup(self._match(context)))

    # -- deferrable mode ---------------------------------------------------------------------------
    def execute(self, context: Context) -> Any:
        if not self.deferrable:
            return super().execute(context)
        match = self._match(context)
        if self._judge(self._lookup(match)):  # decided already: no need to defer
            return None
        from airflow_mlops.triggers.gate import QualityGateTrigger

        self.defer(
            trigger=QualityGateTrigger(
                external_dag_id=self.external_dag_id,
                gate_task_id=self.gate_task_id,
                allow_warn=self.allow_warn,
                poll_interval=float(self.poke_interval),
                max_store_errors=self.max_store_errors,
                **match,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=float(self.timeout)) if self.timeout else None,
        )

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> None:
        event = event or {}
        status = event.get("status")
        if status == "pass":
            self.log.info("%s", event.get("message"))
            return
        if status == "fail":
            raise AirflowFailException(f"{self.task_id}: {event.get('message')}")
        if status == "error":
            raise AirflowException(
                f"{self.task_id}: the results store was unreachable {event.get('attempts')} times in a row "
                f"while waiting for gate {self.external_dag_id}.{self.gate_task_id}: {event.get('message')}"
            )
        raise AirflowException(f"{self.task_id}: unexpected trigger event {event!r}")
