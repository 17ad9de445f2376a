"""Baseline keys: which DAG may write a key, the keys there are, and what their learned bands train on."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from airflow_mlops.core.handoff import utc_moment
from airflow_mlops.exceptions import BaselineKeyError, InputError
from airflow_mlops.store.audit import audit, check_actor
from airflow_mlops.store.base import StoreBase, utcnow
from airflow_mlops.store.models import AuditEventRow, BaselineKeyRow, ProfileRow
from airflow_mlops.store.queries import where_given

__all__ = ["BaselineKeyStore", "key_for_write"]


class BaselineKeyStore(StoreBase):
    """Who owns and shares each baseline key, and the exclusion windows and expected runs of its bands."""

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
            query = where_given(query, (ProfileRow.dag_id, dag_ids))
            return [dict(row._mapping) for row in session.execute(query)]

        return self._read(work)

    def key_dag_ids(self, key: str) -> set[str]:
        """The DAGs that recorded profiles under ``key`` (whose permissions guard its pins)."""

        def work(session: Session) -> set[str]:
            query = sa.select(ProfileRow.dag_id).where(ProfileRow.baseline_key == key).distinct()
            return {dag_id for dag_id in session.scalars(query) if dag_id is not None}

        return self._read(work)

    def claim_baseline_key(
        self, *, key: str, dag_id: str, share_with: Sequence[str] | None = None
    ) -> BaselineKeyRow:
        """Make sure ``dag_id`` may write ``key`` before it records a profile there: the first DAG to write a
        key owns it. The owner's ``share_with`` (when not None) replaces the DAGs it shares the key with.

        :raises BaselineKeyError: another DAG owns the key and does not share it with ``dag_id``.
        """
        return self._write(
            lambda session: key_for_write(session, key=key, dag_id=dag_id, share_with=share_with)
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
        check_actor(user, reason, what="handing a baseline key to another DAG")

        def work(session: Session) -> BaselineKeyRow:
            now = utcnow()
            row = session.get(BaselineKeyRow, key)
            previous = row.owner_dag_id if row is not None else None
            if row is None:
                row = BaselineKeyRow(baseline_key=key, shared_with=[], created_at=now)
                session.add(row)
            row.owner_dag_id, row.declared_by, row.updated_at = dag_id, user, now
            audit(session, "own", user, note=reason, dag_id=dag_id, baseline_key=key,
                   details={"previous_owner": previous})  # fmt: skip
            return row

        return self._write(work)

    def exclude_from_training(
        self, *, key: str, starts_at: datetime, ends_at: datetime, reason: str, user: str
    ) -> None:
        """Declare a window (a holiday, a known outage) whose runs no ``Anomaly`` band of ``key`` trains on.
        An append-only audit event (action ``exclude``), which is also where the window is read from."""
        check_actor(user, reason, what="an exclusion window")
        start, end = utc_moment(starts_at, name="starts_at"), utc_moment(ends_at, name="ends_at")
        if start is None or end is None or not start < end:
            raise InputError(f"the exclusion window {starts_at} .. {ends_at} must end after it starts.")

        def work(session: Session) -> None:
            owner = session.get(BaselineKeyRow, key)
            audit(session, "exclude", user, note=reason, baseline_key=key,
                   dag_id=owner.owner_dag_id if owner is not None else None,
                   details={"from": start.isoformat(), "to": end.isoformat()})  # fmt: skip

        self._write(work)

    def mark_expected(self, *, key: str, run_id: str, reason: str, user: str) -> None:
        """Say a flagged run was expected: its profiles train the key's ``Anomaly`` bands although its
        checks did not pass (an audit event, action ``expected``, like an override)."""
        check_actor(user, reason, what="marking a run as expected")

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
            audit(
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


def key_for_write(
    session: Session, *, key: str, dag_id: str, share_with: Sequence[str] | None = None
) -> BaselineKeyRow:
    """The ownership row of ``key`` that lets ``dag_id`` write it, created when no DAG wrote it before."""
    now = utcnow()
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
