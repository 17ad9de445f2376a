"""``airflow-mlops db prune``: old rows go, pinned baselines, the newest profile of each key, open
incidents and what they reference stay. On a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from airflow_mlops.core.results import CheckResult, Status
from airflow_mlops.store import CheckRunRecord, ProfileRecord, ResultsStore
from airflow_mlops.store.models import CheckResultRow, CheckRunRow, IncidentRow, NotificationRow, ProfileRow

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=100)


def run(store: ResultsStore, run_id: str, when: datetime, *, key: str | None = "orders") -> int:
    record = CheckRunRecord(dag_id="d", task_id="compare", run_id=run_id, try_number=1, kind="comparison",
                            status="PASSED", run_after=when, started_at=when, finished_at=when)  # fmt: skip
    profile = (
        ProfileRecord(baseline_key=key, kind="metrics", profile={"kind": "metrics", "metrics": {"auc": 0.9}})
        if key
        else None
    )
    return store.record_check_run(
        record,
        [CheckResult(name="auc", check_type="MetricRegression", status=Status.PASSED)],
        profile=profile,
    )


def incident(store: ResultsStore, *, status: str, last_check_run_id: int, fingerprint: str) -> int:
    with store.engine.begin() as conn:
        incident_id = conn.execute(
            sa.insert(IncidentRow).returning(IncidentRow.id),
            {"fingerprint": fingerprint, "dag_id": "d", "gate_task_id": "gate", "owner": "t", "status": status,
             "severity": "fail", "failing_checks": [], "first_seen": OLD, "last_seen": OLD, "count": 1,
             "first_run_id": "r", "last_run_id": "r", "last_check_run_id": last_check_run_id,
             "digest_pending": False},
        ).scalar_one()  # fmt: skip
        conn.execute(sa.insert(NotificationRow), {"incident_id": incident_id, "owner": "t", "kind": "new", "run_id": "r",
                                                   "channel": "email:x", "status": "sent", "attempts": 1, "subject": "s", "payload": {},
                                                   "created_at": OLD})  # fmt: skip
    return incident_id


def count(store: ResultsStore, model) -> int:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())


def test_prune_keeps_what_the_store_still_needs(url: str) -> None:
    store = ResultsStore(url)
    pinned = run(store, "old-pinned", OLD)
    store.pin(key="orders", run_id="old-pinned", label="golden", user="u", reason="reviewed")
    plain = run(store, "old-plain", OLD)
    referenced = run(store, "old-referenced", OLD, key=None)
    gone_with_incident = run(store, "old-resolved", OLD, key=None)
    newest_of_quiet_key = run(store, "old-only", OLD, key="quiet")
    fresh = run(store, "fresh", NOW - timedelta(days=1))
    open_incident = incident(store, status="open", last_check_run_id=referenced, fingerprint="a")
    resolved = incident(store, status="resolved", last_check_run_id=gone_with_incident, fingerprint="b")

    assert store.prune(older_than=NOW - timedelta(days=90), dry_run=True) == {
        "check_runs": 2, "check_results": 2, "profiles": 1, "incidents": 1, "overrides": 0}  # fmt: skip
    assert count(store, CheckRunRow) == 6  # a dry run deletes nothing
    counts = store.prune(older_than=NOW - timedelta(days=90))
    assert (counts["check_runs"], counts["profiles"], counts["incidents"]) == (2, 1, 1)

    with store.engine.connect() as conn:
        runs = set(conn.execute(sa.select(CheckRunRow.id)).scalars())
        profile_runs = set(conn.execute(sa.select(ProfileRow.check_run_id)).scalars())
        incidents = set(conn.execute(sa.select(IncidentRow.id)).scalars())
        notified = set(conn.execute(sa.select(NotificationRow.incident_id)).scalars())
        orphans = conn.execute(
            sa.select(sa.func.count())
            .select_from(CheckResultRow)
            .where(CheckResultRow.check_run_id.not_in(runs))
        ).scalar_one()
    assert runs == {pinned, referenced, newest_of_quiet_key, fresh}
    assert plain not in runs and gone_with_incident not in runs
    assert profile_runs == {pinned, newest_of_quiet_key, fresh}  # the pinned one and the newest per key
    assert incidents == notified == {open_incident} and resolved not in incidents
    assert orphans == 0  # results went with their runs
    assert store.pinned_profile(key="orders", label="golden") is not None
    assert [c.run_id for c in store.baseline_candidates(key="quiet", kind="metrics")] == ["old-only"]
    assert store.prune(older_than=NOW - timedelta(days=90))["check_runs"] == 0  # idempotent


def test_the_cli_prunes_and_refuses_a_bad_age(sqlite_url: str) -> None:
    store = ResultsStore(sqlite_url)
    run(store, "old-a", OLD, key="k")
    run(store, "old-b", OLD, key="k")
    cli = [sys.executable, "-m", "airflow_mlops.cli", "--url", sqlite_url, "db", "prune"]
    dry = subprocess.run(
        [*cli, "--older-than", "30d", "--dry-run"], capture_output=True, text=True, timeout=120
    )
    assert dry.returncode == 0 and "would delete 1 check runs" in dry.stdout, dry.stderr
    done = subprocess.run([*cli, "--older-than", "30d"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "deleted 1 check runs" in done.stdout
    bad = subprocess.run([*cli, "--older-than", "soon"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--older-than='soon' is not a duration" in bad.stderr
