"""Profiles and the baselines drawn from them: eligible candidates and pins (audited)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from airflow_mlops.core.baseline import GATE_PASSING_STATUSES, check_label, eligible_statuses
from airflow_mlops.core.results import Status, json_safe
from airflow_mlops.exceptions import InputError
from airflow_mlops.store.audit import audit
from airflow_mlops.store.base import StoreBase, utcnow
from airflow_mlops.store.baseline_keys import key_for_write
from airflow_mlops.store.models import BaselineKeyRow, BaselinePinRow, CheckRunRow, ProfileRow
from airflow_mlops.store.queries import latest_profile_try, where_given
from airflow_mlops.store.records import CheckRunRecord, ProfileRecord

__all__ = ["ProfileStore", "upsert_profile"]


class ProfileStore(StoreBase):
    """Profiles of each baseline key, the baselines they may serve as, and the key's pins."""

    def add_profile(self, profile: ProfileRecord, *, run_status: str = "PASSED") -> int:
        """Store a profile that no DAG run produced (for example exported from a notebook)."""

        def work(session: Session) -> int:
            row = ProfileRow(
                check_run_id=None,
                baseline_key=profile.baseline_key,
                kind=profile.kind,
                try_number=1,
                recorded_at=utcnow(),
                run_after=utcnow(),
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
                .where(*scope, qualifies, ProfileRow.check_run_id.is_not(None), latest_profile_try())
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
            query = where_given(query, (ProfileRow.kind, kind))
            return list(session.scalars(query))

        return self._read(work)

    def profiles_of_runs(self, *, key: str, kind: str, run_ids: Collection[str]) -> list[ProfileRow]:
        """The latest try's profile of each of ``run_ids`` in a key's series."""

        def work(session: Session) -> list[ProfileRow]:
            query = sa.select(ProfileRow).where(
                ProfileRow.baseline_key == key, ProfileRow.kind == kind, ProfileRow.run_id.in_(list(run_ids)),
                latest_profile_try(),
            )  # fmt: skip
            return list(session.scalars(query))

        return self._read(work) if run_ids else []

    def profiles_by_id(self, ids: Collection[int]) -> list[ProfileRow]:
        """The profiles with these ids (a comparison's recorded baseline), oldest first."""

        def work(session: Session) -> list[ProfileRow]:
            query = sa.select(ProfileRow).where(ProfileRow.id.in_(list(ids))).order_by(ProfileRow.id)
            return list(session.scalars(query))

        return self._read(work) if ids else []

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
            now = utcnow()
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
            pin.active, pin.unpinned_by, pin.unpinned_at, pin.unpin_reason = False, user, utcnow(), reason
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
            query = where_given(query, (BaselinePinRow.baseline_key, key))
            if not include_inactive:
                query = query.where(BaselinePinRow.active)
            return list(session.scalars(query))

        return self._read(work)


def upsert_profile(
    session: Session, run: CheckRunRow, record: CheckRunRecord, profile: ProfileRecord
) -> None:
    """Record ``profile`` with the check run ``run`` (one profile per run: a repeated write replaces it),
    once ``record``'s DAG is known to be allowed to write its key."""
    key_for_write(session, key=profile.baseline_key, dag_id=record.dag_id)
    existing = session.scalars(sa.select(ProfileRow).where(ProfileRow.check_run_id == run.id)).one_or_none()
    values = {
        "baseline_key": profile.baseline_key,
        "kind": profile.kind,
        "dag_id": record.dag_id,
        "run_id": record.run_id,
        "try_number": record.try_number,
        "run_after": record.run_after or record.started_at,
        "recorded_at": utcnow(),
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


def _audit_pin(session: Session, action: str, user: str, pin: BaselinePinRow, reason: str) -> None:
    """A pin's event belongs to its key's owner DAG (whose editors may pin), else to the pinned run's."""
    owner = session.get(BaselineKeyRow, pin.baseline_key)
    profile = pin.profile
    audit(session, action, user, note=reason, baseline_key=pin.baseline_key, label=pin.label,
           dag_id=owner.owner_dag_id if owner is not None else profile.dag_id,
           run_id=profile.run_id or profile.source, details={"profile_id": pin.profile_id})  # fmt: skip
