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
