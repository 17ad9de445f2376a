"""Result, status and severity types shared by every check, gate and reader."""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from airflow_mlops.urls import MAX_URL_LENGTH

__all__ = [
    "GATE_PASSING_STATUSES",
    "GATE_STATUSES",
    "MAX_LISTED",
    "RESULT_FORMATS",
    "CheckResult",
    "CheckRunSummary",
    "FailingResult",
    "Severity",
    "Status",
    "aggregate_status",
    "engine_counts",
    "format_results_table",
    "headline",
    "json_safe",
    "summarize",
]

#: At most this many items are listed in messages and XCom summaries.
MAX_LISTED = 10
#: Great Expectations result formats accepted by ``result_format=``.
RESULT_FORMATS: tuple[str, ...] = ("BOOLEAN_ONLY", "BASIC", "SUMMARY", "COMPLETE")


class Status(enum.StrEnum):
    """Outcome of one check, or of a whole check run.

    ``INFO`` is a failed check whose severity is ``info``: it is recorded but never blocks.
    ``ERRORED`` means the check could not be evaluated (bad input, crash); gates treat it as a failure.
    ``OVERRIDDEN`` is a gate decision that a person overrode (audited).
    """

    PASSED = "PASSED"
    OVERRIDDEN = "OVERRIDDEN"
    INFO = "INFO"
    NO_BASELINE = "NO_BASELINE"
    WARNED = "WARNED"
    FAILED = "FAILED"
    ERRORED = "ERRORED"

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]

    @property
    def is_blocking(self) -> bool:
        return self in (Status.FAILED, Status.ERRORED)


#: Statuses a gate decision can have (the filter choices of the pages and the API).
GATE_STATUSES: tuple[str, ...] = tuple(s.value for s in Status if s not in (Status.INFO, Status.NO_BASELINE))
#: Gate decisions that let the run through, and make its profiles eligible as a baseline.
GATE_PASSING_STATUSES: tuple[str, ...] = tuple(
    s.value for s in Status if s.value in GATE_STATUSES and not s.is_blocking
)

_STATUS_RANK = {
    Status.PASSED: 0,
    Status.OVERRIDDEN: 0,
    Status.INFO: 0,
    Status.NO_BASELINE: 1,
    Status.WARNED: 2,
    Status.FAILED: 3,
    Status.ERRORED: 4,
}


class Severity(enum.StrEnum):
    """What an unsuccessful check means: block (``fail``), warn, or record only (``info``)."""

    FAIL = "fail"
    WARN = "warn"
    INFO = "info"

    @classmethod
    def parse(cls, value: str | Severity, *, argument: str = "severity") -> Severity:
        """Accept our names and Great Expectations' (critical, warning, info)."""
        if isinstance(value, Severity):
            return value
        key = str(value).strip().lower()
        aliases = {"critical": "fail", "error": "fail", "warning": "warn"}
        key = aliases.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise ValueError(
                f"{argument}={value!r} is not a severity; use one of 'fail', 'warn', 'info' "
                "(or GX's 'critical', 'warning', 'info')."
            ) from None

    def status_when_unsuccessful(self) -> Status:
        return {Severity.FAIL: Status.FAILED, Severity.WARN: Status.WARNED, Severity.INFO: Status.INFO}[self]


