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


def test_backtest_replays_a_recorded_check_under_other_thresholds(sqlite_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from airflow_mlops.core.results import CheckResult, Status
    from airflow_mlops.store import CheckRunRecord, ResultsStore

    store = ResultsStore(sqlite_url)
    start = datetime.now(UTC) - timedelta(days=10)
    for i, (rows, status) in enumerate(
        [(1000, "PASSED"), (1250, "WARNED"), (990, "PASSED"), (400, "FAILED"), (1010, "PASSED")]
    ):
        when = start + timedelta(days=i)
        record = CheckRunRecord(
            dag_id="orders", task_id="compare", run_id=f"day-{i}", try_number=1, kind="comparison", status=status,
            run_after=when, started_at=when, finished_at=when, baseline_key="orders.compare",
        )  # fmt: skip
        result = CheckResult(
            name="row_count", check_type="RowCount", status=Status(status), observed=rows,
            statistic=abs(rows - 1000) / 1000,
        )  # fmt: skip
        store.record_check_run(record, [result])
    replay = cli(
        "--url", sqlite_url, "backtest", "--key", "orders.compare", "--check", "row_count",
        "--warn", "0.3", "--fail", "0.5", "--json",
    )  # fmt: skip
    assert replay.returncode == 0, replay.stderr
    report = json.loads(replay.stdout)
    assert [d["replayed"] for d in report["days"]] == ["PASSED", "PASSED", "PASSED", "FAILED", "PASSED"]
    assert report["recorded"]["incidents"] == 2 and report["replayed"]["incidents"] == 1
    text = cli(
        "--url", sqlite_url, "backtest", "--key", "orders.compare", "--check", "row_count", "--warn", "0.1"
    )
    assert "recorded: 5 days, 1 warned, 1 failed, 0 errored, 2 incidents" in text.stdout
    assert "replayed: 5 days, 2 warned, 0 failed, 0 errored, 2 incidents" in text.stdout
    band = cli(
        "--url",
        sqlite_url,
        "backtest",
        "--key",
        "orders.compare",
        "--check",
        "row_count",
        "--band",
        "--fail",
        "5",
        "--min-history",
        "2",
        "--json",
    )
    assert [d["replayed"] for d in json.loads(band.stdout)["days"]][:2] == ["NO_BASELINE", "NO_BASELINE"]
    unknown = cli("--url", sqlite_url, "backtest", "--key", "nope", "--check", "row_count", "--warn", "1")
    assert (
        unknown.returncode == 2
        and "no recorded results of check 'row_count' for baseline key 'nope'" in unknown.stderr
    )
    no_threshold = cli("--url", sqlite_url, "backtest", "--key", "orders.compare", "--check", "row_count")
    assert no_threshold.returncode == 2 and "give warn=, fail= or both" in no_threshold.stderr


def test_exclude_and_expected_from_the_cli_are_audited(sqlite_url: str) -> None:
    from airflow_mlops.store import ProfileRecord, ResultsStore

    store = ResultsStore(sqlite_url)
    store.add_profile(
        ProfileRecord(
            baseline_key="orders", kind="data", profile={"row_count": 1, "columns": []}, row_count=1
        )
    )
    profile = store.profiles(key="orders")[0]
    excluded = cli(
        "--url", sqlite_url, "baseline", "exclude", "--key", "orders", "--from", "2026-12-24", "--to", "2026-12-27",
        "--reason", "Christmas", "--user", "dana",
    )  # fmt: skip
    assert excluded.returncode == 0, excluded.stderr
    assert "no longer train its learned bands" in excluded.stdout
    bad = cli(
        "--url",
        sqlite_url,
        "baseline",
        "exclude",
        "--key",
        "orders",
        "--from",
        "soon",
        "--to",
        "later",
        "--reason",
        "x",
    )
    assert bad.returncode == 2 and "--from/--to must be ISO dates" in bad.stderr
    missing = cli(
        "--url", sqlite_url, "baseline", "expected", "--key", "orders", "--run-id", "nope", "--reason", "x"
    )
    assert missing.returncode == 2 and "no profile of baseline key 'orders' for run 'nope'" in missing.stderr
    windows, expected = store.training_rules(key="orders")
    assert [(a.date().isoformat(), b.date().isoformat()) for a, b in windows] == [
        ("2026-12-24", "2026-12-27")
    ]
    assert expected == set() and profile.run_id is None


def test_report_prints_the_gate_report_failing_checks_first(sqlite_url: str) -> None:
    from datetime import UTC, datetime

    from airflow_mlops.core.results import CheckResult, Status
    from airflow_mlops.store import CheckRunRecord, ResultsStore

    store = ResultsStore(sqlite_url)
    when = datetime(2026, 11, 5, 6, tzinfo=UTC)
    record = CheckRunRecord(
        dag_id="penguins", task_id="validate", run_id="scheduled__2026-11-05", try_number=1, kind="validation",
        status="FAILED", logical_date=when, run_after=when, started_at=when, finished_at=when, owner="seabird-data",
    )  # fmt: skip
    results = [
        CheckResult(name="expect_column_values_to_not_be_null(sex)", check_type="gx", status=Status.PASSED),
        CheckResult(
            name="expect_column_values_to_be_between(flipper_length_mm)", check_type="gx", status=Status.FAILED,
            observed={"unexpected_count": 3}, expected={"min_value": 150, "max_value": 250},
            message="3 unexpected values", details={"sample_unexpected": [999, 999, -1]},
        ),
    ]  # fmt: skip
    store.record_check_run(record, results)
    text = cli("--url", sqlite_url, "report", "--dag", "penguins", "--date", "2026-11-05")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert (
        lines[0] == "FAILED  penguins.validate  data 2026-11-05" and lines[1] == "run scheduled__2026-11-05"
    )
    assert "owner seabird-data" in lines
    failing = lines.index("FAILED      validate / expect_column_values_to_be_between(flipper_length_mm)")
    assert failing < lines.index("PASSED      validate / expect_column_values_to_not_be_null(sex)")
    assert (
        "sample [999, 999, -1]" in lines[failing + 1]
        and "expected min_value: 150, max_value: 250" in lines[failing + 1]
    )
    as_json = json.loads(
        cli("--url", sqlite_url, "report", "--run-id", "scheduled__2026-11-05", "--json").stdout
    )
    assert as_json["logical_date"] == "2026-11-05T06:00:00+00:00" and as_json["status"] == "FAILED"
    nothing = cli("--url", sqlite_url, "report", "--dag", "penguins", "--date", "2026-11-06")
    assert (
        nothing.returncode == 2
        and "no airflow-mlops result for DAG 'penguins' on 2026-11-06" in nothing.stderr
    )
    assert (
        "--date='5 Nov' is not a date"
        in cli("--url", sqlite_url, "report", "--dag", "p", "--date", "5 Nov").stderr
    )
    assert "report needs --run-id, or --dag with --date" in cli("--url", sqlite_url, "report").stderr


def test_report_names_the_baseline_and_shows_the_evidence(sqlite_url: str) -> None:
    """A comparison's report says what it was compared with (the run's date, status, rows) and why, and
    a failed drift check's evidence: quantiles side by side."""
    from datetime import UTC, datetime

    from airflow_mlops.core.results import CheckResult, Status
    from airflow_mlops.store import CheckRunRecord, ProfileRecord, ResultsStore

    store = ResultsStore(sqlite_url)
    day = datetime(2026, 11, 4, 6, tzinfo=UTC)
    previous = CheckRunRecord(
        dag_id="penguins", task_id="compare", run_id="scheduled__2026-11-04", try_number=1, kind="comparison",
        status="PASSED", logical_date=day, run_after=day, started_at=day, finished_at=day,
    )  # fmt: skip
    profile = ProfileRecord(
        baseline_key="penguins.compare", kind="data", profile={"row_count": 344, "columns": []}, row_count=344
    )
    store.record_check_run(previous, [], profile=profile)
    [profile_id] = [p.id for p in store.profiles(key="penguins.compare")]
    when = datetime(2026, 11, 5, 6, tzinfo=UTC)
    why = "the latest earlier run (scheduled__2026-11-04) whose checks or gate passed (warned runs left out)"
    record = CheckRunRecord(
        dag_id="penguins", task_id="compare", run_id="scheduled__2026-11-05", try_number=1, kind="comparison",
        status="FAILED", logical_date=when, run_after=when, started_at=when, finished_at=when, owner="seabird-data",
        baseline_key="penguins.compare",
        summary={"baseline": {"key": "penguins.compare", "policy": "previous_success", "why": why,
                              "profile_ids": [profile_id], "run_ids": ["scheduled__2026-11-04"]}},
    )  # fmt: skip
    stats = {"min": 172.0, "p25": 190.0, "median": 197.0, "p75": 213.0, "max": 231.0}
    evidence = {"kind": "numeric", "stats": {"baseline": stats, "current": {**stats, "median": 230.25}}}
    results = [
        CheckResult(name="drift_ks(flipper_length_mm)", check_type="Drift", status=Status.FAILED, statistic=0.4123,
                    threshold={"warn": 0.1, "fail": 0.2}, details={"evidence": evidence}),
    ]  # fmt: skip
    store.record_check_run(record, results)
    lines = cli("--url", sqlite_url, "report", "--run-id", "scheduled__2026-11-05").stdout.splitlines()
    assert f"compare compared with previous_success of penguins.compare: {why}" in lines
    assert "  2026-11-04  scheduled__2026-11-04  PASSED, 344 rows" in lines
    failing = lines.index("FAILED      compare / drift_ks(flipper_length_mm)")
    assert "expected warn 0.1 · fail 0.2" in lines[failing + 1] and "statistic 0.412" in lines[failing + 1]
    assert "baseline min 172, p25 190, median 197, p75 213, max 231" in lines[failing + 2]
    assert "current  min 172, p25 190, median 230, p75 213, max 231" in lines[failing + 3]


def test_baseline_keys_and_a_wrong_key_names_the_nearest(sqlite_url: str) -> None:
    from airflow_mlops.store import ProfileRecord, ResultsStore

    store = ResultsStore(sqlite_url)
    for key in ("orders.daily", "orders.hourly", "wine.model"):
        store.add_profile(
            ProfileRecord(baseline_key=key, kind="data", profile={"row_count": 1, "columns": []}, row_count=1)
        )
    listed = json.loads(cli("--url", sqlite_url, "baseline", "keys", "--json").stdout)
    assert [k["key"] for k in listed] == ["orders.daily", "orders.hourly", "wine.model"]
    assert listed[0]["profiles"] == 1 and listed[0]["pins"] == ""
    wrong = cli("--url", sqlite_url, "baseline", "list", "--key", "orders.dayly", "--profiles")
    assert wrong.returncode == 2
    assert "baseline key 'orders.dayly' has no profiles; known keys near it: orders.daily" in wrong.stderr
