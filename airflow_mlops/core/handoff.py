"""What a downstream consumer does with another DAG's gate decision (pure logic for QualityGateSensor)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airflow_mlops.exceptions import InputError

__all__ = ["GateLookup", "Verdict", "VerdictKind", "gate_verdict", "utc_moment"]


def utc_moment(value: datetime | str | None, *, name: str) -> datetime | None:
    """``value`` as an aware UTC ``datetime``: a datetime (a naive one is read as UTC) or an ISO 8601 string
    (what an older trigger row may hold). ``None`` stays ``None``; anything else is an ``InputError``
    naming ``name``."""
    if value is None:
        return None
    moment: Any = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if not isinstance(moment, datetime):
        raise InputError(
            f"{name}={value!r} is not a date-time; give a datetime or an ISO 8601 string such as "
            "'2026-03-02T06:00:00+00:00'."
        )
    moment = moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    # a plain datetime (not a pendulum or other subclass), so it serializes and compares the same everywhere
    return datetime(
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second, moment.microsecond,
        tzinfo=UTC,
    )  # fmt: skip


class VerdictKind(enum.StrEnum):
    WAIT = "wait"  # no decision yet for the matching run: keep waiting
    PASS = "pass"  # PASSED, OVERRIDDEN (or WARNED when allowed): the consumer proceeds
    FAIL = "fail"  # FAILED / ERRORED (or WARNED when not allowed): the consumer fails at once


@dataclass(frozen=True, kw_only=True)
class GateLookup:
    """What the store knows of the gate for the matching run (``status`` None: not decided yet)."""

    dag_id: str
    task_id: str
    run_id: str | None = None
    status: str | None = None
    owner: str | None = None
    incident_id: int | None = None
    message: str | None = None
    report_url: str | None = None
    overridden_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True)
class Verdict:
    kind: VerdictKind
    message: str


def gate_verdict(lookup: GateLookup, *, allow_warn: bool = True) -> Verdict:
    """Decide from the latest try of the gate: fail fast on a failure, never wait for a timeout."""
    gate = f"gate {lookup.dag_id}.{lookup.task_id}"
    if lookup.run_id is None:
        return Verdict(
            kind=VerdictKind.WAIT, message=f"{gate}: no matching DAG run has recorded a decision yet"
        )
    where = f"{gate} (run {lookup.run_id})"
    status = lookup.status
    if status is None:
        return Verdict(kind=VerdictKind.WAIT, message=f"{where}: not decided yet")
    if lookup.overridden_by and status in ("FAILED", "WARNED"):
        return Verdict(
            kind=VerdictKind.PASS, message=f"{where}: {status}, overridden by {lookup.overridden_by}"
        )
    if status in ("PASSED", "OVERRIDDEN") or (status == "WARNED" and allow_warn):
        return Verdict(kind=VerdictKind.PASS, message=f"{where}: {status}")
    owner = f"owner {lookup.owner}" if lookup.owner else "no owner recorded"
    incident = f", incident #{lookup.incident_id}" if lookup.incident_id else ""
    reason = f": {lookup.message}" if lookup.message else ""
    report = f" Report: {lookup.report_url}" if lookup.report_url else ""
    not_allowed = " (allow_warn=False)" if status == "WARNED" else ""
    return Verdict(
        kind=VerdictKind.FAIL,
        message=f"{where} {status}{not_allowed} ({owner}{incident}){reason}.{report}",
    )
