"""QualityGateTrigger: wait in the triggerer for another DAG's gate decision, polling the results store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_mlops.core.arguments import require_bool, require_int, require_str
from airflow_mlops.core.handoff import utc_moment
from airflow_mlops.exceptions import InputError

__all__ = ["QualityGateTrigger"]


class QualityGateTrigger(BaseTrigger):
    """Poll the results store until the gate of the matching run has decided.

    The store is read in a worker thread (``asyncio.to_thread``), so the triggerer's event loop never
    blocks on the database. Up to ``max_store_errors`` consecutive failures to reach the store are retried;
    then the trigger fires an ``error`` event that the sensor turns into a clear, retryable failure.

    Airflow rebuilds the trigger in the triggerer (and in ``dag.test()``) as ``cls(**kwargs)`` from
    :meth:`serialize`, its kwargs through Airflow's own serializer, which keeps datetimes datetimes; so
    ``logical_date`` and ``at_or_before`` are datetimes there, normalised to UTC here, and an ISO 8601 string
    (a trigger row written by an older version) is parsed here too. The store compares datetimes only.

    :param logical_date: match the producer run with this logical date.
    :param at_or_before: else, match the latest producer run whose ``run_after`` is at or before this.
    :param poll_interval: seconds between two reads of the store.
    """

    def __init__(
        self,
        *,
        external_dag_id: str,
        gate_task_id: str,
        run_id: str | None = None,
        logical_date: datetime | str | None = None,
        at_or_before: datetime | str | None = None,
        allow_warn: bool = True,
        poll_interval: float = 60.0,
        max_store_errors: int = 5,
    ) -> None:
        super().__init__()
        try:
            self.logical_date = utc_moment(logical_date, name="logical_date")
            self.at_or_before = utc_moment(at_or_before, name="at_or_before")
        except InputError as exc:
            raise InputError(f"QualityGateTrigger({external_dag_id}.{gate_task_id}): {exc}") from None
        where = f"QualityGateTrigger({external_dag_id}.{gate_task_id})"
        self.external_dag_id = require_str(f"{where}: external_dag_id", external_dag_id)
        self.gate_task_id = require_str(f"{where}: gate_task_id", gate_task_id)
        self.run_id = run_id
        self.allow_warn = require_bool(f"{where}: allow_warn", allow_warn)
        self.poll_interval = poll_interval
        self.max_store_errors = require_int(f"{where}: max_store_errors", max_store_errors, minimum=1)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "external_dag_id": self.external_dag_id,
                "gate_task_id": self.gate_task_id,
                "run_id": self.run_id,
                "logical_date": self.logical_date,
                "at_or_before": self.at_or_before,
                "allow_warn": self.allow_warn,
                "poll_interval": self.poll_interval,
                "max_store_errors": self.max_store_errors,
            },
        )

    def _lookup(self) -> Any:
        from airflow_mlops.config import get_store

        return get_store().gate_lookup(
            dag_id=self.external_dag_id,
            task_id=self.gate_task_id,
            run_id=self.run_id,
            logical_date=self.logical_date,
            at_or_before=self.at_or_before,
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_mlops.core.handoff import VerdictKind, gate_verdict
        from airflow_mlops.exceptions import StoreError

        errors = 0
        while True:
            try:
                lookup = await asyncio.to_thread(self._lookup)
            except StoreError as exc:
                errors += 1
                self.log.warning("results store unreachable (%d/%d): %s", errors, self.max_store_errors, exc)
                if errors >= self.max_store_errors:
                    yield TriggerEvent({"status": "error", "message": str(exc), "attempts": errors})
                    return
                await asyncio.sleep(min(self.poll_interval, 2.0 * errors))
                continue
            errors = 0
            verdict = gate_verdict(lookup, allow_warn=self.allow_warn)
            if verdict.kind is not VerdictKind.WAIT:
                yield TriggerEvent(
                    {
                        **lookup.to_dict(),
                        "gate_status": lookup.status,
                        "status": verdict.kind.value,
                        "message": verdict.message,
                    }
                )
                return
            self.log.info("%s; next look in %ss", verdict.message, self.poll_interval)
            await asyncio.sleep(self.poll_interval)
