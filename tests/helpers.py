"""Helpers for tests that run real DAGs."""

from __future__ import annotations

from typing import Any


def run_dag(dag: Any, **conf: Any) -> Any:
    """Run ``dag`` once for real with ``dag.test`` and return the DagRun."""
    return dag.test(run_conf=conf or None)


def task_states(dag_run: Any) -> dict[str, str]:
    from airflow.utils.session import create_session

    with create_session() as session:
        return {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances(session=session)}


def xcom(dag_run: Any, task_id: str, key: str = "return_value") -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(
            XComModel.get_many(run_id=dag_run.run_id, dag_ids=dag_run.dag_id, task_ids=task_id, key=key)
        ).first()
        return None if row is None else XComModel.deserialize_value(row)


def load_wine() -> Any:
    """scikit-learn's bundled wine data set (no download), as a DataFrame."""
    from sklearn.datasets import load_wine as _load

    frame = _load(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "class_0", 1: "class_1", 2: "class_2"})
    return frame
