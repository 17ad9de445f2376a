"""Triggers of airflow-mlops (run in Airflow's triggerer)."""

from airflow_mlops.triggers.gate import QualityGateTrigger

__all__ = ["QualityGateTrigger"]
