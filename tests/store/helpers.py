"""Records the store tests write: a comparison's run with its profile, and the baseline candidates read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow_mlops.store import CheckRunRecord, ProfileRecord, ResultsStore

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def add_run(store: ResultsStore, day: int, status: str, *, try_number: int = 1, key: str = "k") -> int:
    run_after = T0 + timedelta(days=day)
    record = CheckRunRecord(
        dag_id="d",
        task_id="compare",
        run_id=f"run-{day}",
        try_number=try_number,
        kind="comparison",
        status=status,
        run_after=run_after,
        started_at=run_after,
        finished_at=run_after,
        baseline_key=key,
    )
    profile = ProfileRecord(baseline_key=key, kind="data", profile={"row_count": day}, row_count=day)
    return store.record_check_run(record, [], profile=profile)


def candidate_runs(store: ResultsStore, **kwargs) -> list[str | None]:  # type: ignore[no-untyped-def]
    return [
        p.run_id
        for p in store.baseline_candidates(key="k", kind="data", limit=kwargs.pop("limit", 5), **kwargs)
    ]
