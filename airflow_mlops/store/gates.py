"""Gate decisions and their overrides: the latest decision per gate, lookups for sensors, audited overrides."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from airflow_mlops.core.handoff import GateLookup, utc_moment
from airflow_mlops.exceptions import InputError
from airflow_mlops.store.audit import audit
from airflow_mlops.store.base import StoreBase, utcnow
from airflow_mlops.store.models import CheckRunRow, GateOverrideRow, ProfileRow
from airflow_mlops.store.queries import active_override_query, where_given

__all__ = ["GateStore"]


class GateStore(StoreBase):
    """What gates decided, and the overrides that let a re-run pass."""

    def latest_gate_decisions(
        self,
        *,
        dag_ids: Collection[str] | None = None,
        owner: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[CheckRunRow], dict[str, int]]:
        """The latest recorded decision of every gate (failing first, then newest), one page of them, and
        the number of gates per status over all pages. ``dag_ids`` restricts to the DAGs a user may read."""

        def work(session: Session) -> tuple[list[CheckRunRow], dict[str, int]]:
            latest = sa.select(sa.func.max(CheckRunRow.id).label("id")).where(CheckRunRow.kind == "gate")
            latest = where_given(latest, (CheckRunRow.dag_id, dag_ids))
            latest = latest.group_by(CheckRunRow.dag_id, CheckRunRow.task_id)
            base = sa.select(CheckRunRow).where(CheckRunRow.id.in_(latest.scalar_subquery()))
            base = where_given(base, (CheckRunRow.owner, owner))
            counts_query = sa.select(CheckRunRow.status, sa.func.count()).where(
                CheckRunRow.id.in_(base.with_only_columns(CheckRunRow.id).scalar_subquery())
            )
            counts = dict(session.execute(counts_query.group_by(CheckRunRow.status)).all())
            base = where_given(
                base, (CheckRunRow.status, status)
            )  # after the counts: they cover every status
            failing_first = sa.case(
                (CheckRunRow.status.in_(("FAILED", "ERRORED")), 0),
                (CheckRunRow.status == "WARNED", 1),
                else_=2,
            )
            rows = session.scalars(
                base.order_by(failing_first, CheckRunRow.id.desc()).limit(limit).offset(offset)
            )
            return list(rows), {str(k): int(v) for k, v in counts.items()}

        return self._read(work)

    def set_gate_status(self, *, dag_id: str, run_id: str, status: str) -> int:
        """Record a gate's decision on every profile of that DAG run (it decides baseline eligibility)."""

        def work(session: Session) -> int:
            result = session.execute(
                sa.update(ProfileRow)
                .where(ProfileRow.dag_id == dag_id, ProfileRow.run_id == run_id)
                .values(gate_status=status)
            )
            return int(getattr(result, "rowcount", 0) or 0)

        return self._write(work)

    def add_override(
        self, *, dag_id: str, run_id: str, task_id: str, reason: str, user: str
    ) -> GateOverrideRow:
        if not reason or not reason.strip():
            raise InputError("an override needs a reason; it is shown in the gate report and audited.")
        if not user or not user.strip():
            raise InputError("an override needs the user who makes it (--user).")

        def work(session: Session) -> GateOverrideRow:
            row = GateOverrideRow(
                dag_id=dag_id,
                run_id=run_id,
                task_id=task_id,
                reason=reason,
                created_by=user,
                created_at=utcnow(),
                active=True,
            )
            session.add(row)
            session.flush()
            audit(session, "override", user, note=reason, dag_id=dag_id, run_id=run_id, task_id=task_id,
                   details={"override_id": row.id})  # fmt: skip
            return row

        return self._write(work)

    def gate_lookup(
        self,
        *,
        dag_id: str,
        task_id: str,
        run_id: str | None = None,
        logical_date: datetime | str | None = None,
        at_or_before: datetime | str | None = None,
    ) -> GateLookup:
        """The latest try of a gate for one DAG run: by ``run_id``, by ``logical_date``, or else the latest
        run whose ``run_after`` is at or before ``at_or_before`` (runs ordered by run time, not ``ds``).

        Both moments are compared as UTC datetimes (an ISO 8601 string is parsed, a naive datetime is UTC),
        as record_check_run() writes them: on SQLite they are text, so a string or another time zone would
        compare as text — a FAILED gate at 07:00 would match 06:00 the same day."""
        try:
            logical_date = utc_moment(logical_date, name="logical_date")
            at_or_before = utc_moment(at_or_before, name="at_or_before")
        except InputError as exc:
            raise InputError(f"gate lookup of {dag_id}.{task_id}: {exc}") from None

        def work(session: Session) -> GateLookup:
            query = sa.select(CheckRunRow).where(CheckRunRow.dag_id == dag_id, CheckRunRow.task_id == task_id)
            if run_id is not None:
                query = query.where(CheckRunRow.run_id == run_id)
            elif logical_date is not None:
                query = query.where(CheckRunRow.logical_date == logical_date)
            elif at_or_before is not None:
                query = query.where(CheckRunRow.run_after <= at_or_before)
            row = session.scalars(
                query.order_by(
                    CheckRunRow.run_after.desc(), CheckRunRow.try_number.desc(), CheckRunRow.id.desc()
                ).limit(1)
            ).first()
            if row is None:
                return GateLookup(dag_id=dag_id, task_id=task_id, run_id=run_id)
            override = session.scalars(
                active_override_query(dag_id=dag_id, run_id=row.run_id, task_id=task_id)
            ).first()
            summary = row.summary or {}
            return GateLookup(
                dag_id=dag_id,
                task_id=task_id,
                run_id=row.run_id,
                status=row.status,
                owner=row.owner,
                incident_id=summary.get("incident_id"),
                message=row.message,
                report_url=summary.get("report_url"),
                overridden_by=override.created_by if override is not None else None,
            )

        return self._read(work)

    def active_override(self, *, dag_id: str, run_id: str, task_id: str) -> GateOverrideRow | None:
        return self._read(
            lambda session: session.scalars(
                active_override_query(dag_id=dag_id, run_id=run_id, task_id=task_id)
            ).first()
        )

    def overrides(self, *, dag_id: str | None = None, run_id: str | None = None) -> list[GateOverrideRow]:
        def work(session: Session) -> list[GateOverrideRow]:
            query = sa.select(GateOverrideRow).order_by(GateOverrideRow.id.desc())
            query = where_given(query, (GateOverrideRow.dag_id, dag_id), (GateOverrideRow.run_id, run_id))
            return list(session.scalars(query))

        return self._read(work)
