"""The one repository class through which every layer reads and writes the results store."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload, sessionmaker

from airflow_mlops.core.baseline import GATE_PASSING_STATUSES, check_label, eligible_statuses
from airflow_mlops.core.handoff import GateLookup, utc_moment
from airflow_mlops.core.results import CheckResult, Status, json_safe
from airflow_mlops.exceptions import BaselineKeyError, InputError, StoreError, StoreUnavailableError
from airflow_mlops.store import engine as store_engine
from airflow_mlops.store.models import (
    AuditEventRow,
    BaselineKeyRow,
    BaselinePinRow,
    CheckResultRow,
    CheckRunRow,
    GateOverrideRow,
    IncidentRow,
    NotificationRow,
    ProfileRow,
)

log = logging.getLogger(__name__)

__all__ = ["AUDIT_ACTIONS", "CheckRunRecord", "GateOutcome", "ProfileRecord", "ResultsStore"]

T = TypeVar("T")
_ready_lock = threading.Lock()

#: What an audit event records: the triage of an incident, a gate override (an approval through Airflow's
#: human-in-the-loop is one) or a rejection, a pin or unpin of a baseline, and a baseline key handed to
#: another DAG (``airflow-mlops baseline owner``).
AUDIT_ACTIONS = (
    "ack",
    "snooze",
    "resolve",
    "override",
    "reject",
    "pin",
    "unpin",
    "own",
    "exclude",
    "expected",
)


def _active_override(*, dag_id: str, run_id: str, task_id: str) -> sa.Select[GateOverrideRow]:
    """The newest active override of a gate in one DAG run."""
    return (
        sa.select(GateOverrideRow)
        .where(
            GateOverrideRow.dag_id == dag_id,
            GateOverrideRow.run_id == run_id,
            GateOverrideRow.task_id == task_id,
            GateOverrideRow.active,
        )
        .order_by(GateOverrideRow.id.desc())
        .limit(1)
    )


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
    team: str | None = None  # the DAG's owning team as Airflow told the task: "" for none, None: unknown


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


@dataclass(frozen=True, kw_only=True)
class GateOutcome:
    """What a gate decision did to incidents: the routing taken and the notifications to deliver."""

    incident_id: int | None
    action: str
    reason: str
    notification_ids: list[int]
    incident_count: int = 0
    first_seen: datetime | None = None
    resolved_incident_ids: tuple[int, ...] = ()


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
                log.warning(
                    "results store: %s; retrying the write (attempt %d of %d)",
                    exc.orig,
                    attempt + 1,
                    attempts,
                )
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
                self._upsert_profile(session, row, record, profile)
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
            if map_index is not None:
                query = query.where(CheckRunRow.map_index == map_index)
            return session.scalars(query).first()

        return self._read(work)

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
            if dag_ids is not None:
                latest = latest.where(CheckRunRow.dag_id.in_(list(dag_ids)))
            latest = latest.group_by(CheckRunRow.dag_id, CheckRunRow.task_id)
            base = sa.select(CheckRunRow).where(CheckRunRow.id.in_(latest.scalar_subquery()))
            if owner is not None:
                base = base.where(CheckRunRow.owner == owner)
            counts_query = sa.select(CheckRunRow.status, sa.func.count()).where(
                CheckRunRow.id.in_(base.with_only_columns(CheckRunRow.id).scalar_subquery())
            )
            counts = dict(session.execute(counts_query.group_by(CheckRunRow.status)).all())
            if status is not None:
                base = base.where(CheckRunRow.status == status)
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
                    _latest_check_try(),
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
                .where(CheckRunRow.baseline_key == key, CheckResultRow.name == name, _latest_check_try())
                .order_by(CheckRunRow.run_after.desc(), CheckRunRow.id.desc())
                .limit(limit)
            )
            if since is not None:
                query = query.where(CheckRunRow.run_after >= since)
            return [(run, result) for run, result in session.execute(query)][::-1]

        return self._read(work)

    def baseline_keys(
        self, *, dag_ids: Collection[str] | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Every baseline key with its DAG, kind, number of profiles and the latest one's time and run."""

        def work(session: Session) -> list[dict[str, Any]]:
            query = (
                sa.select(
                    ProfileRow.baseline_key,
                    ProfileRow.dag_id,
                    ProfileRow.kind,
                    sa.func.count().label("profiles"),
                    sa.func.max(ProfileRow.run_after).label("latest"),
                )
                .group_by(ProfileRow.baseline_key, ProfileRow.dag_id, ProfileRow.kind)
                .order_by(ProfileRow.baseline_key)
                .limit(limit)
            )
            if dag_ids is not None:
                query = query.where(ProfileRow.dag_id.in_(list(dag_ids)))
            return [dict(row._mapping) for row in session.execute(query)]

        return self._read(work)

    def key_dag_ids(self, key: str) -> set[str]:
        """The DAGs that recorded profiles under ``key`` (whose permissions guard its pins)."""

        def work(session: Session) -> set[str]:
            query = sa.select(ProfileRow.dag_id).where(ProfileRow.baseline_key == key).distinct()
            return {dag_id for dag_id in session.scalars(query) if dag_id is not None}

        return self._read(work)

    # -- who may write a key, and who owned a DAG ----------------------------------------------------
    def claim_baseline_key(
        self, *, key: str, dag_id: str, share_with: Sequence[str] | None = None
    ) -> BaselineKeyRow:
        """Make sure ``dag_id`` may write ``key`` before it records a profile there: the first DAG to write a
        key owns it. The owner's ``share_with`` (when not None) replaces the DAGs it shares the key with.

        :raises BaselineKeyError: another DAG owns the key and does not share it with ``dag_id``.
        """
        return self._write(
            lambda session: _key_for_write(session, key=key, dag_id=dag_id, share_with=share_with)
        )

    def baseline_key_owner(self, key: str) -> BaselineKeyRow | None:
        """Who owns ``key`` (None: no DAG wrote it yet)."""
        return self._read(lambda session: session.get(BaselineKeyRow, key))

    def baseline_key_owners(self, keys: Collection[str]) -> dict[str, BaselineKeyRow]:
        def work(session: Session) -> dict[str, BaselineKeyRow]:
            query = sa.select(BaselineKeyRow).where(BaselineKeyRow.baseline_key.in_(list(keys)))
            return {row.baseline_key: row for row in session.scalars(query)}

        return self._read(work) if keys else {}

    def set_baseline_key_owner(self, *, key: str, dag_id: str, user: str, reason: str) -> BaselineKeyRow:
        """Hand ``key`` to ``dag_id`` (or declare its owner before any DAG wrote it), audited; the DAGs it
        was shared with keep their share."""
        if not isinstance(dag_id, str) or not dag_id.strip():
            raise InputError("the new owner of a baseline key needs a DAG id (--dag-id).")
        _check_actor(user, reason, what="handing a baseline key to another DAG")

        def work(session: Session) -> BaselineKeyRow:
            now = _now()
            row = session.get(BaselineKeyRow, key)
            previous = row.owner_dag_id if row is not None else None
            if row is None:
                row = BaselineKeyRow(baseline_key=key, shared_with=[], created_at=now)
                session.add(row)
            row.owner_dag_id, row.declared_by, row.updated_at = dag_id, user, now
            _audit(session, "own", user, note=reason, dag_id=dag_id, baseline_key=key,
                   details={"previous_owner": previous})  # fmt: skip
            return row

        return self._write(work)

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

    # -- the audit trail ----------------------------------------------------------------------------
    def audit_events(
        self,
        *,
        dag_id: str | None = None,
        dag_ids: Collection[str] | None = None,
        incident_ids: Collection[int] | None = None,
        baseline_key: str | None = None,
        limit: int = 100,
    ) -> list[AuditEventRow]:
        """Audit events, newest first. ``dag_ids`` restricts to the DAGs a user may read."""

        def work(session: Session) -> list[AuditEventRow]:
            query = sa.select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
            if dag_id is not None:
                query = query.where(AuditEventRow.dag_id == dag_id)
            if dag_ids is not None:
                query = query.where(AuditEventRow.dag_id.in_(list(dag_ids)))
            if incident_ids is not None:
                query = query.where(AuditEventRow.incident_id.in_(list(incident_ids)))
            if baseline_key is not None:
                query = query.where(AuditEventRow.baseline_key == baseline_key)
            return list(session.scalars(query))

        return self._read(work)

    # -- what learned bands train on ----------------------------------------------------------------
    def exclude_from_training(
        self, *, key: str, starts_at: datetime, ends_at: datetime, reason: str, user: str
    ) -> None:
        """Declare a window (a holiday, a known outage) whose runs no ``Anomaly`` band of ``key`` trains on.
        An append-only audit event (action ``exclude``), which is also where the window is read from."""
        _check_actor(user, reason, what="an exclusion window")
        start, end = utc_moment(starts_at, name="starts_at"), utc_moment(ends_at, name="ends_at")
        if start is None or end is None or not start < end:
            raise InputError(f"the exclusion window {starts_at} .. {ends_at} must end after it starts.")

        def work(session: Session) -> None:
            owner = session.get(BaselineKeyRow, key)
            _audit(session, "exclude", user, note=reason, baseline_key=key,
                   dag_id=owner.owner_dag_id if owner is not None else None,
                   details={"from": start.isoformat(), "to": end.isoformat()})  # fmt: skip

        self._write(work)

    def mark_expected(self, *, key: str, run_id: str, reason: str, user: str) -> None:
        """Say a flagged run was expected: its profiles train the key's ``Anomaly`` bands although its
        checks did not pass (an audit event, action ``expected``, like an override)."""
        _check_actor(user, reason, what="marking a run as expected")

        def work(session: Session) -> None:
            profile = session.scalar(
                sa.select(ProfileRow)
                .where(ProfileRow.baseline_key == key, ProfileRow.run_id == run_id)
                .limit(1)
            )
            if profile is None:
                raise InputError(
                    f"no profile of baseline key '{key}' for run '{run_id}'; list them with "
                    f"airflow-mlops baseline list --key {key} --profiles."
                )
            _audit(
                session, "expected", user, note=reason, baseline_key=key, run_id=run_id, dag_id=profile.dag_id
            )

        self._write(work)

    def training_rules(self, *, key: str) -> tuple[list[tuple[datetime, datetime]], set[str]]:
        """``(exclusion windows, run ids marked expected)`` of a key, from its audit events."""

        def work(session: Session) -> tuple[list[tuple[datetime, datetime]], set[str]]:
            query = sa.select(AuditEventRow).where(
                AuditEventRow.baseline_key == key, AuditEventRow.action.in_(("exclude", "expected"))
            )
            windows, expected = [], set()
            for event in session.scalars(query):
                if event.action == "expected" and event.run_id:
                    expected.add(event.run_id)
                elif event.action == "exclude" and event.details:
                    windows.append(
                        (
                            datetime.fromisoformat(event.details["from"]),
                            datetime.fromisoformat(event.details["to"]),
                        )
                    )
            return windows, expected

        return self._read(work)

    def profiles_of_runs(self, *, key: str, kind: str, run_ids: Collection[str]) -> list[ProfileRow]:
        """The latest try's profile of each of ``run_ids`` in a key's series."""

        def work(session: Session) -> list[ProfileRow]:
            query = sa.select(ProfileRow).where(
                ProfileRow.baseline_key == key, ProfileRow.kind == kind, ProfileRow.run_id.in_(list(run_ids)),
                _latest_try_only(),
            )  # fmt: skip
            return list(session.scalars(query))

        return self._read(work) if run_ids else []

    def profiles_by_id(self, ids: Collection[int]) -> list[ProfileRow]:
        """The profiles with these ids (a comparison's recorded baseline), oldest first."""

        def work(session: Session) -> list[ProfileRow]:
            query = sa.select(ProfileRow).where(ProfileRow.id.in_(list(ids))).order_by(ProfileRow.id)
            return list(session.scalars(query))

        return self._read(work) if ids else []

    def check_runs_by_id(self, ids: Collection[int]) -> dict[int, CheckRunRow]:
        """The check runs with these ids (without their results), by id."""

        def work(session: Session) -> dict[int, CheckRunRow]:
            query = sa.select(CheckRunRow).where(CheckRunRow.id.in_(list(ids)))
            return {row.id: row for row in session.scalars(query)}

        return self._read(work) if ids else {}

    def add_audit_event(self, *, action: str, user: str, note: str | None = None, **where: Any) -> None:
        """Record a human action that changes no other row (a gate's approval rejected). ``where``: the
        columns naming what it was about (``dag_id``, ``run_id``, ``task_id``, ``incident_id`` ...)."""
        self._write(lambda session: _audit(session, action, user, note=note, **where))

    def report_audit(
        self, *, dag_id: str, run_id: str, task_id: str, incident_id: int | None, limit: int = 100
    ) -> list[AuditEventRow]:
        """What people did about one task's report, newest first: overrides of that task in that run, and
        every action on its incident."""

        def work(session: Session) -> list[AuditEventRow]:
            this_run = sa.and_(
                AuditEventRow.dag_id == dag_id,
                AuditEventRow.run_id == run_id,
                AuditEventRow.task_id == task_id,
            )
            about = sa.or_(this_run, AuditEventRow.incident_id == incident_id) if incident_id else this_run
            query = sa.select(AuditEventRow).where(about).order_by(AuditEventRow.id.desc()).limit(limit)
            return list(session.scalars(query))

        return self._read(work)

    def prune(self, *, older_than: datetime, dry_run: bool = False) -> dict[str, int]:
        """Delete what finished before ``older_than``, keeping what the store still needs.

        Kept whatever their age: every pinned profile (active or retired: pins are the audit trail) and
        the check run that recorded it; the newest profile of each baseline key and kind (a
        ``previous_success`` baseline must survive a quiet month); the check runs that an incident not
        yet resolved points to; incidents not resolved, with their notifications; active overrides.
        Deleted: older check runs (their results go with them), unneeded older profiles, resolved
        incidents last seen before the cut (their notifications go with them), retired overrides. Never
        deleted: the audit trail and the owners of baseline keys.

        :returns: the number of rows per table that were (or, with ``dry_run``, would be) deleted.
        """
        cutoff = older_than if older_than.tzinfo else older_than.replace(tzinfo=UTC)

        def work(session: Session) -> dict[str, int]:
            pinned = sa.select(BaselinePinRow.profile_id)
            newest = (
                sa.select(sa.func.max(ProfileRow.id))
                .group_by(ProfileRow.baseline_key, ProfileRow.kind)
                .scalar_subquery()
            )
            keep_profiles = sa.or_(ProfileRow.id.in_(pinned), ProfileRow.id.in_(newest))
            kept_runs = (
                sa.select(ProfileRow.check_run_id)
                .where(keep_profiles, ProfileRow.check_run_id.is_not(None))
                .union(
                    sa.select(IncidentRow.last_check_run_id).where(
                        IncidentRow.status != "resolved", IncidentRow.last_check_run_id.is_not(None)
                    )
                )
            )
            old_runs = sa.select(CheckRunRow.id).where(
                sa.func.coalesce(CheckRunRow.finished_at, CheckRunRow.started_at, CheckRunRow.run_after)
                < cutoff,
                CheckRunRow.id.not_in(kept_runs),
            )
            run_ids = list(session.scalars(old_runs))
            profiles = sa.select(ProfileRow.id).where(
                ~keep_profiles,
                sa.or_(ProfileRow.recorded_at < cutoff, ProfileRow.check_run_id.in_(run_ids)),
            )
            profile_ids = list(session.scalars(profiles))
            incident_ids = list(
                session.scalars(
                    sa.select(IncidentRow.id).where(
                        IncidentRow.status == "resolved", IncidentRow.last_seen < cutoff
                    )
                )
            )
            override_ids = list(
                session.scalars(
                    sa.select(GateOverrideRow.id).where(
                        ~GateOverrideRow.active, GateOverrideRow.created_at < cutoff
                    )
                )
            )
            counts = {
                "check_runs": len(run_ids),
                "check_results": session.scalar(
                    sa.select(sa.func.count())
                    .select_from(CheckResultRow)
                    .where(CheckResultRow.check_run_id.in_(run_ids))
                )
                or 0,
                "profiles": len(profile_ids),
                "incidents": len(incident_ids),
                "overrides": len(override_ids),
            }
            if dry_run:
                return counts
            for table_ids, column in (
                (profile_ids, ProfileRow.id),
                (run_ids, CheckRunRow.id),
                (incident_ids, IncidentRow.id),
                (override_ids, GateOverrideRow.id),
            ):
                for chunk in range(0, len(table_ids), 500):  # the cascades remove results, notifications
                    session.execute(
                        sa.delete(column.class_).where(column.in_(table_ids[chunk : chunk + 500]))
                    )
            return counts

        return self._write(work)

    # -- profiles and baselines -------------------------------------------------------------------
    def _upsert_profile(
        self, session: Session, run: CheckRunRow, record: CheckRunRecord, profile: ProfileRecord
    ) -> None:
        _key_for_write(session, key=profile.baseline_key, dag_id=record.dag_id)
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
        eligible: str = "warned",
    ) -> list[ProfileRow]:
        """Profiles that may serve as a baseline, newest run first.

        Once any gate has decided on a run of this key, only runs whose gate passed (or was overridden)
        qualify; before that, runs whose own checks passed. A failed run never qualifies. With
        ``eligible="passed"`` a run whose own comparison WARNED does not qualify either unless its gate
        was overridden (see ``eligible_statuses``).
        """
        run_statuses = eligible_statuses(eligible)

        def work(session: Session) -> list[ProfileRow]:
            scope = (ProfileRow.baseline_key == key, ProfileRow.kind == kind)
            gated = session.scalar(
                sa.select(sa.literal(1)).where(*scope, ProfileRow.gate_status.is_not(None)).limit(1)
            )
            run_ok = ProfileRow.run_status.in_(run_statuses)
            qualifies = (
                sa.and_(
                    ProfileRow.gate_status.in_(GATE_PASSING_STATUSES),
                    sa.or_(run_ok, ProfileRow.gate_status == Status.OVERRIDDEN.value),
                )
                if gated
                else sa.and_(ProfileRow.gate_status.is_(None), run_ok)
            )
            query = (
                sa.select(ProfileRow)
                .where(*scope, qualifies, ProfileRow.check_run_id.is_not(None), _latest_try_only())
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
            _audit_pin(session, "pin", user, pin, reason)
            return pin

        return self._write(work)

    def unpin(self, *, key: str, user: str, reason: str, label: str = "default") -> BaselinePinRow:
        check_label(label)

        def work(session: Session) -> BaselinePinRow:
            pin = session.scalars(
                sa.select(BaselinePinRow)
                .where(
                    BaselinePinRow.baseline_key == key, BaselinePinRow.label == label, BaselinePinRow.active
                )
                .options(selectinload(BaselinePinRow.profile))  # callers read it after the session closes
            ).first()
            if pin is None:
                raise InputError(f"baseline key '{key}' has no active pin labelled '{label}'.")
            pin.active, pin.unpinned_by, pin.unpinned_at, pin.unpin_reason = False, user, _now(), reason
            _audit_pin(session, "unpin", user, pin, reason)
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

    # -- gates, overrides, incidents, notifications ----------------------------------------------------
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
                    _latest_check_try(),
                )
                .order_by(CheckRunRow.map_index)
            )
            if with_results:
                query = query.options(selectinload(CheckRunRow.results))
            return list(session.scalars(query))

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
                .order_by(_failing_first(CheckResultRow.status), CheckResultRow.position)
                .offset(offset)
                .limit(limit)
            )
            return list(session.scalars(query))

        return self._read(work)

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
                created_at=_now(),
                active=True,
            )
            session.add(row)
            session.flush()
            _audit(session, "override", user, note=reason, dag_id=dag_id, run_id=run_id, task_id=task_id,
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
                _active_override(dag_id=dag_id, run_id=row.run_id, task_id=task_id)
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
                _active_override(dag_id=dag_id, run_id=run_id, task_id=task_id)
            ).first()
        )

    def overrides(self, *, dag_id: str | None = None, run_id: str | None = None) -> list[GateOverrideRow]:
        def work(session: Session) -> list[GateOverrideRow]:
            query = sa.select(GateOverrideRow).order_by(GateOverrideRow.id.desc())
            if dag_id is not None:
                query = query.where(GateOverrideRow.dag_id == dag_id)
            if run_id is not None:
                query = query.where(GateOverrideRow.run_id == run_id)
            return list(session.scalars(query))

        return self._read(work)

    def apply_gate_outcome(
        self,
        *,
        dag_id: str,
        gate_task_id: str,
        run_id: str,
        owner: str | None,
        failing: bool,
        severity: str | None,
        fingerprint: str | None,
        failing_checks: list[str],
        summary: dict[str, Any],
        runbook_url: str | None,
        check_run_id: int | None,
        route: Callable[[IncidentRow | None], Any],
        channels: Sequence[str],
        message: Callable[[IncidentRow, str], tuple[str, dict[str, Any]]],
    ) -> GateOutcome:
        """Update incidents for one gate decision and queue its notifications, in one transaction.

        ``route(incident)`` returns a :class:`~airflow_mlops.core.alerts.Routing`; ``message(incident,
        kind)`` returns the subject and JSON payload of a notification. Notifications are queued as
        ``pending`` rows (the outbox) and delivered by the caller.
        """

        def queue(session: Session, incident: IncidentRow, kind: str, now: datetime) -> list[int]:
            subject, payload = message(incident, kind)
            ids = []
            for channel in channels:
                exists = session.scalar(
                    sa.select(NotificationRow.id).where(
                        NotificationRow.incident_id == incident.id,
                        NotificationRow.kind == kind,
                        NotificationRow.run_id == run_id,
                        NotificationRow.channel == channel,
                    )
                )
                if exists is not None:  # a retry of the same run: never queue twice
                    continue
                row = NotificationRow(
                    incident_id=incident.id,
                    owner=owner,
                    kind=kind,
                    run_id=run_id,
                    channel=channel,
                    status="pending",
                    attempts=0,
                    subject=subject,
                    payload=json_safe(payload, max_str=2000),
                    created_at=now,
                )
                session.add(row)
                session.flush()
                ids.append(row.id)
            return ids

        def work(session: Session) -> GateOutcome:
            now = _now()
            if not failing:
                open_rows = list(
                    session.scalars(
                        sa.select(IncidentRow)
                        .where(
                            IncidentRow.dag_id == dag_id,
                            IncidentRow.gate_task_id == gate_task_id,
                            IncidentRow.status != "resolved",
                        )
                        .with_for_update()
                    )
                )
                ids: list[int] = []
                for resolved in open_rows:
                    resolved.status, resolved.resolved_at, resolved.resolved_by = (
                        "resolved",
                        now,
                        "gate passed",
                    )
                    resolved.last_run_id, resolved.last_seen = run_id, now
                    if resolved.last_notified_at is not None:  # only tell people about what they were told of
                        ids += queue(session, resolved, "resolved", now)
                return GateOutcome(
                    incident_id=None,
                    action="resolved" if open_rows else "none",
                    reason=f"gate passed: {len(open_rows)} open incident(s) resolved",
                    notification_ids=ids,
                    resolved_incident_ids=tuple(i.id for i in open_rows),
                )
            incident = session.scalars(
                sa.select(IncidentRow)
                .where(IncidentRow.fingerprint == fingerprint, IncidentRow.status != "resolved")
                .order_by(IncidentRow.id.desc())
                .limit(1)
                .with_for_update()
            ).first()
            routing = route(incident)
            same_run = incident is not None and incident.last_run_id == run_id
            if incident is None:
                incident = IncidentRow(
                    fingerprint=fingerprint,
                    dag_id=dag_id,
                    gate_task_id=gate_task_id,
                    owner=owner,
                    status="open",
                    severity=severity or "fail",
                    failing_checks=failing_checks,
                    first_seen=now,
                    last_seen=now,
                    count=1,
                    first_run_id=run_id,
                    last_run_id=run_id,
                    digest_pending=False,
                )
                session.add(incident)
            else:
                if routing.counts_as_repeat:
                    incident.count += 1
                if (
                    incident.status == "snoozed"
                    and incident.snoozed_until is not None
                    and now >= incident.snoozed_until
                ):
                    incident.status = "open"
                if severity == "fail":
                    incident.severity = "fail"
                incident.last_seen, incident.last_run_id = now, run_id
            incident.summary = json_safe(summary, max_str=500)
            incident.runbook_url = runbook_url
            incident.last_check_run_id = check_run_id
            session.flush()
            ids = []
            action = routing.action.value
            if routing.notifies:
                incident.last_notified_at = now
                ids = queue(session, incident, action, now)
            elif action == "digest":
                incident.digest_pending = True
            elif action == "quiet" and same_run:
                # a retry: deliver what an earlier try of this run queued but could not send
                ids = list(
                    session.scalars(
                        sa.select(NotificationRow.id).where(
                            NotificationRow.incident_id == incident.id,
                            NotificationRow.run_id == run_id,
                            NotificationRow.status == "pending",
                        )
                    )
                )
            return GateOutcome(
                incident_id=incident.id,
                action=action,
                reason=routing.reason,
                notification_ids=ids,
                incident_count=incident.count,
                first_seen=incident.first_seen,
            )

        return self._write(work)

    def notifications(
        self, *, ids: Sequence[int] | None = None, incident_id: int | None = None, owner: str | None = None
    ) -> list[NotificationRow]:
        def work(session: Session) -> list[NotificationRow]:
            query = sa.select(NotificationRow).order_by(NotificationRow.id)
            if ids is not None:
                query = query.where(NotificationRow.id.in_(list(ids)))
            if incident_id is not None:
                query = query.where(NotificationRow.incident_id == incident_id)
            if owner is not None:
                query = query.where(NotificationRow.owner == owner)
            return list(session.scalars(query))

        return self._read(work)

    def mark_notification(
        self, notification_id: int, *, sent: bool, attempts: int, error: str | None = None
    ) -> None:
        def work(session: Session) -> None:
            row = session.get(NotificationRow, notification_id)
            if row is not None:
                row.status = "sent" if sent else "failed"
                row.attempts = attempts
                row.error = error
                row.sent_at = _now() if sent else None

        self._write(work)

    def add_notification(
        self,
        *,
        owner: str | None,
        kind: str,
        run_id: str,
        channel: str,
        subject: str,
        payload: dict[str, Any],
    ) -> int:
        """Queue a notification that belongs to no single incident (a digest)."""

        def work(session: Session) -> int:
            row = NotificationRow(
                incident_id=None,
                owner=owner,
                kind=kind,
                run_id=run_id,
                channel=channel,
                status="pending",
                attempts=0,
                subject=subject,
                payload=json_safe(payload, max_str=2000),
                created_at=_now(),
            )
            session.add(row)
            session.flush()
            return row.id

        return self._write(work)

    def incidents(
        self,
        *,
        owner: str | None = None,
        status: Sequence[str] | None = ("open", "acknowledged", "snoozed"),
        dag_id: str | None = None,
        dag_ids: Collection[str] | None = None,
        digest_pending: bool | None = None,
        limit: int = 200,
    ) -> list[IncidentRow]:
        def work(session: Session) -> list[IncidentRow]:
            query = (
                sa.select(IncidentRow)
                .order_by(IncidentRow.last_seen.desc(), IncidentRow.id.desc())
                .limit(limit)
            )
            if owner is not None:
                query = query.where(IncidentRow.owner == owner)
            if status is not None:
                query = query.where(IncidentRow.status.in_(list(status)))
            if dag_id is not None:
                query = query.where(IncidentRow.dag_id == dag_id)
            if dag_ids is not None:
                query = query.where(IncidentRow.dag_id.in_(list(dag_ids)))
            if digest_pending is not None:
                query = query.where(IncidentRow.digest_pending == digest_pending)
            return list(session.scalars(query))

        return self._read(work)

    def incident(self, incident_id: int) -> IncidentRow | None:
        return self._read(lambda session: session.get(IncidentRow, incident_id))

    def update_incident(
        self,
        incident_id: int,
        *,
        action: str,
        user: str,
        until: datetime | None = None,
        note: str | None = None,
    ) -> IncidentRow:
        """Acknowledge, snooze (until a time) or resolve an incident, recording who did it."""
        if action not in ("ack", "snooze", "resolve"):
            raise InputError(f"action={action!r} must be 'ack', 'snooze' or 'resolve'.")
        if not user or not user.strip():
            raise InputError("the user who acts on an incident is required (--user).")

        def work(session: Session) -> IncidentRow:
            row = session.get(IncidentRow, incident_id)
            if row is None:
                raise InputError(
                    f"incident {incident_id} does not exist; list them with `airflow-mlops incidents list`."
                )
            if row.status == "resolved":
                raise InputError(
                    f"incident {incident_id} is already resolved ({row.resolved_by}, {row.resolved_at})."
                )
            now = _now()
            if action == "ack":
                row.status, row.acked_by, row.acked_at = "acknowledged", user, now
            elif action == "snooze":
                if until is None or until <= now:
                    raise InputError("snooze needs a time in the future (e.g. --for 4h).")
                row.status, row.snoozed_by, row.snoozed_until = "snoozed", user, until
            else:
                row.status, row.resolved_by, row.resolved_at = "resolved", user, now
            if note:
                row.note = note
            _audit(session, action, user, note=note or None, dag_id=row.dag_id, task_id=row.gate_task_id,
                   run_id=row.last_run_id, incident_id=row.id,
                   details={"until": until.isoformat(timespec="seconds")} if action == "snooze" and until else None)  # fmt: skip
            return row

        return self._write(work)

    def clear_digest(self, incident_ids: Sequence[int]) -> None:
        def work(session: Session) -> None:
            session.execute(
                sa.update(IncidentRow)
                .where(IncidentRow.id.in_(list(incident_ids)))
                .values(digest_pending=False)
            )

        self._write(work)


