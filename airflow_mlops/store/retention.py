"""Retention: ``airflow-mlops db prune`` deletes old rows and keeps what the store still needs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from airflow_mlops.store.base import StoreBase
from airflow_mlops.store.models import (
    BaselinePinRow,
    CheckResultRow,
    CheckRunRow,
    GateOverrideRow,
    IncidentRow,
    ProfileRow,
)

__all__ = ["RetentionStore"]


class RetentionStore(StoreBase):
    """Deletes what finished before a cut, keeping pins, open incidents and the audit trail."""

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
            doomed = _prunable(session, cutoff)
            counts = {
                "check_runs": len(doomed[CheckRunRow]),
                "check_results": session.scalar(
                    sa.select(sa.func.count())
                    .select_from(CheckResultRow)
                    .where(CheckResultRow.check_run_id.in_(doomed[CheckRunRow]))
                )
                or 0,
                "profiles": len(doomed[ProfileRow]),
                "incidents": len(doomed[IncidentRow]),
                "overrides": len(doomed[GateOverrideRow]),
            }
            if not dry_run:
                for model, ids in doomed.items():  # the cascades remove results, notifications
                    for chunk in range(0, len(ids), 500):
                        session.execute(sa.delete(model).where(model.id.in_(ids[chunk : chunk + 500])))
            return counts

        return self._write(work)


def _prunable(session: Session, cutoff: datetime) -> dict[Any, list[int]]:
    """The ids that a prune at ``cutoff`` deletes, per model, in the order they are deleted."""
    pinned = sa.select(BaselinePinRow.profile_id)
    newest = sa.select(sa.func.max(ProfileRow.id)).group_by(ProfileRow.baseline_key, ProfileRow.kind)
    keep_profiles = sa.or_(ProfileRow.id.in_(pinned), ProfileRow.id.in_(newest.scalar_subquery()))
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
        sa.func.coalesce(CheckRunRow.finished_at, CheckRunRow.started_at, CheckRunRow.run_after) < cutoff,
        CheckRunRow.id.not_in(kept_runs),
    )
    run_ids = list(session.scalars(old_runs))
    profiles = sa.select(ProfileRow.id).where(
        ~keep_profiles,
        sa.or_(ProfileRow.recorded_at < cutoff, ProfileRow.check_run_id.in_(run_ids)),
    )
    incidents = sa.select(IncidentRow.id).where(
        IncidentRow.status == "resolved", IncidentRow.last_seen < cutoff
    )
    overrides = sa.select(GateOverrideRow.id).where(
        ~GateOverrideRow.active, GateOverrideRow.created_at < cutoff
    )
    return {
        ProfileRow: list(session.scalars(profiles)),
        CheckRunRow: run_ids,
        IncidentRow: list(session.scalars(incidents)),
        GateOverrideRow: list(session.scalars(overrides)),
    }
