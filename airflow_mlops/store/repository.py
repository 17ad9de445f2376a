"""The one repository class through which every layer reads and writes the results store."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload, sessionmaker

from airflow_mlops.core.baseline import BASELINE_ELIGIBLE_STATUSES, GATE_PASSING_STATUSES, check_label
from airflow_mlops.core.results import CheckResult, json_safe
from airflow_mlops.exceptions import InputError, StoreError, StoreUnavailableError
from airflow_mlops.store import engine as store_engine
from airflow_mlops.store.models import BaselinePinRow, CheckResultRow, CheckRunRow, ProfileRow

__all__ = ["CheckRunRecord", "ProfileRecord", "ResultsStore"]

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
    baseline_key: str | None = None


@dataclass(frozen=True, kw_only=True)
class ProfileRecord:
    """A profile to store with a check run (or on its own, e.g. exported from a notebook).

    :param kind: ``data`` (a :class:`~airflow_mlops.core.profile.DatasetProfile` dict) or ``metrics``.
    """

    baseline_key: str
    kind: str
    profile: dict[str, Any]
    row_count: int | None = None
    source: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


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
            "baseline_key": record.baseline_key,
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
                self._upsert_profile(session, row, record, profile)
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

    # -- profiles and baselines -------------------------------------------------------------------
    def _upsert_profile(
        self, session: Session, run: CheckRunRow, record: CheckRunRecord, profile: ProfileRecord
    ) -> None:
        existing = session.scalars(
            sa.select(ProfileRow).where(ProfileRow.check_run_id == run.id)
        ).one_or_none()
        values = {
            "baseline_key": profile.baseline_key,
            "kind": profile.kind,
            "dag_id": record.dag_id,
            "run_id": record.run_id,
            "try_number": record.try_number,
            "run_after": record.run_after or record.started_at,
            "recorded_at": _now(),
            "run_status": record.status,
            "row_count": profile.row_count,
            "source": profile.source,
            "profile": json_safe(profile.profile, max_str=10_000),
        }
        if existing is None:
            session.add(ProfileRow(check_run_id=run.id, **values))
        else:
            for key, value in values.items():
                setattr(existing, key, value)

    def add_profile(self, profile: ProfileRecord, *, run_status: str = "PASSED") -> int:
        """Store a profile that no DAG run produced (for example exported from a notebook)."""

        def work(session: Session) -> int:
            row = ProfileRow(
                check_run_id=None,
                baseline_key=profile.baseline_key,
                kind=profile.kind,
                try_number=1,
                recorded_at=_now(),
                run_after=_now(),
                run_status=run_status,
                row_count=profile.row_count,
                source=profile.source,
                profile=json_safe(profile.profile, max_str=10_000),
            )
            session.add(row)
            session.flush()
            return row.id

        return self._write(work)

    def baseline_candidates(
        self,
        *,
        key: str,
        kind: str,
        limit: int = 1,
        before: datetime | None = None,
        exclude_run_id: str | None = None,
    ) -> list[ProfileRow]:
        """Profiles that may serve as a baseline, newest run first.

        Once any gate has decided on a run of this key, only runs whose gate passed (or was overridden)
        qualify; before that, runs whose own checks passed. A failed run never qualifies.
        """

        def work(session: Session) -> list[ProfileRow]:
            scope = (ProfileRow.baseline_key == key, ProfileRow.kind == kind)
            gated = session.scalar(
                sa.select(sa.literal(1)).where(*scope, ProfileRow.gate_status.is_not(None)).limit(1)
            )
            eligible = (
                ProfileRow.gate_status.in_(GATE_PASSING_STATUSES)
                if gated
                else sa.and_(
                    ProfileRow.gate_status.is_(None), ProfileRow.run_status.in_(BASELINE_ELIGIBLE_STATUSES)
                )
            )
            query = (
                sa.select(ProfileRow)
                .where(*scope, eligible, ProfileRow.check_run_id.is_not(None), _latest_try_only())
                .order_by(ProfileRow.run_after.desc(), ProfileRow.id.desc())
                .limit(limit)
            )
            if before is not None:
                query = query.where(ProfileRow.run_after < before)
            if exclude_run_id is not None:
                query = query.where(ProfileRow.run_id != exclude_run_id)
            return list(session.scalars(query))

        return self._read(work)

    def profiles(self, *, key: str, kind: str | None = None, limit: int = 50) -> list[ProfileRow]:
        """The latest profiles of a key, newest first (all statuses)."""

        def work(session: Session) -> list[ProfileRow]:
            query = (
                sa.select(ProfileRow)
                .where(ProfileRow.baseline_key == key)
                .order_by(ProfileRow.run_after.desc(), ProfileRow.id.desc())
                .limit(limit)
            )
            if kind is not None:
                query = query.where(ProfileRow.kind == kind)
            return list(session.scalars(query))

        return self._read(work)

    def pinned_profile(self, *, key: str, label: str = "default") -> ProfileRow | None:
        def work(session: Session) -> ProfileRow | None:
            return session.scalars(
                sa.select(ProfileRow)
                .join(BaselinePinRow, BaselinePinRow.profile_id == ProfileRow.id)
                .where(
                    BaselinePinRow.baseline_key == key, BaselinePinRow.label == label, BaselinePinRow.active
                )
                .order_by(BaselinePinRow.id.desc())
                .limit(1)
            ).first()

        return self._read(work)

    def pin(
        self,
        *,
        key: str,
        user: str,
        reason: str,
        label: str = "default",
        profile_id: int | None = None,
        run_id: str | None = None,
        latest: bool = False,
    ) -> BaselinePinRow:
        """Pin a profile of ``key`` as its baseline under ``label``; an earlier pin of that label is retired.

        Give exactly one of ``profile_id``, ``run_id`` (the latest try of that DAG run) or ``latest``.
        """
        check_label(label)
        if sum((profile_id is not None, run_id is not None, bool(latest))) != 1:
            raise InputError("pin needs exactly one of profile_id=, run_id= or latest=True.")
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(
                "pin needs a reason (who will read it: the on-call person asking why this baseline)."
            )
        if not isinstance(user, str) or not user.strip():
            raise InputError("pin needs the user who pins (--user).")

        def work(session: Session) -> BaselinePinRow:
            query = sa.select(ProfileRow).where(ProfileRow.baseline_key == key)
            if profile_id is not None:
                query = query.where(ProfileRow.id == profile_id)
            elif run_id is not None:
                query = query.where(ProfileRow.run_id == run_id).order_by(ProfileRow.try_number.desc())
            else:
                query = query.order_by(ProfileRow.run_after.desc(), ProfileRow.id.desc())
            profile = session.scalars(query.limit(1)).first()
            if profile is None:
                what = (
                    f"profile id {profile_id}"
                    if profile_id is not None
                    else f"run '{run_id}'"
                    if run_id
                    else "any run"
                )
                raise InputError(
                    f"no profile of baseline key '{key}' for {what}; list them with "
                    f"`airflow-mlops baseline list --key {key}`."
                )
            now = _now()
            for old in session.scalars(
                sa.select(BaselinePinRow).where(
                    BaselinePinRow.baseline_key == key, BaselinePinRow.label == label, BaselinePinRow.active
                )
            ):
                old.active, old.unpinned_by, old.unpinned_at = False, user, now
                old.unpin_reason = f"replaced: {reason}"
            pin = BaselinePinRow(
                baseline_key=key,
                label=label,
                profile_id=profile.id,
                active=True,
                pinned_by=user,
                pinned_at=now,
                reason=reason,
            )
            session.add(pin)
            session.flush()
            pin.profile = profile
            return pin

        return self._write(work)

    def unpin(self, *, key: str, user: str, reason: str, label: str = "default") -> BaselinePinRow:
        check_label(label)

        def work(session: Session) -> BaselinePinRow:
            pin = session.scalars(
                sa.select(BaselinePinRow).where(
                    BaselinePinRow.baseline_key == key, BaselinePinRow.label == label, BaselinePinRow.active
                )
            ).first()
            if pin is None:
                raise InputError(f"baseline key '{key}' has no active pin labelled '{label}'.")
            pin.active, pin.unpinned_by, pin.unpinned_at, pin.unpin_reason = False, user, _now(), reason
            return pin

        return self._write(work)

    def pins(self, *, key: str | None = None, include_inactive: bool = False) -> list[BaselinePinRow]:
        def work(session: Session) -> list[BaselinePinRow]:
            query = (
                sa.select(BaselinePinRow)
                .options(selectinload(BaselinePinRow.profile))
                .order_by(BaselinePinRow.baseline_key, BaselinePinRow.label, BaselinePinRow.id.desc())
            )
            if key is not None:
                query = query.where(BaselinePinRow.baseline_key == key)
            if not include_inactive:
                query = query.where(BaselinePinRow.active)
            return list(session.scalars(query))

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


def _latest_try_only() -> Any:
    """Only the latest try of each DAG run counts: earlier tries were superseded by their retry."""
    later = sa.orm.aliased(ProfileRow)
    return ~sa.exists().where(
        later.baseline_key == ProfileRow.baseline_key,
        later.kind == ProfileRow.kind,
        later.dag_id == ProfileRow.dag_id,
        later.run_id == ProfileRow.run_id,
        later.try_number > ProfileRow.try_number,
    )


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