def json_safe(value: Any, *, max_str: int = 200) -> Any:
    """Turn ``value`` into something ``json.dumps`` accepts, trimming long strings.

    NaN and infinities become strings ("NaN", "inf") so that every database and XCom backend accepts them.
    A string under a key ending in ``_url`` is kept whole or dropped (None) when it is longer than
    :data:`~airflow_mlops.urls.MAX_URL_LENGTH`, never cut: a cut URL is a broken link.
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, str):
        return value if len(value) <= max_str else value[: max_str - 1] + "…"
    if isinstance(value, enum.Enum):
        return json_safe(value.value, max_str=max_str)
    if isinstance(value, Mapping):
        return {
            str(k): _url_or_none(v) if _is_url(k, v) else json_safe(v, max_str=max_str)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v, max_str=max_str) for v in value]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return json_safe(item(), max_str=max_str)
        except (TypeError, ValueError):
            pass
    isoformat = getattr(value, "isoformat", None)  # datetime, pandas Timestamp
    if callable(isoformat):
        return str(isoformat())
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json_safe(str(value), max_str=max_str)


def _is_url(key: Any, value: Any) -> bool:
    return isinstance(value, str) and str(key).endswith("_url")


def _url_or_none(url: str) -> str | None:
    return url if len(url) <= MAX_URL_LENGTH else None


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """The result of one check.

    :param name: unique name of the check inside its run (e.g. ``expect_column_values_to_not_be_null(age)``).
    :param check_type: the kind of check (a GX expectation type, ``row_count``, ``drift`` ...).
    :param status: the outcome; see :class:`Status`.
    :param severity: what an unsuccessful outcome means; blocking is decided from it, not from the result.
    :param observed: the value measured on the data.
    :param expected: what the check expected (kwargs of an expectation, a threshold ...).
    :param baseline: the baseline's value, for comparisons.
    :param details: extra JSON-safe details, for example sample unexpected values.
    """

    name: str
    check_type: str
    status: Status
    severity: Severity = Severity.FAIL
    column: str | None = None
    observed: Any = None
    expected: Any = None
    baseline: Any = None
    statistic: float | None = None
    threshold: Any = None
    message: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status in (Status.PASSED, Status.NO_BASELINE, Status.OVERRIDDEN)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "check_type": self.check_type,
            "status": self.status.value,
            "severity": self.severity.value,
            "column": self.column,
            "observed": json_safe(self.observed),
            "expected": json_safe(self.expected),
            "baseline": json_safe(self.baseline),
            "statistic": json_safe(self.statistic),
            "threshold": json_safe(self.threshold),
            "message": self.message,
            "details": json_safe(dict(self.details)),
        }


def aggregate_status(statuses: Iterable[Status]) -> Status:
    """The worst status wins. No status at all is ERRORED: a run that checked nothing must not pass."""
    worst: Status | None = None
    for status in statuses:
        if worst is None or status.rank > worst.rank:
            worst = status
    if worst is None:
        return Status.ERRORED
    return Status.PASSED if worst is Status.INFO else worst


def headline(results: Sequence[CheckResult], *, baseline_key: str | None = None) -> str:
    """The one-line message of a check run, recorded with it (the CLI, the pages and the task log show it).

    Checks not compared for want of a baseline are said to be so, never counted as passed:
    ``no baseline yet for 'k': profile recorded, 9 checks not compared``.
    """
    bad = [r for r in results if not r.passed]
    if bad:
        parts = []
        for r in sorted(bad, key=lambda r: -r.status.rank)[:MAX_LISTED]:
            detail = r.message or f"observed {r.observed!r}"
            parts.append(f"{r.name} {r.status.value}: {detail}")
        more = f" (+{len(bad) - MAX_LISTED} more)" if len(bad) > MAX_LISTED else ""
        return f"{len(bad)} of {len(results)} checks did not pass: " + "; ".join(parts) + more
    uncompared = sum(r.status is Status.NO_BASELINE for r in results)
    if not uncompared:
        return f"all {len(results)} checks passed"
    key = f" for '{baseline_key}'" if baseline_key else ""
    what = f"no baseline yet{key}: profile recorded, {_checks(uncompared)} not compared"
    compared = len(results) - uncompared
    return what if not compared else f"{_checks(compared)} passed; {what}"


def _checks(count: int) -> str:
    return f"{count} check" if count == 1 else f"{count} checks"


class FailingResult(TypedDict):
    """One check result that did not pass, as listed in a :class:`CheckRunSummary` (XCom).

    Not :class:`airflow_mlops.core.gate.FailingCheck`, which is a gate's failing upstream check."""

    name: str
    column: str | None
    status: str
    observed: Any
    expected: Any
    message: str


class CheckRunSummary(TypedDict):
    """The compact JSON summary pushed to XCom (never the full result: XCom has size limits)."""

    status: str
    kind: str
    dag_id: str
    task_id: str
    run_id: str
    try_number: int
    check_run_id: int | None
    owner: str | None
    counts: dict[str, int]
    failing: list[FailingResult]
    message: str
    incident_id: NotRequired[int | None]
    report_url: NotRequired[str]
    runbook_url: NotRequired[str | None]
    #: validation: how many expectations each engine ran (``{"native": 5, "gx": 2}``)
    engines: NotRequired[dict[str, int]]


def engine_counts(results: Sequence[CheckResult]) -> dict[str, int]:
    """How many results each validation engine produced (``details["engine"]``)."""
    counts: dict[str, int] = {}
    for result in results:
        engine = result.details.get("engine")
        if isinstance(engine, str):
            counts[engine] = counts.get(engine, 0) + 1
    return counts


def summarize(
    *,
    status: Status,
    kind: str,
    results: Sequence[CheckResult],
    dag_id: str,
    task_id: str,
    run_id: str,
    try_number: int,
    check_run_id: int | None,
    owner: str | None,
    message: str = "",
) -> CheckRunSummary:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status.value] = counts.get(result.status.value, 0) + 1
    failing = sorted((r for r in results if not r.passed), key=lambda r: -r.status.rank)
    return CheckRunSummary(
        status=status.value,
        kind=kind,
        dag_id=dag_id,
        task_id=task_id,
        run_id=run_id,
        try_number=try_number,
        check_run_id=check_run_id,
        owner=owner,
        counts=counts,
        failing=[
            FailingResult(
                name=r.name,
                column=r.column,
                status=r.status.value,
                observed=json_safe(r.observed, max_str=80),
                expected=json_safe(r.expected, max_str=80),
                message=r.message[:300],
            )
            for r in failing[:MAX_LISTED]
        ],
        message=message,
    )


def _cell(value: Any, width: int = 40) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(json_safe(value), ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def format_results_table(results: Sequence[CheckResult], *, limit: int = 50) -> str:
    """A short, fixed-width table of results for task logs: status, check, column, observed, expected."""
    headers = ("status", "check", "column", "observed", "expected")
    rows = [
        (r.status.value, _cell(r.name, 60), _cell(r.column, 24), _cell(r.observed), _cell(r.expected))
        for r in sorted(results, key=lambda r: -r.status.rank)[:limit]
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)
    if len(results) > limit:
        lines.append(f"... and {len(results) - limit} more (see the report)")
    return "\n".join(lines)
