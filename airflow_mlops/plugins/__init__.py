"""The Airflow plugin of airflow-mlops: see :mod:`airflow_mlops.plugins.mlops`."""

__all__: list[str] = []
