"""``airflow-mlops incidents``: an acknowledgement's note (a ticket id) is kept and shown by the CLI."""

from __future__ import annotations

import json

from airflow_mlops.store import ResultsStore
from tests.store.test_cli import cli
from tests.store.test_incidents import outcome


def test_ack_with_a_note_and_list_shows_it(sqlite_url: str) -> None:
    store = ResultsStore(sqlite_url)
    outcome(store, "run-1")
    [incident] = store.incidents()
    acked = cli(
        "--url", sqlite_url, "incidents", "ack", str(incident.id), "--user", "dana", "--note", "JIRA-4711"
    )
    assert acked.returncode == 0, acked.stderr
    assert "JIRA-4711" in acked.stdout and "dana" in acked.stdout
    listed = cli("--url", sqlite_url, "incidents", "list")
    assert "note" in listed.stdout.splitlines()[0] and "JIRA-4711" in listed.stdout
    [row] = json.loads(cli("--url", sqlite_url, "incidents", "list", "--json").stdout)
    assert row["note"] == "JIRA-4711" and row["acked_by"] == "dana"
