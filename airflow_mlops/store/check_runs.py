"""Check runs and their results: one row per try of a check, comparison or gate task."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from airflow_mlops.core.handoff import utc_moment
from airflow_mlops.core.results import CheckResult, json_safe
from airflow_mlops.exceptions import StoreError
from airflow_mlops.store.base import StoreBase
from airflow_mlops.store.models import CheckResultRow, CheckRunRow
from airflow_mlops.store.profiles import upsert_profile
from airflow_mlops.store.queries import failing_first, latest_check_try, where_given
from airflow_mlops.store.records import CheckRunRecord, ProfileRecord

__all__ = ["CheckRunStore"]


class CheckRunStore(StoreBase):
    """Records check runs idempotently per try, and reads them back (the latest try of each run)."""

    def record_check_run(
        self, record: CheckRunRecord, results: Sequence[CheckResult], *, profile: ProfileRecord | None = None
    ) -> int:
        """Insert or replace the check run of this try with its results (and profile), in one transaction.

        Running the same try again replaces its rows, so a repeated write never duplicates anything.
        """
        duration = (
            (record.finished_at - record.started_at).total_seconds()
            if record.started_at and record.finished_at
            else None
        )
        values = {
            # in UTC, the moments gate_lookup() matches on (SQLite keeps a datetime's wall clock, not its zone)
            "logical_date": utc_moment(record.logical_date, name="logical_date"),
            "run_after": utc_moment(record.run_after, name="run_after"),
            "kind": record.kind,
            "status": record.status,
            "owner": record.owner,
            "data_source": record.data_source,
            "suite_name": record.suite_name,
            "started_at": record.started_at,
            "finished_at": record.finished_at,
            "duration_s": duration,
            "message": record.message,
            "summary": json_safe(record.summary) if record.summary is not None else None,
            "baseline_key": record.baseline_key,
            "team": record.team,
        }

        def work(session: Session) -> int:
            row = session.scalars(
                sa.select(CheckRunRow).where(
                    CheckRunRow.dag_id == record.dag_id,
                    CheckRunRow.task_id == record.task_id,
                    CheckRunRow.run_id == record.run_id,
                    CheckRunRow.map_index == record.map_index,
                    CheckRunRow.try_number == record.try_number,
                )
            ).one_or_none()
            if row is None:
                row = CheckRunRow(
                    dag_id=record.dag_id,
                    task_id=record.task_id,
                    run_id=record.run_id,
                    map_index=record.map_index,
                    try_number=record.try_number,
                    **values,
                )
                session.add(row)
                session.flush()
            else:
                session.execute(sa.delete(CheckResultRow).where(CheckResultRow.check_run_id == row.id))
                for key, value in values.items():
                    setattr(row, key, value)
            session.add_all(
                CheckResultRow(check_run_id=row.id, position=i, **_result_columns(result))
                for i, result in enumerate(results)
            )
            if profile is not None:
                upsert_profile(session, row, record, profile)
            session.flush()
            return row.id

        return self._write(work)

    def annotate_check_run(
        self,
        check_run_id: int,
        *,
        message: str | None = None,
        status: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        """Change a recorded run's status/message and merge keys into its summary (approvals)."""

        def work(session: Session) -> None:
            row = session.get(CheckRunRow, check_run_id)
            if row is None:
                raise StoreError(f"check run {check_run_id} does not exist")
            if message is not None:
                row.message = message
            if status is not None:
                row.status = status
            if summary:
                row.summary = {**(row.summary or {}), **json_safe(summary)}

        self._write(work)

    def latest_check_run(
        self, *, dag_id: str, task_id: str, run_id: str, map_index: int | None = -1
    ) -> CheckRunRow | None:
        """The latest try's check run of a task in a DAG run (with its results), or None."""

        def work(session: Session) -> CheckRunRow | None:
            query = (
                sa.select(CheckRunRow)
                .options(selectinload(CheckRunRow.results))
                .where(
                    CheckRunRow.dag_id == dag_id, CheckRunRow.task_id == task_id, CheckRunRow.run_id == run_id
                )
                .order_by(CheckRunRow.try_number.desc(), CheckRunRow.id.desc())
                .limit(1)
            )
            query = where_given(query, (CheckRunRow.map_index, map_index))
            return session.scalars(query).first()

        return self._read(work)

    def latest_task_runs(
        self, *, dag_id: str, run_id: str, task_id: str, with_results: bool = True
    ) -> list[CheckRunRow]:
        """The latest try of every map index of a task in a DAG run, with results unless ``with_results``
        is False (then read them a page at a time with :meth:`check_results`)."""

        def work(session: Session) -> list[CheckRunRow]:
            query = (
                sa.select(CheckRunRow)
                .where(
                    CheckRunRow.dag_id == dag_id,
                    CheckRunRow.run_id == run_id,
                    CheckRunRow.task_id == task_id,
                    latest_check_try(),
                )
                .order_by(CheckRunRow.map_index)
            )
            if with_results:
                query = query.options(selectinload(CheckRunRow.results))
            return list(session.scalars(query))

        return self._read(work)

    def check_runs(
        self,
        *,
        dag_id: str | None = None,
        run_id: str | None = None,
        task_id: str | None = None,
        limit: int = 100,
        with_results: bool = False,
        baseline_key: str | None = None,
    ) -> list[CheckRunRow]:
        """Check runs, newest first (``baseline_key``: the comparisons of that key)."""

        def work(session: Session) -> list[CheckRunRow]:
            query = sa.select(CheckRunRow).order_by(CheckRunRow.id.desc()).limit(limit)
            if with_results:
                query = query.options(selectinload(CheckRunRow.results))
            query = where_given(
                query,
                (CheckRunRow.dag_id, dag_id),
                (CheckRunRow.run_id, run_id),
                (CheckRunRow.task_id, task_id),
                (CheckRunRow.baseline_key, baseline_key),
            )
            return list(session.scalars(query))

        return self._read(work)

    def check_history(
        self,
        *,
        dag_id: str,
        task_id: str,
        map_index: int = -1,
        names: Collection[str],
        up_to_id: int | None = None,
        runs: int = 30,
    ) -> list[tuple[CheckRunRow, CheckResultRow]]:
        """The results named ``names`` of a task's last ``runs`` DAG runs (latest try of each), oldest
        first, up to the check run ``up_to_id``: the series a report's history charts draw."""

        def work(session: Session) -> list[tuple[CheckRunRow, CheckResultRow]]:
            run_ids = (
                sa.select(CheckRunRow.id)
                .where(
                    CheckRunRow.dag_id == dag_id,
                    CheckRunRow.task_id == task_id,
                    CheckRunRow.map_index == map_index,
                    latest_check_try(),
                )
                .order_by(CheckRunRow.id.desc())
                .limit(runs)
            )
            if up_to_id is not None:
                run_ids = run_ids.where(CheckRunRow.id <= up_to_id)
            query = (
                sa.select(CheckRunRow, CheckResultRow)
                .join(CheckResultRow, CheckResultRow.check_run_id == CheckRunRow.id)
                .where(CheckRunRow.id.in_(run_ids.scalar_subquery()), CheckResultRow.name.in_(list(names)))
                .order_by(CheckRunRow.id, CheckResultRow.position)
            )
            return [(run, result) for run, result in session.execute(query)]

        return self._read(work)

    def check_series(
        self, *, key: str, name: str, since: datetime | None = None, limit: int = 1000
    ) -> list[tuple[CheckRunRow, CheckResultRow]]:
        """The results named ``name`` of the check runs of baseline key ``key`` (latest try of each DAG
        run), oldest first, since ``since`` (by ``run_after``): what ``airflow-mlops backtest`` replays."""

        def work(session: Session) -> list[tuple[CheckRunRow, CheckResultRow]]:
            query = (
                sa.select(CheckRunRow, CheckResultRow)
                .join(CheckResultRow, CheckResultRow.check_run_id == CheckRunRow.id)
                .where(CheckRunRow.baseline_key == key, CheckResultRow.name == name, latest_check_try())
                .order_by(CheckRunRow.run_after.desc(), CheckRunRow.id.desc())
                .limit(limit)
            )
            if since is not None:
                query = query.where(CheckRunRow.run_after >= since)
            return [(run, result) for run, result in session.execute(query)][::-1]

        return self._read(work)

    def result_counts(self, check_run_ids: Collection[int]) -> dict[int, int]:
        """How many results each of these check runs recorded (runs without any are left out)."""

        def work(session: Session) -> dict[int, int]:
            query = (
                sa.select(CheckResultRow.check_run_id, sa.func.count())
                .where(CheckResultRow.check_run_id.in_(list(check_run_ids)))
                .group_by(CheckResultRow.check_run_id)
            )
            return {int(run_id): int(count) for run_id, count in session.execute(query)}

        return self._read(work)

    def check_results(self, check_run_id: int, *, offset: int = 0, limit: int = 200) -> list[CheckResultRow]:
        """One page of a check run's results, failing first (failed, errored, warned, the rest), each
        group in the order they were recorded."""

        def work(session: Session) -> list[CheckResultRow]:
            query = (
                sa.select(CheckResultRow)
                .where(CheckResultRow.check_run_id == check_run_id)
                .order_by(failing_first(CheckResultRow.status), CheckResultRow.position)
                .offset(offset)
                .limit(limit)
            )
            return list(session.scalars(query))

        return self._read(work)

    def check_runs_by_id(self, ids: Collection[int]) -> dict[int, CheckRunRow]:
        """The check runs with these ids (without their results), by id."""

        def work(session: Session) -> dict[int, CheckRunRow]:
            query = sa.select(CheckRunRow).where(CheckRunRow.id.in_(list(ids)))
            return {row.id: row for row in session.scalars(query)}

        return self._read(work) if ids else {}

    def recorded_teams(self, dag_ids: Collection[str]) -> dict[str, str | None]:
        """The owning team recorded with each DAG's newest check run that has one (None: the DAG belonged to
        no team). DAGs with no such row are left out: their team cannot be established from the store."""

        def work(session: Session) -> dict[str, str | None]:
            newest = (
                sa.select(sa.func.max(CheckRunRow.id))
                .where(CheckRunRow.dag_id.in_(list(dag_ids)), CheckRunRow.team.is_not(None))
                .group_by(CheckRunRow.dag_id)
                .scalar_subquery()
            )
            rows = session.execute(
                sa.select(CheckRunRow.dag_id, CheckRunRow.team).where(CheckRunRow.id.in_(newest))
            )
            return {dag_id: team or None for dag_id, team in rows}

        return self._read(work) if dag_ids else {}


def _result_columns(result: CheckResult) -> dict[str, Any]:
    data = result.to_dict()
    statistic = result.statistic
    return {
        "name": data["name"][:500],
        "check_type": data["check_type"][:200],
        "column_name": (data["column"] or None) and str(data["column"])[:500],
        "status": data["status"],
        "severity": data["severity"],
        "observed": data["observed"],
        "expected": data["expected"],
        "baseline": data["baseline"],
        "statistic": statistic if isinstance(statistic, float | int) and statistic == statistic else None,
        "threshold": data["threshold"],
        "message": data["message"],
        "details": data["details"],
    }
