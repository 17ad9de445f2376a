"""Result types, status aggregation and summaries: pure, no Airflow."""

from __future__ import annotations

import json
import math

import pytest

from airflow_mlops.core.results import (
    MAX_LISTED,
    CheckResult,
    Severity,
    Status,
    aggregate_status,
    format_results_table,
    json_safe,
    summarize,
)


def result(name: str, status: Status, **kwargs) -> CheckResult:  # type: ignore[no-untyped-def]
    return CheckResult(name=name, check_type="t", status=status, **kwargs)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([Status.PASSED, Status.PASSED], Status.PASSED),
        ([Status.PASSED, Status.INFO], Status.PASSED),
        ([Status.PASSED, Status.WARNED, Status.INFO], Status.WARNED),
        ([Status.WARNED, Status.FAILED], Status.FAILED),
        ([Status.FAILED, Status.ERRORED, Status.PASSED], Status.ERRORED),
        ([Status.NO_BASELINE, Status.PASSED], Status.NO_BASELINE),
        ([], Status.ERRORED),
    ],
)
def test_worst_status_wins_and_nothing_checked_is_errored(statuses, expected) -> None:
    assert aggregate_status(statuses) is expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("critical", Severity.FAIL),
        ("warning", Severity.WARN),
        ("info", Severity.INFO),
        ("WARN", Severity.WARN),
    ],
)
def test_gx_severity_names_map_to_ours(given: str, expected: Severity) -> None:
    assert Severity.parse(given) is expected


def test_unknown_severity_names_argument_and_choices() -> None:
    with pytest.raises(
        ValueError, match=r"severity='fatal' is not a severity; use one of 'fail', 'warn', 'info'"
    ):
        Severity.parse("fatal")


def test_unsuccessful_status_follows_severity() -> None:
    assert Severity.FAIL.status_when_unsuccessful() is Status.FAILED
    assert Severity.WARN.status_when_unsuccessful() is Status.WARNED
    assert Severity.INFO.status_when_unsuccessful() is Status.INFO


def test_json_safe_handles_numpy_nan_inf_and_long_strings() -> None:
    import numpy as np

    value = {"a": np.float64("nan"), "b": np.int64(3), "c": [math.inf, -math.inf], "d": "x" * 500, 1: {2}}
    safe = json_safe(value)
    assert safe == {"a": "NaN", "b": 3, "c": ["inf", "-inf"], "d": "x" * 199 + "…", "1": [2]}
    json.dumps(safe)


def test_json_safe_keeps_urls_whole_or_drops_them_never_cuts_them() -> None:
    from airflow_mlops.urls import MAX_URL_LENGTH

    long = "https://wiki.example.com/" + "r" * 1500
    too_long = "https://wiki.example.com/" + "r" * MAX_URL_LENGTH
    safe = json_safe({"runbook_url": long, "report_url": too_long, "note": long, "nested": {"x_url": long}})
    assert safe["runbook_url"] == long and safe["nested"]["x_url"] == long  # a cut URL is a broken link
    assert safe["report_url"] is None  # longer than any URL we accept: not a link at all
    assert safe["note"] == long[:199] + "…"  # other strings are still trimmed


def test_summary_is_compact_and_lists_at_most_ten_failures() -> None:
    results = [result(f"c{i}", Status.FAILED, observed="v" * 500) for i in range(25)]
    results.append(result("ok", Status.PASSED))
    summary = summarize(
        status=Status.FAILED,
        kind="validation",
        results=results,
        dag_id="d",
        task_id="t",
        run_id="r",
        try_number=1,
        check_run_id=7,
        owner="team",
    )
    assert summary["counts"] == {"FAILED": 25, "PASSED": 1}
    assert len(summary["failing"]) == MAX_LISTED
    assert len(json.dumps(summary)) < 3000  # XCom-friendly whatever the size of the run


def test_results_table_puts_worst_first() -> None:
    table = format_results_table([result("fine", Status.PASSED), result("broken", Status.FAILED, observed=3)])
    lines = table.splitlines()
    assert lines[0].split() == ["status", "check", "column", "observed", "expected"]
    assert lines[2].startswith("FAILED") and "broken" in lines[2]
    assert lines[3].startswith("PASSED")


def test_the_headline_says_checks_without_a_baseline_were_not_compared() -> None:
    from airflow_mlops.core.results import headline

    def result(name: str, status: Status) -> CheckResult:
        return CheckResult(name=name, check_type="RowCount", status=status)

    no_baseline = [result(f"c{i}", Status.NO_BASELINE) for i in range(9)]
    assert headline(no_baseline, baseline_key="penguins.compare") == (
        "no baseline yet for 'penguins.compare': profile recorded, 9 checks not compared"
    )  # it read "all 9 checks passed" (issue 15 §5)
    mixed = [result("anomaly_row_count", Status.PASSED), *no_baseline[:2]]
    assert headline(mixed) == "1 check passed; no baseline yet: profile recorded, 2 checks not compared"
    assert headline([result("a", Status.PASSED)] * 3) == "all 3 checks passed"
    failed = headline([result("a", Status.PASSED), result("row_count", Status.FAILED)])
    assert failed == "1 of 2 checks did not pass: row_count FAILED: observed None"
