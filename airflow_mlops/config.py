"""Settings of the ``[mlops]`` section, read through Airflow's configuration (env: ``AIRFLOW__MLOPS__*``)."""

from __future__ import annotations

import os
import threading

from airflow_mlops.store import ResultsStore

__all__ = ["get_store", "results_db_url"]

_stores: dict[str, ResultsStore] = {}
_lock = threading.Lock()


def _conf_get(key: str, fallback: str) -> str:
    from airflow.sdk.configuration import conf

    value = conf.get("mlops", key, fallback=fallback)
    return fallback if value is None else str(value)


def airflow_home() -> str:
    return os.path.expanduser(os.environ.get("AIRFLOW_HOME") or "~/airflow")


def results_db_url() -> str:
    """``[mlops] results_db_url``, defaulting to ``sqlite:///$AIRFLOW_HOME/airflow_mlops.db``."""
    url = _conf_get("results_db_url", "").strip()
    return url or f"sqlite:///{os.path.join(airflow_home(), 'airflow_mlops.db')}"


def auto_upgrade() -> bool:
    return _conf_get("auto_upgrade", "True").strip().lower() in ("1", "true", "yes", "on")


def get_store(url: str | None = None) -> ResultsStore:
    """The process-wide store for ``url`` (default: the configured one)."""
    url = url or results_db_url()
    with _lock:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = ResultsStore(url, auto_upgrade=auto_upgrade())
        return store
