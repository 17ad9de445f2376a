"""The gate decision: PASSED, WARNED or FAILED from the recorded results of the upstream checks.

Fail closed: an upstream check with no recorded result (it crashed before recording, was skipped or
upstream_failed) makes the gate FAIL and is named as the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_mlops.core.results import MAX_LISTED, Severity, Status

__all__ = ["FailingCheck", "GateDecision", "UpstreamCheck", "decide"]


@dataclass(frozen=True, kw_only=True)
class UpstreamCheck:
    """What the store holds for one upstream check task (latest try), or ``status=None`` if nothing.

    :param results: dicts with at least ``name``, ``status`` and ``severity`` (rows of the store).
    :param task_state: the Airflow state of the task when it recorded nothing (``skipped`` ...), if known.
    """

    task_id: str
    map_index: int = -1
    status: Status | None = None
    message: str = ""
    results: Sequence[dict[str, Any]] = ()
    task_state: str | None = None

    @property
    def label(self) -> str:
        return self.task_id if self.map_index < 0 else f"{self.task_id}[{self.map_index}]"


@dataclass(frozen=True, kw_only=True)
class FailingCheck:
    task_id: str
    check: str
    status: str
    severity: str
    observed: Any = None
    expected: Any = None
    baseline: Any = None
    message: str = ""

    @property
    def key(self) -> str:
        """The name used in the incident fingerprint."""
        return f"{self.task_id}:{self.check}"


@dataclass(frozen=True, kw_only=True)
class GateDecision:
    status: Status
    reasons: list[str] = field(default_factory=list)
    failing: list[FailingCheck] = field(default_factory=list)

    @property
    def severity(self) -> Severity | None:
        if self.status in (Status.FAILED, Status.ERRORED):
            return Severity.FAIL
        if self.status is Status.WARNED:
            return Severity.WARN
        return None

    @property
    def headline(self) -> str:
        if not self.reasons:
            return "all upstream checks passed"
        shown = "; ".join(self.reasons[:MAX_LISTED])
        more = f" (+{len(self.reasons) - MAX_LISTED} more)" if len(self.reasons) > MAX_LISTED else ""
        return shown + more


def _warns(result: dict[str, Any]) -> bool:
    status = result.get("status")
    return status == Status.WARNED.value or (
        status == Status.NO_BASELINE.value and result.get("severity") == Severity.WARN.value
    )


def decide(upstream: Sequence[UpstreamCheck], *, ignore_skipped: bool = False) -> GateDecision:
    """Decide from the upstream checks. FAILED beats WARNED beats PASSED; nothing checked is FAILED."""
    if not upstream:
        return GateDecision(
            status=Status.FAILED,
            reasons=["no upstream check to decide on: give checks= or put check tasks upstream of the gate"],
            failing=[FailingCheck(task_id="-", check="no_checks", status="ERRORED", severity="fail")],
        )
    failing: list[FailingCheck] = []
    warning: list[FailingCheck] = []
    reasons: list[str] = []
    for check in upstream:
        if check.status is None:
            if ignore_skipped and check.task_state == "skipped":
                continue
            state = f" (task {check.task_state})" if check.task_state else ""
            reasons.append(f"{check.label}: no recorded result{state}; the check did not run to completion")
            failing.append(
                FailingCheck(
                    task_id=check.label,
                    check="no_result",
                    status="ERRORED",
                    severity="fail",
                    message=f"no recorded result{state}",
                )
            )
            continue
        for result in check.results:
            status = result.get("status")
            item = FailingCheck(
                task_id=check.label,
                check=str(result.get("name")),
                status=str(status),
                severity=str(result.get("severity")),
                observed=result.get("observed"),
                expected=result.get("expected"),
                baseline=result.get("baseline"),
                message=str(result.get("message") or ""),
            )
            if status in (Status.FAILED.value, Status.ERRORED.value):
                failing.append(item)
                reasons.append(
                    f"{item.task_id}: {item.check} {item.status}"
                    + (f": {item.message}" if item.message else "")
                )
            elif _warns(result):
                warning.append(item)
        if check.status in (Status.FAILED, Status.ERRORED) and not any(
            f.task_id == check.label for f in failing
        ):
            # the run failed without a failing check row (e.g. it errored before checking anything)
            failing.append(
                FailingCheck(
                    task_id=check.label,
                    check="run",
                    status=check.status.value,
                    severity="fail",
                    message=check.message,
                )
            )
            reasons.append(f"{check.label}: {check.status.value}: {check.message}")
    if failing:
        return GateDecision(status=Status.FAILED, reasons=reasons, failing=failing + warning)
    if warning:
        return GateDecision(
            status=Status.WARNED,
            reasons=[
                f"{w.task_id}: {w.check} WARNED" + (f": {w.message}" if w.message else "") for w in warning
            ],
            failing=warning,
        )
    return GateDecision(status=Status.PASSED)
