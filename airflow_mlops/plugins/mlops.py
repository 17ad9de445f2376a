"""The airflow-mlops Airflow plugin, registered through the ``airflow.plugins`` entry point."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

__all__ = ["MlopsPlugin"]


class MlopsPlugin(AirflowPlugin):
    """Registers airflow-mlops with Airflow. The UI (FastAPI app, views, links) is added here as it lands."""

    name = "airflow_mlops"
