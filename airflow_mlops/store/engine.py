"""Engines and migrations of the results store (no Airflow import: the URL is passed in)."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from airflow_mlops.exceptions import StoreUnavailableError

__all__ = [
    "MIGRATIONS_DIR",
    "VERSION_TABLE",
    "current_revision",
    "head_revision",
    "make_engine",
    "safe_url",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "mlops_alembic_version"
_ADVISORY_LOCK_KEY = 0x6D6C6F7073  # "mlops"


def safe_url(url: str | sa.URL) -> str:
    """The URL with its password hidden, for messages and logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparsable URL>"


def make_engine(url: str) -> sa.Engine:
    """An engine for the store. SQLite gets WAL, a 30 s busy timeout and foreign keys."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise StoreUnavailableError(
            f"[mlops] results_db_url={url!r} is not a SQLAlchemy URL; use e.g. "
            "sqlite:////path/airflow_mlops.db or postgresql+psycopg://user@host/db."
        ) from None
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is what we install
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if _uri_mode(parsed):
            raise StoreUnavailableError(
                f"results store {safe_url(parsed)}: SQLite URI mode (a 'file:' database or uri=true) is not "
                "supported: the store migrates its schema, keeps a lock file next to the database and writes "
                "in WAL mode, so it needs a plain, writable file path such as "
                "sqlite:////path/airflow_mlops.db; point [mlops] results_db_url at one."
            )
        if (
            database
            and database != ":memory:"
            and not os.path.isdir(os.path.dirname(os.path.abspath(database)))
        ):
            raise StoreUnavailableError(
                f"results store {safe_url(parsed)}: directory '{os.path.dirname(database)}' does not exist; "
                "create it or change [mlops] results_db_url."
            )
        engine = sa.create_engine(parsed, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(parsed, pool_pre_ping=True, connect_args=_connect_args(parsed))


def _uri_mode(url: sa.URL) -> bool:
    """SQLite's URI filenames (``sqlite:///file:x.db?mode=ro&uri=true``): a path of another syntax."""
    uri = str(url.query.get("uri", "")).strip().lower()
    return uri in ("1", "true", "yes", "on") or (url.database or "").startswith("file:")


def _connect_args(url: sa.URL) -> dict[str, object]:
    if url.get_backend_name() == "postgresql":
        return {"connect_timeout": 10}
    return {}


def _alembic_config(connection: sa.Connection):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("version_table", VERSION_TABLE)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with _quiet_alembic(), engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


@contextlib.contextmanager
def _migration_lock(engine: sa.Engine) -> Iterator[sa.Connection]:
    """Hold a lock across processes while migrating: advisory lock on PostgreSQL, a lock file on SQLite."""
    backend = engine.url.get_backend_name()
    if backend == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        lock_path = f"{engine.url.database}.migrate.lock"
        with open(lock_path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                with engine.connect() as conn:
                    yield conn
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engine.connect() as conn:
        if backend == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
            conn.commit()
        try:
            yield conn
        finally:
            if backend == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_LOCK_KEY})
                conn.commit()


@contextlib.contextmanager
def _quiet_alembic() -> Iterator[None]:
    """Alembic logs each step at INFO; in task logs and CLI output one line from us is enough."""
    logger = logging.getLogger("alembic")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` under a cross-process lock. Upgrades never drop data."""
    from alembic import command

    with _quiet_alembic(), _migration_lock(engine) as conn:
        command.upgrade(_alembic_config(conn), revision)
        conn.commit()
