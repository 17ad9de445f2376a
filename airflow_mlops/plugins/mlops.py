"""The airflow-mlops Airflow plugin, registered through the ``airflow.plugins`` entry point."""

from __future__ import annotations

from functools import cached_property

from airflow.plugins_manager import AirflowPlugin

from airflow_mlops.links import QualityReportLink

__all__ = ["MlopsPlugin"]


def _fastapi_apps() -> list[dict[str, object]]:
    try:
        from airflow_mlops.plugins.api import create_app
    except ImportError:  # a worker without the api-server's dependencies: no UI to serve there
        return []
    return [{"app": create_app(), "url_prefix": "/mlops", "name": "airflow-mlops"}]


class MlopsPlugin(AirflowPlugin):
    """Registers the airflow-mlops app (JSON API and pages under ``/mlops``), a "Quality" nav entry,
    a DAG tab, a task-instance tab and the "Quality report" extra link of check and gate tasks."""

    name = "airflow_mlops"

    @cached_property
    def fastapi_apps(self) -> list[dict[str, object]]:  # type: ignore[override]
        # Built on first use, which only the api-server (and `airflow plugins`) makes: every other process
        # that loads plugins, a task's worker process included, skips importing the api-server (~0.7 s).
        return _fastapi_apps()

    operator_extra_links = [QualityReportLink()]

    external_views = [
        {
            "name": "Quality",
            "href": "/mlops/",
            "destination": "nav",
            "nav_top_level": True,
            "url_route": "mlops_overview",
        },
        {
            "name": "Quality",
            "href": "/mlops/dag/{DAG_ID}",
            "destination": "dag",
            "url_route": "mlops_dag",
        },
        {
            "name": "Models",
            "href": "/mlops/models",
            "destination": "nav",
            "nav_top_level": True,
            "url_route": "mlops_models",
        },
        {
            "name": "Models",
            "href": "/mlops/models?dag_id={DAG_ID}",
            "destination": "dag",
            "url_route": "mlops_dag_models",
        },
        {
            "name": "Quality report",
            "href": "/mlops/report/{DAG_ID}/{RUN_ID}/{TASK_ID}",
            "destination": "task_instance",
            "url_route": "mlops_report",
        },
    ]
