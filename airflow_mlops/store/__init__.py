"""The results store: check runs, results, profiles, baselines, gate decisions and incidents."""

from __future__ import annotations

from airflow_mlops.store.repository import CheckRunRecord, ProfileRecord, ResultsStore

__all__ = ["CheckRunRecord", "ProfileRecord", "ResultsStore"]
