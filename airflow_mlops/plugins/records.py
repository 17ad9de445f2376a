"""The JSON shapes of the app's records (gates, check runs, results, incidents), shared by the JSON API,
the pages and the CLI's report. Times are ISO 8601 in UTC; numbers keep full precision."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from airflow_mlops.core.messages import data_date
from airflow_mlops.urls import allowed_url, report_path

__all__ = ["run_data_date", "gate_json", "incident_json", "iso", "result_json", "run_json"]


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def run_data_date(row: Any) -> str | None:
    """A check or gate run's data date for people (:func:`~airflow_mlops.core.messages.data_date`)."""
    return data_date(row.logical_date, row.run_after)


def gate_json(row: Any) -> dict[str, Any]:
    summary = row.summary or {}
    return {
        "dag_id": row.dag_id,
        "task_id": row.task_id,
        "run_id": row.run_id,
        "status": row.status,
        "owner": row.owner,
        "message": row.message,
        "decided_at": iso(row.finished_at),
        "logical_date": iso(row.logical_date),
        "run_after": iso(row.run_after),
        "data_date": run_data_date(row),
        "incident_id": summary.get("incident_id"),
        "report": report_path(row.dag_id, row.run_id, row.task_id),
    }


def run_json(row: Any) -> dict[str, Any]:
    return {
        "dag_id": row.dag_id,
        "task_id": row.task_id,
        "run_id": row.run_id,
        "map_index": row.map_index,
        "kind": row.kind,
        "status": row.status,
        "message": row.message,
        "finished_at": iso(row.finished_at),
        "logical_date": iso(row.logical_date),
        "run_after": iso(row.run_after),
        "data_date": run_data_date(row),
    }


def result_json(r: Any) -> dict[str, Any]:
    details = r.details if isinstance(r.details, dict) else {}
    return {
        "name": r.name,
        "check_type": r.check_type,
        "column": r.column_name,
        "status": r.status,
        "severity": r.severity,
        "observed": r.observed,
        "expected": r.expected,
        "baseline": r.baseline,
        "statistic": r.statistic,
        "threshold": r.threshold,
        "band": details.get("band"),
        "message": r.message,
        "engine": details.get("engine"),
        "evidence": details.get("evidence"),
        "schema_diff": details.get("diff"),
        "unexpected_sample": details.get("sample_unexpected", details.get("partial_unexpected_list")),
    }


def _errored(summary: Any) -> list[str]:
    """The reasons of an incident's ERRORED checks (from the gate's summary it keeps): ``check: why``."""
    failing = summary.get("failing") if isinstance(summary, dict) else None
    return [
        f"{f.get('name') or f.get('check')}: {f.get('message') or 'no reason recorded'}"
        for f in failing or []
        if isinstance(f, dict) and f.get("status") == "ERRORED"
    ][:10]


def incident_json(i: Any) -> dict[str, Any]:
    return {
        "id": i.id,
        "dag_id": i.dag_id,
        "gate_task_id": i.gate_task_id,
        "owner": i.owner,
        "status": i.status,
        "severity": i.severity,
        "failing_checks": i.failing_checks,
        "errored": _errored(i.summary),
        "count": i.count,
        "first_seen": iso(i.first_seen),
        "last_seen": iso(i.last_seen),
        "last_run_id": i.last_run_id,
        "runbook_url": allowed_url(i.runbook_url),
        "acked_by": i.acked_by,
        "acked_at": iso(i.acked_at),
        "snoozed_by": i.snoozed_by,
        "snoozed_until": iso(i.snoozed_until),
        "resolved_by": i.resolved_by,
        "note": i.note,
    }
