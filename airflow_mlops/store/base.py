"""The store's core: one engine, its sessions, the schema check, and writes retried while SQLite is locked.

Every aggregate's store (check runs, profiles and pins, baseline keys, gates, incidents, retention, the
audit trail) is a mixin of :class:`StoreBase`; :class:`~airflow_mlops.store.ResultsStore` composes them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from airflow_mlops.exceptions import StoreError, StoreUnavailableError
from airflow_mlops.store import engine as store_engine

log = logging.getLogger(__name__)

__all__ = ["StoreBase", "utcnow"]

T = TypeVar("T")
_ready_lock = threading.Lock()


def utcnow() -> datetime:
    return datetime.now(UTC)


def _is_locked(exc: BaseException) -> bool:
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


class StoreBase:
    """The engine and sessions of a results store, its schema, and the transactions every store runs in.

    :param url: SQLAlchemy URL of the store (SQLite or PostgreSQL).
    :param auto_upgrade: apply pending migrations on first use, under a cross-process lock.
    """

    def __init__(self, url: str, *, auto_upgrade: bool = True) -> None:
        self.url = url
        self.safe_url = store_engine.safe_url(url)
        self.auto_upgrade = auto_upgrade
        self.engine = store_engine.make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._ready = False

    def __repr__(self) -> str:
        return f"ResultsStore({self.safe_url!r})"

    # -- schema ---------------------------------------------------------------------------------
    def _unavailable(self, exc: BaseException) -> StoreUnavailableError:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return StoreUnavailableError(
            f"results store {self.safe_url} is unreachable: {reason}. Check that the database is up and "
            "that [mlops] results_db_url (AIRFLOW__MLOPS__RESULTS_DB_URL) points to it."
        )

    def upgrade(self, revision: str = "head") -> None:
        try:
            store_engine.upgrade(self.engine, revision)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise self._unavailable(exc) from exc
        self._ready = revision == "head"

    def current_revision(self) -> str | None:
        try:
            return store_engine.current_revision(self.engine)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise self._unavailable(exc) from exc

    def ensure_ready(self) -> None:
        """Connect, and bring the schema to head (or fail clearly if auto-upgrade is off)."""
        if self._ready:
            return
        with _ready_lock:
            if self._ready:
                return
            current = self.current_revision()
            head = store_engine.head_revision()
            if current != head:
                if not self.auto_upgrade:
                    raise StoreError(
                        f"results store {self.safe_url} is at revision {current or 'empty'}, not {head}; run "
                        "`airflow-mlops db upgrade`."
                    )
                self.upgrade()
            self._ready = True

    # -- transactions ---------------------------------------------------------------------------
    def _write(self, work: Callable[[Session], T], *, attempts: int = 6) -> T:
        self.ensure_ready()
        delay = 0.2
        for attempt in range(1, attempts + 1):
            try:
                with self._sessions.begin() as session:
                    return work(session)
            except sa.exc.IntegrityError:
                if attempt == attempts:
                    raise
            except sa.exc.OperationalError as exc:
                if not _is_locked(exc) or attempt == attempts:
                    raise self._unavailable(exc) from exc
                log.warning(
                    "results store: %s; retrying the write (attempt %d of %d)",
                    exc.orig,
                    attempt + 1,
                    attempts,
                )
            except sa.exc.InterfaceError as exc:
                raise self._unavailable(exc) from exc
            time.sleep(delay)
            delay = min(delay * 2, 3.0)
        raise AssertionError("unreachable")

    def _read(self, work: Callable[[Session], T]) -> T:
        self.ensure_ready()
        try:
            with self._sessions() as session:
                return work(session)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise self._unavailable(exc) from exc
