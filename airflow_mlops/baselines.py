"""Python API for baselines: pin, unpin, list, and record a profile from a notebook.

The same calls work in a DAG task, a notebook or a shell; the CLI (``airflow-mlops baseline ...``) and the
UI use them too.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_mlops.store import ResultsStore
    from airflow_mlops.store.models import BaselinePinRow

__all__ = ["list_pins", "pin", "record_profile", "unpin"]


def _store(url: str | None) -> ResultsStore:
    from airflow_mlops.config import get_store

    return get_store(url)


def pin(
    key: str,
    *,
    reason: str,
    label: str = "default",
    run_id: str | None = None,
    profile_id: int | None = None,
    latest: bool = False,
    user: str | None = None,
    url: str | None = None,
) -> BaselinePinRow:
    """Pin a profile of ``key`` under ``label`` (``default`` is what ``baseline="pinned"`` reads).

    Give exactly one of ``run_id`` (that DAG run's latest try), ``profile_id`` or ``latest=True``.
    """
    return _store(url).pin(
        key=key,
        label=label,
        run_id=run_id,
        profile_id=profile_id,
        latest=latest,
        reason=reason,
        user=user or getpass.getuser(),
    )


def unpin(
    key: str, *, reason: str, label: str = "default", user: str | None = None, url: str | None = None
) -> Any:
    return _store(url).unpin(key=key, label=label, reason=reason, user=user or getpass.getuser())


def list_pins(key: str | None = None, *, include_inactive: bool = False, url: str | None = None) -> list[Any]:
    return _store(url).pins(key=key, include_inactive=include_inactive)


def record_profile(
    key: str,
    *,
    data: Any = None,
    metrics: dict[str, float] | None = None,
    pin_label: str | None = None,
    reason: str = "recorded from a notebook",
    source: str = "notebook",
    user: str | None = None,
    url: str | None = None,
) -> int:
    """Profile a DataFrame (or take model metrics), store it under ``key`` and optionally pin it.

    :returns: the stored profile's id.
    """
    from airflow_mlops.exceptions import InputError
    from airflow_mlops.store import ProfileRecord

    if (data is None) == (metrics is None):
        raise InputError("record_profile needs exactly one of data= (a DataFrame) or metrics= (a dict).")
    if data is not None:
        from airflow_mlops.core.data import check_frame
        from airflow_mlops.core.profile import profile_frame

        profile = profile_frame(check_frame(data, source=f"record_profile({key!r}) data"))
        record = ProfileRecord(
            baseline_key=key,
            kind="data",
            profile=profile.to_dict(),
            row_count=profile.row_count,
            source=source,
        )
    else:
        from airflow_mlops.config import metrics_caps
        from airflow_mlops.core.metrics import MetricsProfile

        snapshot = MetricsProfile.from_value(
            metrics, source=f"record_profile({key!r}) metrics", **metrics_caps()
        )
        record = ProfileRecord(baseline_key=key, kind="metrics", profile=snapshot.to_dict(), source=source)
    store = _store(url)
    profile_id = store.add_profile(record)
    if pin_label is not None:
        store.pin(
            key=key, label=pin_label, profile_id=profile_id, reason=reason, user=user or getpass.getuser()
        )
    return profile_id
