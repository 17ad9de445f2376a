"""The "Quality report" extra link on every check and gate task: it opens the task's report page."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from airflow.sdk import BaseOperatorLink

from airflow_mlops.urls import report_path

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey

__all__ = ["QualityReportLink"]

log = logging.getLogger(__name__)


class QualityReportLink(BaseOperatorLink):
    """Links a check or gate task instance to its report: decision, checks, baseline history charts."""

    name = "Quality report"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow_mlops.config import configured_base_url
        from airflow_mlops.urls import UrlError

        path = report_path(ti_key.dag_id, ti_key.run_id, ti_key.task_id)
        try:  # the alerts' base URL when one is configured; else a path on the UI's own host
            return configured_base_url() + path
        except UrlError as exc:
            log.warning("Quality report link: %s", exc)
            return path
