"""The one repository class through which every layer reads and writes the results store."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload, sessionmaker

from airflow_mlops.core.results import CheckResult, json_safe
from airflow_mlops.exceptions import StoreError, StoreUnavailableError
from airflow_mlops.store import engine as store_engine
from airflow_mlops.store.models import CheckResultRow, CheckRunRow

__all__ = ["CheckRunRecord", "ResultsStore"]

T = TypeVar("T")
_ready_lock = threading.Lock()


@dataclass(frozen=True, kw_only=True)
class CheckRunRecord:
    """What identifies and describes one try of a check task. Writes are idempotent on
    (dag_id, task_id, run_id, map_index, try_number)."""

    dag_id: str
    task_id: str
    run_id: str
    try_number: int
    kind: str
    status: str
    map_index: int = -1
    logical_date: datetime | None = None
    run_after: datetime | None = None
    owner: str | None = None
    data_source: str | None = None
    suite_name: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    message: str | None = None
    summary: dict[str, Any] | None = None


def _is_locked(exc: BaseException) -> bool:
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


class ResultsStore:
    """Reads and writes check runs and their results.

    :param url: SQLAlchemy URL of the store (SQLite or PostgreSQL).
    :param auto_upgrade: apply pending migrations on first use, under a cross-process lock.
    """

    def __init__(self, url: str, *, auto_upgrade: bool = True) -> None:
        self.url = url
        self.safe_url = store_engine.safe_url(url)
        self.auto_upgrade = auto_upgrade
        self.engine = store_engine.make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._ready = False

    def __repr__(self) -> str:
        return f"ResultsStore({self.safe_url!r})"

    # -- schema ---------------------------------------------------------------------------------
    def _unavailable(self, exc: BaseException) -> StoreUnavailableError:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return StoreUnavailableError(
            f"results store {self.safe_url} is unreachable: {reason}. Check that the database is up and "
            "that [mlops] results_db_url (AIRFLOW__MLOPS__RESULTS_DB_URL) points to it."
        )

    def upgrade(self, revision: str = "head") -> None:
        try:
            store_engine.upgrade(self.engine, revision)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise self._unavailable(exc) from exc
        self._ready = revision == "head"

    def current_revision(self) -> str | None:
        try:
            return store_engine.current_revision(self.engine)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise self._unavailable(exc) from exc

    def ensure_ready(self) -> None:
        """Connect, and bring the schema to head (or fail clearly if auto-upgrade is off)."""
        if self._ready:
            return
        with _ready_lock:
            if self._ready:
                return
            current = self.current_revision()
            head = store_engine.head_revision()
            if current != head:
                if not self.auto_upgrade:
                    raise StoreError(
                        f"results store {self.safe_url} is at revision {current or 'empty'}, not {head}; run "
                        "`airflow-mlops db upgrade`."
                    )
                self.upgrade()
            self._ready = True

    # -- transactions ---------------------------------------------------------------------------
    def _write(self, work: Callable[[Session], T], *, attempts: int = 6) -> T:
        self.ensure_ready()
        delay = 0.2
        for attempt in range(1, attempts + 1):
            try:
                with self._sessions.begin() as session:
                    return work(session)
            except sa.exc.IntegrityError:
                if attempt == attempts:
                    raise
            except sa.exc.OperationalError as exc:
                if not _is_locked(exc) or attempt == attempts:
                    raise self._unavailable(exc) from exc
            except sa.exc.InterfaceError as exc:
                raise self._unavailable(exc) from exc
            time.sleep(delay)
            delay = min(delay * 2, 3.0)
        raise AssertionError("unreachable")

    def _read(self, work: Callable[[Session], T]) -> T:
        self.ensure_ready()
        try:
            with self._sessions() as session:
                return work(session)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise self._unavailable(exc) from exc

    # -- check runs -----------------------------------------------------------------------------
    def record_check_run(self, record: CheckRunRecord, results: Sequence[CheckResult]) -> int:
        """Insert or replace the check run of this try with its results, in one transaction.

        Running the same try again replaces its rows, so a repeated write never duplicates anything.
        """
        duration = (
            (record.finished_at - record.started_at).total_seconds()
            if record.started_at and record.finished_at
            else None
        )
        values = {
            "logical_date": record.logical_date,
            "run_after": record.run_after,
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
            session.flush()
            return row.id

        return self._write(work)

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
            if map_index is not None:
                query = query.where(CheckRunRow.map_index == map_index)
            return session.scalars(query).first()

        return self._read(work)

    def check_runs(
        self,
        *,
        dag_id: str | None = None,
        run_id: str | None = None,
        task_id: str | None = None,
        limit: int = 100,
        with_results: bool = False,
    ) -> list[CheckRunRow]:
        """Check runs, newest first."""

        def work(session: Session) -> list[CheckRunRow]:
            query = sa.select(CheckRunRow).order_by(CheckRunRow.id.desc()).limit(limit)
            if with_results:
                query = query.options(selectinload(CheckRunRow.results))
            if dag_id is not None:
                query = query.where(CheckRunRow.dag_id == dag_id)
            if run_id is not None:
                query = query.where(CheckRunRow.run_id == run_id)
            if task_id is not None:
                query = query.where(CheckRunRow.task_id == task_id)
            return list(session.scalars(query))

        return self._read(work)


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
