"""Where a task's report lives: one definition for alerts, the extra link, the API and the pages."""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["report_path"]


def report_path(dag_id: str, run_id: str, task_id: str, *, root: str = "/mlops") -> str:
    """The report page of a task in a DAG run, under the plugin's mount point ``root``."""
    return f"{root}/report/" + "/".join(quote(part, safe="") for part in (dag_id, run_id, task_id))
