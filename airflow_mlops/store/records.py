"""What callers hand the store to record: one try of a check task, and a profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["CheckRunRecord", "ProfileRecord"]


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