def _audit(session: Session, action: str, actor: str, **columns: Any) -> None:
    """Append one audit event in the caller's transaction: it exists exactly when the action does."""
    if action not in AUDIT_ACTIONS:
        raise InputError(f"audit action={action!r} is not one of {', '.join(AUDIT_ACTIONS)}.")
    details = columns.pop("details", None)
    session.add(
        AuditEventRow(at=_now(), actor=actor, action=action, details=json_safe(details) if details else None,
                      **columns)
    )  # fmt: skip


def _audit_pin(session: Session, action: str, user: str, pin: BaselinePinRow, reason: str) -> None:
    """A pin's event belongs to its key's owner DAG (whose editors may pin), else to the pinned run's."""
    owner = session.get(BaselineKeyRow, pin.baseline_key)
    profile = pin.profile
    _audit(session, action, user, note=reason, baseline_key=pin.baseline_key, label=pin.label,
           dag_id=owner.owner_dag_id if owner is not None else profile.dag_id,
           run_id=profile.run_id or profile.source, details={"profile_id": pin.profile_id})  # fmt: skip


def _check_actor(user: str, reason: str, *, what: str) -> None:
    if not isinstance(reason, str) or not reason.strip():
        raise InputError(f"{what} needs a reason; it is kept in the audit trail (`airflow-mlops audit`).")
    if not isinstance(user, str) or not user.strip():
        raise InputError(f"{what} needs the user who does it (--user).")


