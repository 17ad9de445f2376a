"""Profiles, baseline eligibility and audited pins in the results store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from airflow_mlops.exceptions import InputError
from airflow_mlops.store import ProfileRecord, ResultsStore
from tests.store.helpers import T0, add_run, candidate_runs


def test_failed_and_errored_runs_are_never_candidates(store: ResultsStore) -> None:
    add_run(store, 1, "PASSED")
    add_run(store, 2, "FAILED")
    add_run(store, 3, "WARNED")
    add_run(store, 4, "ERRORED")
    add_run(store, 5, "NO_BASELINE")
    assert candidate_runs(store) == ["run-5", "run-3", "run-1"]
    assert candidate_runs(store, before=T0 + timedelta(days=3)) == ["run-1"]
    assert candidate_runs(store, exclude_run_id="run-5", limit=1) == ["run-3"]


def test_eligible_passed_leaves_runs_whose_comparison_warned_out(store: ResultsStore) -> None:
    add_run(store, 1, "PASSED")
    add_run(store, 2, "WARNED")
    add_run(store, 3, "NO_BASELINE")
    add_run(store, 4, "WARNED")
    assert candidate_runs(store, eligible="passed") == ["run-3", "run-1"]
    assert candidate_runs(store, eligible="warned") == ["run-4", "run-3", "run-2", "run-1"]
    # a gate WARNED on run 1 and 3 for another task's sake: their own comparisons were fine
    store.set_gate_status(dag_id="d", run_id="run-1", status="WARNED")
    store.set_gate_status(dag_id="d", run_id="run-3", status="WARNED")
    store.set_gate_status(dag_id="d", run_id="run-2", status="OVERRIDDEN")  # a person accepted it
    store.set_gate_status(dag_id="d", run_id="run-4", status="WARNED")
    assert candidate_runs(store, eligible="passed") == ["run-3", "run-2", "run-1"]
    assert candidate_runs(store, eligible="warned") == ["run-4", "run-3", "run-2", "run-1"]
    with pytest.raises(InputError, match="baseline_eligible= must be one of 'passed', 'warned'; got 'maybe'"):
        candidate_runs(store, eligible="maybe")


def test_only_the_latest_try_of_a_run_counts(store: ResultsStore) -> None:
    add_run(store, 1, "PASSED", try_number=1)
    add_run(store, 1, "FAILED", try_number=2)
    add_run(store, 2, "FAILED", try_number=1)
    add_run(store, 2, "PASSED", try_number=2)
    assert candidate_runs(store) == ["run-2"]


def test_once_a_gate_decided_only_passed_gates_count(store: ResultsStore) -> None:
    add_run(store, 1, "PASSED")
    add_run(store, 2, "PASSED")
    add_run(store, 3, "PASSED")
    store.set_gate_status(dag_id="d", run_id="run-1", status="PASSED")
    store.set_gate_status(dag_id="d", run_id="run-2", status="FAILED")
    assert candidate_runs(store) == ["run-1"]  # run-3 has no gate decision yet; run-2's gate failed
    store.set_gate_status(dag_id="d", run_id="run-3", status="OVERRIDDEN")
    assert candidate_runs(store) == ["run-3", "run-1"]


def test_pins_are_audited_and_replaced(store: ResultsStore) -> None:
    add_run(store, 1, "PASSED")
    add_run(store, 2, "PASSED")
    first = store.pin(key="k", run_id="run-1", reason="golden", user="alice")
    assert store.pinned_profile(key="k").run_id == "run-1"
    store.pin(key="k", latest=True, reason="new season", user="bob")
    assert store.pinned_profile(key="k").run_id == "run-2"
    history = store.pins(key="k", include_inactive=True)
    retired = next(p for p in history if p.id == first.id)
    assert not retired.active and retired.unpinned_by == "bob" and "new season" in retired.unpin_reason
    store.unpin(key="k", reason="bad data upstream", user="carol")
    assert store.pinned_profile(key="k") is None
    assert len(store.pins(key="k", include_inactive=True)) == 2  # nothing deleted


def test_labels_are_independent_and_profiles_without_runs_can_be_pinned(store: ResultsStore) -> None:
    profile_id = store.add_profile(
        ProfileRecord(baseline_key="k", kind="metrics", profile={"metrics": {"auc": 0.9}})
    )
    store.pin(key="k", profile_id=profile_id, label="champion", reason="v1", user="dana")
    assert store.pinned_profile(key="k", label="champion").id == profile_id
    assert store.pinned_profile(key="k") is None
    assert candidate_runs(store) == []  # notebook profiles are pins, not previous runs


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"run_id": "nope"}, "no profile of baseline key 'k' for run 'nope'"),
        ({"run_id": "run-1", "latest": True}, "exactly one of profile_id=, run_id= or latest=True"),
        ({"run_id": "run-1", "reason": " "}, "needs a reason"),
        ({"run_id": "run-1", "label": "has space"}, "must be 1-64 letters"),
    ],
)
def test_bad_pins(store: ResultsStore, kwargs, message: str) -> None:
    add_run(store, 1, "PASSED")
    kwargs = {"reason": "r", "user": "u", **kwargs}
    with pytest.raises(InputError, match=message):
        store.pin(key="k", **kwargs)


def test_unpin_without_pin(store: ResultsStore) -> None:
    with pytest.raises(InputError, match="has no active pin labelled 'champion'"):
        store.unpin(key="k", label="champion", reason="r", user="u")
