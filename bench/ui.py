"""Benchmark: latency of the /mlops pages and API with a large results store, on SQLite and PostgreSQL.

The store is filled with ``--check-runs`` check runs (default 100,000: 500 DAGs x 67 daily runs x two
check tasks and a gate; 4 results per check task, so ~270,000 result rows, each comparison result with its
band) and ``--incidents`` incidents (default 10,000, a third of them open, over 20 owners), written with
bulk inserts. Airflow's metadata DB (a temporary ``AIRFLOW_HOME``, SQLite) gets the 500 DAGs, so that
the auth manager's per-DAG filtering runs for real.

Every request goes through Airflow's real api-server app (``airflow.api_fastapi.app.create_app``, the
plugin mounted under ``/mlops``, SimpleAuthManager with a JWT bearer token) in-process with FastAPI's
TestClient: no network, but routing, authentication, DAG authorization, the store queries and the
rendering all run. Each endpoint is warmed up twice, then requested ``--requests`` times; p50 and p95
are printed. Target: p95 <= 150 ms for the overview, triage and report endpoints on both databases.
This is a benchmark that prints figures, not a test. Run:
``.venv/bin/python bench/ui.py [--check-runs N] [--incidents N] [--requests N] [--skip-postgres]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HOME = Path(tempfile.mkdtemp(prefix="mlops-bench-ui-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(HOME),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(HOME / "dags"),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "oncall:op",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
)
PG_SERVER = os.environ.get("MLOPS_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
TARGET_MS = 150.0
DAGS, RUNS_PER_DAG_DEFAULT, OWNERS = 500, 67, 20
CHECKS = ("row_count", "null_rate(alcohol)", "mean(color_intensity)", "drift_psi(color_intensity)")


def fill_store(url: str, check_runs: int, incidents: int) -> dict[str, str]:
    """Bulk-insert the synthetic history; returns one (dag, run) whose report is requested."""
    import sqlalchemy as sa

    from airflow_mlops.store import ResultsStore
    from airflow_mlops.store.models import CheckResultRow, CheckRunRow, IncidentRow

    store = ResultsStore(url)
    store.ensure_ready()
    runs_per_dag = max(1, check_runs // (DAGS * 3))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    run_rows: list[dict[str, Any]] = []
    next_id = 1
    result_rows: list[dict[str, Any]] = []
    for d in range(DAGS):
        dag_id = f"bench_dag_{d:04d}"
        owner = f"team-{d % OWNERS:02d}"
        for r in range(runs_per_dag):
            when = start + timedelta(days=r)
            run_id = f"scheduled__{when:%Y-%m-%dT%H:%M:%S}+00:00"
            failed = (d + r) % 17 == 0
            for task_id, kind in (("compare", "comparison"), ("validate", "validation"), ("gate", "gate")):
                status = "FAILED" if failed and kind != "validation" else "PASSED"
                run_rows.append(
                    {
                        "id": next_id, "dag_id": dag_id, "task_id": task_id, "run_id": run_id, "map_index": -1,
                        "try_number": 1, "logical_date": when, "run_after": when, "kind": kind, "status": status,
                        "owner": owner if kind == "gate" else None, "started_at": when, "finished_at": when,
                        "duration_s": 1.0, "message": f"{kind} {status}",
                        "summary": {"upstream": ["compare", "validate"], "reasons": []} if kind == "gate" else {},
                    }
                )  # fmt: skip
                if kind == "comparison":
                    base = 2000.0
                    for p, name in enumerate(CHECKS):
                        observed = base * (1.6 if failed else 1.0 + 0.01 * (r % 5))
                        result_rows.append(
                            {
                                "check_run_id": next_id, "position": p, "name": name, "check_type": "Bench",
                                "status": status, "severity": "fail", "observed": observed, "baseline": base,
                                "statistic": abs(observed - base) / base, "threshold": {"warn": 0.2, "fail": 0.5},
                                "details": {"band": {"warn": [base * 0.8, base * 1.2], "fail": [base * 0.5, base * 1.5]}},
                                "message": "",
                            }
                        )  # fmt: skip
                elif kind == "validation":
                    result_rows.append(
                        {
                            "check_run_id": next_id, "position": 0, "name": "expect_column_values_to_not_be_null(alcohol)",
                            "check_type": "expect_column_values_to_not_be_null", "status": "PASSED", "severity": "fail",
                            "observed": {"unexpected_count": 0}, "expected": {"column": "alcohol"}, "message": "",
                        }
                    )  # fmt: skip
                next_id += 1
    incident_rows = [
        {
            "fingerprint": uuid.uuid4().hex, "dag_id": f"bench_dag_{i % DAGS:04d}", "gate_task_id": "gate",
            "owner": f"team-{i % OWNERS:02d}", "status": "open" if i % 3 == 0 else "resolved", "severity": "fail",
            "failing_checks": ["compare: mean(color_intensity)"], "first_seen": start + timedelta(hours=i),
            "last_seen": start + timedelta(hours=i + 5), "count": 1 + i % 4, "first_run_id": "r", "last_run_id": "r",
            "digest_pending": False,
        }
        for i in range(incidents)
    ]  # fmt: skip
    columns = ("check_run_id", "position", "name", "check_type", "status", "severity", "observed", "expected",
               "baseline", "statistic", "threshold", "details", "message")  # fmt: skip
    result_rows = [{c: row.get(c) for c in columns} for row in result_rows]  # executemany: same keys
    with store.engine.begin() as conn:
        for table, rows in (
            (CheckRunRow.__table__, run_rows),
            (CheckResultRow.__table__, result_rows),
            (IncidentRow.__table__, incident_rows),
        ):
            for chunk in range(0, len(rows), 5000):
                conn.execute(sa.insert(table), rows[chunk : chunk + 5000])
    # what autovacuum (PostgreSQL) or a periodic ANALYZE does on a live store: fresh statistics
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if store.engine.dialect.name == "postgresql" else "ANALYZE"))
    store.engine.dispose()
    print(
        f"  {len(run_rows):,} check runs, {len(result_rows):,} results, {len(incident_rows):,} incidents",
        flush=True,
    )
    last = run_rows[-1]
    return {"dag_id": last["dag_id"], "run_id": last["run_id"]}


def register_dags() -> None:
    """The 500 DAGs in Airflow's metadata DB, so that the auth manager has DAGs to authorize."""
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.utils.session import create_session

    with create_session() as session:
        session.add(DagBundleModel(name="bench"))
        session.flush()
        for d in range(DAGS):
            session.add(
                DagModel(dag_id=f"bench_dag_{d:04d}", bundle_name="bench", fileloc="/dev/null", max_active_tasks=16,
                         max_active_runs=16, max_consecutive_failed_dag_runs=0, has_task_concurrency_limits=False)
            )  # fmt: skip


