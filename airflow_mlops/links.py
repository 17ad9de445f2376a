"""The "Quality report" extra link on every check and gate task: it opens the task's report page."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey

__all__ = ["QualityReportLink", "report_path"]


def report_path(dag_id: str, run_id: str, task_id: str) -> str:
    """The report page of a task in a DAG run, under the plugin's ``/mlops`` prefix."""
    parts = (quote(part, safe="") for part in (dag_id, run_id, task_id))
    return "/mlops/report/" + "/".join(parts)


class QualityReportLink(BaseOperatorLink):
    """Links a check or gate task instance to its report: decision, checks, baseline history charts."""

    name = "Quality report"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.configuration import conf

        base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
        return base + report_path(ti_key.dag_id, ti_key.run_id, ti_key.task_id)
