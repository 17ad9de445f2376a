"""Profiles, baseline eligibility and audited pins in the results store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from airflow_mlops.exceptions import InputError
from airflow_mlops.store import CheckRunRecord, ProfileRecord, ResultsStore

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, sqlite_url: str) -> ResultsStore:
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    return ResultsStore(url)


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


# -- who may write a key (issue 19.3) ---------------------------------------------------------------------


def write_as(store: ResultsStore, dag_id: str, day: int, *, key: str = "k") -> int:
    """A comparison task of ``dag_id`` recording its profile under ``key``."""
    run_after = T0 + timedelta(days=day)
    record = CheckRunRecord(
        dag_id=dag_id, task_id="compare", run_id=f"{dag_id}-{day}", try_number=1, kind="comparison",
        status="PASSED", run_after=run_after, started_at=run_after, finished_at=run_after, baseline_key=key,
    )  # fmt: skip
    return store.record_check_run(
        record, [], profile=ProfileRecord(baseline_key=key, kind="data", profile={})
    )


def test_a_key_belongs_to_the_dag_that_first_wrote_it(store: ResultsStore) -> None:
    from airflow_mlops.exceptions import BaselineKeyError

    write_as(store, "owner", 1)
    refused = (
        r"baseline_key 'k' belongs to DAG 'owner' \(its first writer\); DAG 'intruder' may not record "
        r"profiles under it\..*share_baseline_with=\['intruder'\]"
    )
    with pytest.raises(BaselineKeyError, match=refused):
        write_as(store, "intruder", 2)
    with pytest.raises(BaselineKeyError, match=refused):  # the operator claims before it profiles
        store.claim_baseline_key(key="k", dag_id="intruder")
    assert [p.dag_id for p in store.profiles(key="k")] == ["owner"]  # nothing of the intruder's was kept
    assert candidate_runs(store) == ["owner-1"]

    owner = store.claim_baseline_key(key="k", dag_id="owner", share_with=["intruder"])  # the owner shares
    assert (owner.owner_dag_id, owner.shared_with) == ("owner", ["intruder"])
    write_as(store, "intruder", 3)
    assert candidate_runs(store) == ["intruder-3", "owner-1"]
    assert store.claim_baseline_key(key="k", dag_id="owner").shared_with == ["intruder"]  # None: unchanged
    # only the owner's declaration counts: a DAG it shares with cannot share further
    shared = store.claim_baseline_key(key="k", dag_id="intruder", share_with=["third"])
    assert shared.shared_with == ["intruder"]
    store.claim_baseline_key(key="k", dag_id="owner", share_with=[])  # and the owner takes it back
    with pytest.raises(BaselineKeyError):
        write_as(store, "intruder", 4)


def test_profiles_no_dag_wrote_do_not_claim_a_key(store: ResultsStore) -> None:
    """A notebook's profile (record_profile, a contract) is written with store access, not by a DAG: the
    first DAG to write the key owns it; the notebook may still add profiles to it."""
    store.add_profile(ProfileRecord(baseline_key="k", kind="data", profile={}))
    assert store.baseline_key_owner("k") is None
    write_as(store, "owner", 1)
    store.add_profile(ProfileRecord(baseline_key="k", kind="data", profile={}))
    assert store.baseline_key_owner("k").owner_dag_id == "owner"


def test_an_admin_hands_a_key_to_another_dag_audited(store: ResultsStore) -> None:
    write_as(store, "squatter", 1)
    with pytest.raises(InputError, match="needs a reason"):
        store.set_baseline_key_owner(key="k", dag_id="rightful", user="admin", reason=" ")
    store.set_baseline_key_owner(key="k", dag_id="rightful", user="admin", reason="squatted by mistake")
    write_as(store, "rightful", 2)
    with pytest.raises(InputError, match="belongs to DAG 'rightful'"):
        write_as(store, "squatter", 3)
    [event] = store.audit_events(baseline_key="k")
    assert (event.action, event.actor, event.dag_id) == ("own", "admin", "rightful")
    assert event.note == "squatted by mistake"
    assert event.details == {"previous_owner": "squatter"}


def add_day(store: ResultsStore, day: int, status: str, rows: int) -> None:
    when = T0 + timedelta(days=day)
    record = CheckRunRecord(
        dag_id="d", task_id="compare", run_id=f"run-{day}", try_number=1, kind="comparison", status=status,
        run_after=when, started_at=when, finished_at=when, baseline_key="bands",
    )  # fmt: skip
    profile = ProfileRecord(
        baseline_key="bands", kind="data", profile={"row_count": rows, "columns": []}, row_count=rows
    )
    store.record_check_run(record, [], profile=profile)


def test_exclusion_windows_and_expected_runs_shape_what_bands_learn_from(store: ResultsStore) -> None:
    from airflow_mlops.checks import Anomaly
    from airflow_mlops.operators import BaselineComparisonOperator

    for day, (status, rows) in enumerate(
        [("PASSED", 100), ("PASSED", 102), ("FAILED", 500), ("PASSED", 98), ("PASSED", 101)]
    ):
        add_day(store, day, status, rows)
    op = BaselineComparisonOperator(
        task_id="compare", data="x.csv", checks=[Anomaly("row_count", fail=5)], baseline_key="bands"
    )

    def trained() -> list[int]:
        history, _ = op._learning_inputs(
            store, key="bands", kind="data", run_id="today", run_after=T0 + timedelta(days=9)
        )
        return sorted(profile.row_count for _, profile in history)

    assert trained() == [98, 100, 101, 102]  # the failed day never trains
    store.exclude_from_training(
        key="bands",
        starts_at=T0 + timedelta(days=1),
        ends_at=T0 + timedelta(days=2),
        reason="holiday",
        user="dana",
    )
    assert trained() == [98, 100, 101]  # day 1 is in [day 1, day 2)
    store.mark_expected(key="bands", run_id="run-2", reason="the launch: expected", user="erin")
    assert trained() == [98, 100, 101, 500]
    events = store.audit_events(baseline_key="bands")
    assert [(e.action, e.actor, e.note) for e in events] == [
        ("expected", "erin", "the launch: expected"),
        ("exclude", "dana", "holiday"),
    ]
    with pytest.raises(InputError, match="must end after it starts"):
        store.exclude_from_training(key="bands", starts_at=T0, ends_at=T0, reason="x", user="dana")
    with pytest.raises(InputError, match="no profile of baseline key 'bands' for run 'nope'"):
        store.mark_expected(key="bands", run_id="nope", reason="x", user="erin")
    with pytest.raises(InputError, match="needs a reason"):
        store.mark_expected(key="bands", run_id="run-2", reason=" ", user="erin")
