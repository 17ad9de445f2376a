"""The airflow-mlops Airflow plugin, registered through the ``airflow.plugins`` entry point."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

__all__ = ["MlopsPlugin"]


def _fastapi_apps() -> list[dict[str, object]]:
    try:
        from airflow_mlops.plugins.api import create_app
    except ImportError:  # a worker without the api-server's dependencies: no UI to serve there
        return []
    return [{"app": create_app(), "url_prefix": "/mlops", "name": "airflow-mlops"}]


class MlopsPlugin(AirflowPlugin):
    """Registers the airflow-mlops app (JSON API and gate report pages under ``/mlops``) and a tab on
    task instances that shows the gate report."""

    name = "airflow_mlops"
    fastapi_apps = _fastapi_apps()
    external_views = [
        {
            "name": "Quality gate report",
            "href": "/mlops/report/{DAG_ID}/{RUN_ID}/{TASK_ID}",
            "destination": "task_instance",
            "url_route": "mlops_gate_report",
        }
    ]
