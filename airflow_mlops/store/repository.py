"""The one repository class through which every layer reads and writes the results store.

:class:`ResultsStore` is a facade: each aggregate has its own module and store class, all built on one
engine, session and retry core (:mod:`airflow_mlops.store.base`):

- :mod:`~airflow_mlops.store.check_runs`: check runs and their results;
- :mod:`~airflow_mlops.store.profiles`: profiles, baseline candidates and pins;
- :mod:`~airflow_mlops.store.baseline_keys`: who may write a key, and what its learned bands train on;
- :mod:`~airflow_mlops.store.gates`: gate decisions and overrides;
- :mod:`~airflow_mlops.store.incidents`: incidents and the notification outbox (applying
  :func:`airflow_mlops.core.incidents.plan_gate_outcome`);
- :mod:`~airflow_mlops.store.audit`: the append-only audit trail;
- :mod:`~airflow_mlops.store.retention`: ``db prune``.
"""

from __future__ import annotations

from airflow_mlops.store.audit import AUDIT_ACTIONS, AuditStore
from airflow_mlops.store.baseline_keys import BaselineKeyStore
from airflow_mlops.store.check_runs import CheckRunStore
from airflow_mlops.store.gates import GateStore
from airflow_mlops.store.incidents import GateOutcome, IncidentStore
from airflow_mlops.store.profiles import ProfileStore
from airflow_mlops.store.records import CheckRunRecord, ProfileRecord
from airflow_mlops.store.retention import RetentionStore

__all__ = ["AUDIT_ACTIONS", "CheckRunRecord", "GateOutcome", "ProfileRecord", "ResultsStore"]


class ResultsStore(
    CheckRunStore,
    ProfileStore,
    BaselineKeyStore,
    GateStore,
    IncidentStore,
    AuditStore,
    RetentionStore,
):
    """Reads and writes check runs and their results, profiles and pins, gate decisions, incidents and
    notifications, and the audit trail.

    :param url: SQLAlchemy URL of the store (SQLite or PostgreSQL).
    :param auto_upgrade: apply pending migrations on first use, under a cross-process lock.
    """