def _key_for_write(
    session: Session, *, key: str, dag_id: str, share_with: Sequence[str] | None = None
) -> BaselineKeyRow:
    """The ownership row of ``key`` that lets ``dag_id`` write it, created when no DAG wrote it before."""
    now = _now()
    row = session.get(BaselineKeyRow, key)
    if row is None:
        row = BaselineKeyRow(baseline_key=key, owner_dag_id=dag_id, shared_with=sorted(set(share_with or ())),
                             declared_by=None, created_at=now, updated_at=now)  # fmt: skip
        session.add(row)
        session.flush()  # a concurrent first write of another DAG fails here, and its retry sees this row
        return row
    if not row.may_write(dag_id):
        how = "its first writer" if row.declared_by is None else f"set by {row.declared_by}"
        raise BaselineKeyError(
            f"baseline_key '{key}' belongs to DAG '{row.owner_dag_id}' ({how}); DAG '{dag_id}' may not record "
            f"profiles under it. Give this task a key of its own (the default is '{dag_id}.<task_id>'), or "
            f"let the owner share it: BaselineComparisonOperator(baseline_key='{key}', "
            f"share_baseline_with=['{dag_id}'], ...) in DAG '{row.owner_dag_id}'. An admin can hand the key "
            f"to another DAG: `airflow-mlops baseline owner --key {key} --dag-id DAG --reason ...`. See "
            "docs/concepts/baselines.md, 'Who may write a key'."
        )
    if dag_id == row.owner_dag_id and share_with is not None and sorted(set(share_with)) != row.shared_with:
        row.shared_with, row.updated_at = sorted(set(share_with)), now
    return row


def _no_later_try(model: Any, *keys: str) -> Any:
    """Only the latest try counts: no row of ``model`` with the same ``keys`` has a higher try_number
    (earlier tries were superseded by their retry)."""
    later = sa.orm.aliased(model)
    same = [getattr(later, key) == getattr(model, key) for key in keys]
    return ~sa.exists().where(*same, later.try_number > model.try_number)


def _failing_first(status: Any) -> Any:
    """A sort key on a status column: FAILED, ERRORED, WARNED, then every other status."""
    return sa.case(
        {Status.FAILED.value: 0, Status.ERRORED.value: 1, Status.WARNED.value: 2}, value=status, else_=3
    )


def _latest_check_try() -> Any:
    """A task's latest try in a DAG run, per map index."""
    return _no_later_try(CheckRunRow, "dag_id", "task_id", "run_id", "map_index")


def _latest_try_only() -> Any:
    """A DAG run's latest try of a profile series."""
    return _no_later_try(ProfileRow, "baseline_key", "kind", "dag_id", "run_id")


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
