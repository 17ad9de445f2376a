"""``airflow-mlops models``: the board as text and JSON, promotion and rollback (audited pins), on a real
SQLite store filled as comparison runs fill it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.store.test_cli import cli

KEY = "wine.model"


def _record(store, day: int, accuracy: float, *, gate: str) -> str:  # type: ignore[no-untyped-def]
    from airflow_mlops.store import CheckRunRecord, ProfileRecord

    when = datetime(2026, 11, 1, 6, tzinfo=UTC) + timedelta(days=day)
    run_id = f"scheduled__2026-11-0{day + 1}"
    summary = {"primary_metric": {"name": "accuracy", "higher_is_better": True}}
    for task_id, kind, status in (("compare", "comparison", gate), ("gate", "gate", gate)):
        record = CheckRunRecord(
            dag_id="wine", task_id=task_id, run_id=run_id, try_number=1, kind=kind, status=status,
            logical_date=when, run_after=when, started_at=when, finished_at=when,
            message="compare: metric_regression(accuracy) FAILED" if status == "FAILED" else "",
            baseline_key=KEY if kind == "comparison" else None, summary=summary if kind == "comparison" else None,
        )  # fmt: skip
        profile = ProfileRecord(
            baseline_key=KEY,
            kind="metrics",
            profile={"kind": "metrics", "metrics": {"accuracy": accuracy, "f1": 0.9}},
        )
        store.record_check_run(record, [], profile=profile if kind == "comparison" else None)
    store.set_gate_status(dag_id="wine", run_id=run_id, status=gate)
    return run_id


def test_models_board_promote_and_rollback(sqlite_url: str) -> None:
    from airflow_mlops.store import ResultsStore

    store = ResultsStore(sqlite_url)
    first = _record(store, 0, 0.91, gate="PASSED")
    store.pin(key=KEY, label="champion", run_id=first, user="gate", reason="promoted: gate passed")
    better = _record(store, 1, 0.95, gate="PASSED")
    _record(store, 2, 0.70, gate="FAILED")

    text = cli("--url", sqlite_url, "models", "board", "--key", KEY)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "model wine.model: ranked by accuracy (higher is better)"
    rows = [line for line in lines if line[:1].isdigit()]
    assert rows[0].startswith("1     0.91") and rows[0].endswith("CHAMPION")
    assert rows[1].startswith("2     0.95") and rows[1].endswith("beats the champion")
    assert (
        rows[2].startswith("3     0.7")
        and "gate failed: compare: metric_regression(accuracy) FAILED" in rows[2]
    )
    assert "velocity:" in lines[-1] and "3 candidates, 1 promotions" in lines[-1]

    promoted = cli("--url", sqlite_url, "models", "promote", "--key", KEY, "--run-id", better,
                   "--reason", "best accuracy", "--user", "dana")  # fmt: skip
    assert promoted.returncode == 0, promoted.stderr
    assert "champion of wine.model is now profile" in promoted.stdout and "asset event" in promoted.stdout
    board = json.loads(cli("--url", sqlite_url, "models", "board", "--key", KEY, "--json").stdout)
    assert board["rows"][0]["run_id"] == better and board["promotions"][-1]["by"] == "dana"
    rolled = cli(
        "--url", sqlite_url, "models", "rollback", "--key", KEY, "--reason", "latency", "--user", "dana"
    )
    assert rolled.returncode == 0, rolled.stderr
    assert store.pinned_profile(key=KEY, label="champion").run_id == first
    assert [e.action for e in store.audit_events(baseline_key=KEY)][:2] == ["pin", "pin"]

    other = cli("--url", sqlite_url, "models", "board", "--key", KEY, "--metric", "f1", "--lower-is-better")
    assert "ranked by f1 (lower is better)" in other.stdout
    wrong = cli("--url", sqlite_url, "models", "board", "--key", "wine.modle")
    assert (
        wrong.returncode == 2
        and "model key 'wine.modle' holds no metrics; the keys with model metrics: wine.model" in wrong.stderr
    )
    nothing = cli("--url", sqlite_url, "models", "board", "--key", KEY, "--metric", "auc")
    assert nothing.returncode == 2 and "no candidate has the primary metric 'auc'" in nothing.stderr