def measure(url: str, sample: dict[str, str], requests: int) -> dict[str, tuple[float, float]]:
    from airflow.api_fastapi.app import create_app, get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    os.environ["AIRFLOW__MLOPS__RESULTS_DB_URL"] = url  # the store the app reads (one per URL)
    client = TestClient(create_app())
    jwt = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="oncall", role="op"))
    headers = {"Authorization": f"Bearer {jwt}"}
    dag, run = sample["dag_id"], sample["run_id"]
    endpoints = {
        "overview  GET /api/v1/gates": "/mlops/api/v1/gates",
        "overview  GET / (page)": "/mlops/",
        "overview  GET /?status=FAILED": "/mlops/?status=FAILED",
        "triage    GET /api/v1/incidents": "/mlops/api/v1/incidents",
        "triage    GET /triage (page)": "/mlops/triage",
        "report    GET /api/v1/reports/...": f"/mlops/api/v1/reports/{dag}/{run}/gate",
        "report    GET /report/... (page)": f"/mlops/report/{dag}/{run}/gate",
        "DAG tab   GET /dag/{dag_id} (page)": f"/mlops/dag/{dag}",
    }
    figures: dict[str, tuple[float, float]] = {}
    for label, path in endpoints.items():
        for _ in range(2):
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}: {response.text[:300]}")
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(path, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        figures[label] = (statistics.median(times), times[max(0, int(round(0.95 * len(times))) - 1)])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-runs", type=int, default=DAGS * RUNS_PER_DAG_DEFAULT * 3)
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print(
        f"/mlops latency with {args.check_runs:,} check runs and {args.incidents:,} incidents; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        flush=True,
    )
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
    register_dags()
    targets = [("SQLite", f"sqlite:///{HOME / 'store.db'}")]
    database = f"mlops_bench_ui_{uuid.uuid4().hex[:8]}"
    if not args.skip_postgres:
        import sqlalchemy as sa

        admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
        targets.append(("PostgreSQL", f"{PG_SERVER}/{database}"))
    results: dict[str, dict[str, tuple[float, float]]] = {}
    try:
        for name, url in targets:
            print(f"filling the {name} store ...", flush=True)
            started = time.perf_counter()
            sample = fill_store(url, args.check_runs, args.incidents)
            print(
                f"  done in {time.perf_counter() - started:.1f} s; timing {args.requests} requests each",
                flush=True,
            )
            results[name] = measure(url, sample, args.requests)
    finally:
        if not args.skip_postgres:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    print()
    names = list(results)
    print(f"{'endpoint':<38}" + "".join(f"{n + ' p50 ms':>18}{n + ' p95 ms':>18}" for n in names))
    worst = 0.0
    for label in next(iter(results.values())):
        row = f"{label:<38}"
        for n in names:
            p50, p95 = results[n][label]
            worst = max(worst, p95)
            row += f"{p50:>18.1f}{p95:>18.1f}"
        print(row)
    met = "met" if worst <= TARGET_MS else "NOT met"
    print(f"\nworst p95: {worst:.1f} ms; target p95 <= {TARGET_MS:.0f} ms: {met}")


if __name__ == "__main__":
    main()
