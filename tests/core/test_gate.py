"""The gate decision: worst status wins, missing results fail closed, skipped checks only when allowed."""

from __future__ import annotations

from airflow_mlops.core.gate import UpstreamCheck, decide
from airflow_mlops.core.results import Severity, Status


def _result(name: str, status: Status, severity: str = "fail", **extra) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {"name": name, "status": status.value, "severity": severity, **extra}


def _check(task_id: str, status: Status | None, *results: dict, **kwargs) -> UpstreamCheck:  # type: ignore[no-untyped-def,type-arg]
    return UpstreamCheck(task_id=task_id, status=status, results=results, **kwargs)


def test_all_passed_passes() -> None:
    decision = decide([_check("a", Status.PASSED, _result("x", Status.PASSED))])
    assert decision.status is Status.PASSED and decision.severity is None
    assert decision.headline == "all upstream checks passed" and decision.failing == []


def test_a_failure_beats_warnings_and_lists_both() -> None:
    decision = decide(
        [
            _check("a", Status.WARNED, _result("nulls", Status.WARNED, "warn")),
            _check(
                "b",
                Status.FAILED,
                _result("rows", Status.FAILED, observed=10, expected=">= 1000", message="volume dropped"),
            ),
        ]
    )
    assert decision.status is Status.FAILED and decision.severity is Severity.FAIL
    assert [(f.task_id, f.check) for f in decision.failing] == [("b", "rows"), ("a", "nulls")]
    assert decision.failing[0].observed == 10 and decision.reasons == ["b: rows FAILED: volume dropped"]


def test_warnings_only_warn_and_a_warn_severity_missing_baseline_warns() -> None:
    decision = decide(
        [
            _check("a", Status.NO_BASELINE, _result("drift", Status.NO_BASELINE, "warn")),
            _check("b", Status.PASSED),
        ]
    )
    assert decision.status is Status.WARNED and decision.severity is Severity.WARN
    assert decision.reasons == ["a: drift WARNED"]


def test_no_result_fails_closed_naming_the_task_and_its_state() -> None:
    decision = decide([_check("validate", None, task_state="upstream_failed"), _check("b", Status.PASSED)])
    assert decision.status is Status.FAILED
    assert decision.reasons == [
        "validate: no recorded result (task upstream_failed); the check did not run to completion"
    ]
    assert decision.failing[0].check == "no_result"


def test_mapped_checks_are_labelled_with_their_index() -> None:
    decision = decide([UpstreamCheck(task_id="validate", map_index=3, status=None)])
    assert decision.failing[0].task_id == "validate[3]"


def test_skipped_checks_fail_unless_ignored_but_other_missing_results_still_fail() -> None:
    skipped = _check("a", None, task_state="skipped")
    assert decide([skipped]).status is Status.FAILED
    assert decide([skipped, _check("b", Status.PASSED)], ignore_skipped=True).status is Status.PASSED
    crashed = _check("c", None, task_state="failed")
    assert decide([skipped, crashed], ignore_skipped=True).status is Status.FAILED


def test_an_errored_run_without_check_rows_fails_with_its_message() -> None:
    decision = decide([_check("a", Status.ERRORED, message="file missing")])
    assert decision.status is Status.FAILED
    assert decision.failing[0].check == "run" and decision.reasons == ["a: ERRORED: file missing"]


def test_info_severity_failures_do_not_block() -> None:
    decision = decide([_check("a", Status.PASSED, _result("x", Status.INFO, "info"))])
    assert decision.status is Status.PASSED


def test_nothing_to_decide_on_fails_closed() -> None:
    decision = decide([])
    assert decision.status is Status.FAILED and "no upstream check" in decision.reasons[0]


def test_headline_is_bounded() -> None:
    decision = decide([_check(f"t{i}", None) for i in range(20)])
    assert decision.headline.endswith("more)") and len(decision.headline) < 2000
