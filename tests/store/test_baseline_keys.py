"""Baseline keys in the results store (SQLite and PostgreSQL): who may write a key, handing it over
(audited), and the exclusion windows and expected runs its learned bands train on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from airflow_mlops.exceptions import InputError
from airflow_mlops.store import CheckRunRecord, ProfileRecord, ResultsStore
from tests.store.helpers import T0, candidate_runs


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
