"""Settings of the ``[mlops]`` section, read through Airflow's configuration (env: ``AIRFLOW__MLOPS__*``)."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from airflow_mlops.store import ResultsStore

if TYPE_CHECKING:
    from airflow_mlops.core.limits import CapKey
    from airflow_mlops.core.owners import OwnerRegistry

__all__ = [
    "airflow_home",
    "auto_upgrade",
    "base_url",
    "cap",
    "configured_base_url",
    "default",
    "get_store",
    "load_owner_registry",
    "metrics_caps",
    "owners_file",
    "report_url",
    "results_db_url",
    "validation_engine",
]

_stores: dict[str, ResultsStore] = {}
_lock = threading.Lock()


def _conf_get(key: str, fallback: str) -> str:
    from airflow.sdk.configuration import conf

    value = conf.get("mlops", key, fallback=fallback)
    return fallback if value is None else str(value)


def airflow_home() -> str:
    return os.path.expanduser(os.environ.get("AIRFLOW_HOME") or "~/airflow")


def default(key: str) -> str:
    """The default of ``[mlops] <key>``, read from :func:`~airflow_mlops.get_provider_info.get_provider_info`
    (what ``airflow config list --section mlops`` shows), with ``{AIRFLOW_HOME}`` expanded."""
    from airflow_mlops.get_provider_info import get_provider_info

    raw = str(get_provider_info()["config"]["mlops"]["options"][key]["default"])
    return raw.replace("{AIRFLOW_HOME}", airflow_home())


def results_db_url() -> str:
    """``[mlops] results_db_url``; empty or unset: ``sqlite:///$AIRFLOW_HOME/airflow_mlops.db``."""
    return _conf_get("results_db_url", "").strip() or default("results_db_url")


def auto_upgrade() -> bool:
    raw = _conf_get("auto_upgrade", "").strip() or default("auto_upgrade")
    return raw.lower() in ("1", "true", "yes", "on")


def get_store(url: str | None = None) -> ResultsStore:
    """The process-wide store for ``url`` (default: the configured one)."""
    url = url or results_db_url()
    with _lock:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = ResultsStore(url, auto_upgrade=auto_upgrade())
        return store


def cap(key: CapKey) -> int:
    """``[mlops] <key>``: one of the caps of :mod:`airflow_mlops.core.limits`, an integer >= 1."""
    from airflow_mlops.exceptions import InputError

    raw = _conf_get(key, "").strip() or default(key)
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise InputError(
            f"[mlops] {key}={raw!r} must be an integer >= 1 (default {default(key)}); fix it in airflow.cfg "
            f"or AIRFLOW__MLOPS__{key.upper()}."
        )
    return int(raw)


def metrics_caps() -> dict[str, int]:
    """The ``[mlops]`` caps of a metrics profile, as ``MetricsProfile.from_value`` takes them."""
    return {"max_metrics": cap("max_metrics"), "max_name_length": cap("max_metric_name_length")}


def validation_engine() -> str:
    """``[mlops] validation_engine``: ``auto`` (default), ``native`` or ``gx``; see DataValidationOperator."""
    from airflow_mlops.core.native import ENGINES
    from airflow_mlops.exceptions import InputError

    raw = _conf_get("validation_engine", "").strip()
    engine = raw.lower() or default("validation_engine")
    if engine not in ENGINES:
        raise InputError(
            f"[mlops] validation_engine={raw!r} is not allowed; use one of {', '.join(map(repr, ENGINES))} "
            f"(default {default('validation_engine')!r}); fix it in airflow.cfg or "
            "AIRFLOW__MLOPS__VALIDATION_ENGINE."
        )
    return engine


def owners_file() -> str:
    """``[mlops] owners_file``; empty or unset: ``$AIRFLOW_HOME/owners.yaml``."""
    return os.path.expanduser(_conf_get("owners_file", "").strip() or default("owners_file"))


def load_owner_registry(*, required: bool = False) -> OwnerRegistry | None:
    """The owner registry, or None when the file does not exist (and ``required`` is False)."""
    from airflow_mlops.core.owners import load_registry

    path = owners_file()
    if not os.path.exists(path) and not required:
        return None
    return load_registry(path)


def configured_base_url() -> str:
    """``[mlops] base_url``, else ``[api] base_url``, without a trailing slash; ``""`` when neither is set.

    :raises UrlError: the setting is not an http(s) URL (every alert and extra link starts with it).
    """
    from airflow.sdk.configuration import conf

    from airflow_mlops.urls import check_url

    for section, value in (
        ("mlops", _conf_get("base_url", "")),
        ("api", conf.get("api", "base_url", fallback="")),
    ):
        url = str(value or "").strip()
        if url:
            return check_url(url, where=f"[{section}] base_url").rstrip("/")
    return ""


def base_url() -> str:
    """Where the Airflow UI is reached, for links in alerts (``http://localhost:8080`` when unset)."""
    return configured_base_url() or "http://localhost:8080"


def report_url(*, dag_id: str, run_id: str, task_id: str) -> str:
    from airflow_mlops.urls import report_path

    return base_url() + report_path(dag_id, run_id, task_id)
