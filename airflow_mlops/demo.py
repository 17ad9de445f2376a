"""``make demo``: run the example DAGs for real on the embedded defaults and print what was recorded.

Runs ``example_wine_validation`` for a clean day and a corrupted day with ``dag.test`` (a real DAG run
on the Airflow home inside the repo, SQLite everywhere), then prints the recorded results.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from pathlib import Path

__all__ = ["main"]

DAYS = [("2026-11-01", None), ("2026-11-02", "corrupt")]


def _load_dag(dags_folder: Path, module: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(module, dags_folder / f"{module}.py")
    assert spec is not None and spec.loader is not None
    namespace = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(namespace)
    return namespace.dag


def main() -> int:
    import pendulum

    from airflow_mlops.config import get_store, results_db_url
    from airflow_mlops.core.results import json_safe

    dags_folder = Path(os.environ.get("AIRFLOW__CORE__DAGS_FOLDER", "dags")).resolve()
    dag = _load_dag(dags_folder, "example_wine_validation")
    logging.getLogger("airflow").setLevel(logging.WARNING)
    store = get_store()
    print(f"results store: {store.safe_url}")
    summary = []
    for day, fault in DAYS:
        dag_run = dag.test(logical_date=pendulum.parse(day), run_conf={"fault": fault})
        row = store.latest_check_run(dag_id=dag.dag_id, task_id="validate_wine", run_id=dag_run.run_id)
        summary.append((day, fault or "clean", dag_run.state, row))

    print("\n=== airflow-mlops demo: recorded results ===")
    for day, label, state, row in summary:
        status = row.status if row is not None else "NOT RECORDED"
        print(f"\n{day} ({label}): DAG run {state}, validation {status}  [{results_db_url()}]")
        if row is None:
            continue
        print(f"  {row.message}")
        for result in row.results:
            sample = (result.details or {}).get("sample_unexpected")
            extra = f"  sample: {json_safe(sample[:5])}" if sample and result.status != "PASSED" else ""
            print(f"  {result.status:8} {result.name}{extra}")
    failed = [d for d, _, _, row in summary if row is None]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
