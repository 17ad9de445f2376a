"""ResultsStore is one facade over the stores of each aggregate: every method callers use is on it, under
the same name, and each lives in exactly one module."""

from __future__ import annotations

import inspect

from airflow_mlops.store import CheckRunRecord, ProfileRecord, ResultsStore
from airflow_mlops.store.base import StoreBase

#: the public methods of ResultsStore before it was split into one module per aggregate (issue 18.3)
PUBLIC_METHODS = {
    "active_override", "add_audit_event", "add_notification", "add_override", "add_profile",
    "annotate_check_run", "apply_gate_outcome", "audit_events", "baseline_candidates", "baseline_key_owner",
    "baseline_key_owners", "baseline_keys", "check_history", "check_results", "check_runs",
    "check_runs_by_id", "check_series", "claim_baseline_key", "clear_digest", "current_revision",
    "ensure_ready", "exclude_from_training", "gate_lookup", "incident", "incidents", "key_dag_ids",
    "latest_check_run", "latest_gate_decisions", "latest_task_runs", "mark_expected", "mark_notification",
    "notifications", "overrides", "pin", "pinned_profile", "pins", "profiles", "profiles_by_id",
    "profiles_of_runs", "prune", "record_check_run", "recorded_teams", "report_audit", "result_counts",
    "set_baseline_key_owner", "set_gate_status", "training_rules", "unpin", "update_incident", "upgrade",
}  # fmt: skip


def test_the_facade_keeps_every_public_method_and_each_is_defined_once() -> None:
    public = {
        name for name, _ in inspect.getmembers(ResultsStore, inspect.isfunction) if not name.startswith("_")
    }
    assert public == PUBLIC_METHODS
    stores = [cls for cls in ResultsStore.__mro__ if issubclass(cls, StoreBase) and cls is not ResultsStore]
    for name in PUBLIC_METHODS:
        owners = [cls.__name__ for cls in stores if name in vars(cls)]
        assert len(owners) == 1, (name, owners)


def test_the_records_are_importable_from_the_package() -> None:
    assert CheckRunRecord.__module__ == ProfileRecord.__module__ == "airflow_mlops.store.records"
    assert repr(ResultsStore("sqlite://")) == "ResultsStore('sqlite://')"
