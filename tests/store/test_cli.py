"""The airflow-mlops console script, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from airflow_mlops.store.engine import head_revision


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "airflow_mlops.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_db_upgrade_then_current_then_runs_list(sqlite_url: str) -> None:
    upgraded = cli("--url", sqlite_url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"empty -> {head_revision()}" in upgraded.stdout
    current = cli("--url", sqlite_url, "db", "current")
    assert current.returncode == 0 and f"revision {head_revision()}" in current.stdout
    listed = cli("--url", sqlite_url, "runs", "list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == []


def test_unreachable_store_is_a_clear_error() -> None:
    result = cli("--url", "postgresql+psycopg://postgres@127.0.0.1:1/x", "db", "upgrade")
    assert result.returncode == 2
    assert "is unreachable" in result.stderr and "Traceback" not in result.stderr


def test_baseline_pin_list_unpin_round_trip(sqlite_url: str) -> None:
    from airflow_mlops.store import ProfileRecord, ResultsStore

    store = ResultsStore(sqlite_url)
    profile = ProfileRecord(baseline_key="wine", kind="data", profile={"row_count": 178}, row_count=178)
    profile_id = store.add_profile(profile)
    pinned = cli(
        "--url", sqlite_url, "baseline", "pin", "--key", "wine", "--profile-id", str(profile_id),
        "--label", "champion", "--reason", "accepted by the DS team", "--user", "dana", "--json",
    )  # fmt: skip
    assert pinned.returncode == 0, pinned.stderr
    listed = json.loads(cli("--url", sqlite_url, "baseline", "list", "--key", "wine", "--json").stdout)
    assert [(p["label"], p["pinned_by"], p["reason"]) for p in listed] == [
        ("champion", "dana", "accepted by the DS team")
    ]
    unpinned = cli(
        "--url", sqlite_url, "baseline", "unpin", "--key", "wine", "--label", "champion",
        "--reason", "retrained", "--user", "erin",
    )  # fmt: skip
    assert unpinned.returncode == 0 and "Traceback" not in unpinned.stderr, unpinned.stderr
    assert json.loads(cli("--url", sqlite_url, "baseline", "list", "--key", "wine", "--json").stdout) == []
    again = cli(
        "--url", sqlite_url, "baseline", "unpin", "--key", "wine", "--label", "champion", "--reason", "x"
    )
    assert again.returncode == 2 and "has no active pin labelled 'champion'" in again.stderr
