"""Test set-up: an isolated Airflow home, a migrated metadata DB, a real SQLite store and a real PostgreSQL.

The environment is set before anything imports Airflow, so every test (and every DAG run) uses it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
TEST_DAGS = REPO / "tests" / "dags"
_HOME = Path(tempfile.mkdtemp(prefix="mlops-test-home-"))
PG_SERVER = os.environ.get("MLOPS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")

os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(TEST_DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__MLOPS__RESULTS_DB_URL": f"sqlite:///{_HOME / 'airflow_mlops.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "GX_ANALYTICS_ENABLED": "False",
        "MLOPS_TEST_DATA": str(_HOME / "data"),
    }
)
(_HOME / "data").mkdir(exist_ok=True)


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    return _HOME


@pytest.fixture(scope="session")
def airflow_db(airflow_home: Path) -> Path:
    """Airflow's metadata DB, migrated once per session (dag.test needs it)."""
    log = airflow_home / "db-migrate.log"
    with log.open("w") as handle:
        subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            check=True,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return airflow_home


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def _pg_admin():  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    return sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the real server; dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


@contextlib.contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the real server (its URL); dropped afterwards. For fixtures
    of a wider scope than ``pg_database``."""
    import sqlalchemy as sa

    name = f"mlops_test_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {PG_SERVER} is not reachable (start it as .ci/run does): {exc}")
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pg_database: str) -> str:
    return pg_database


# -- real delivery endpoints on loopback -------------------------------------------------------------
class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it receives.

    :param server_options: passed to aiosmtpd's SMTP server, e.g. ``tls_context``, ``require_starttls``,
        ``auth_required`` and ``authenticator`` for a server that takes only STARTTLS and a login.
    """

    def __init__(self, **server_options: Any) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                from email import message_from_bytes, policy

                # as a mail client reads it: folded headers unfolded (RFC 5322)
                raw = envelope.original_content or envelope.content
                sink.messages.append(message_from_bytes(raw, policy=policy.default))
                return "250 OK"

        from tests.helpers import free_port

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **server_options)
        self.controller.start()

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]

    def parts(self, index: int = 0) -> dict[str, str]:
        """The decoded text parts of a received message by content type (``text/plain``, ``text/html``),
        with SMTP's CRLF line ends read as newlines."""
        return {
            part.get_content_type(): part.get_payload(decode=True)
            .decode(part.get_content_charset() or "utf-8")
            .replace("\r\n", "\n")
            for part in self.messages[index].walk()
            if part.get_content_maintype() == "text"
        }

    def stop(self) -> None:
        self.controller.stop()


class WebhookSink:
    """A real HTTP server on 127.0.0.1 that records the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.posts: list[dict[str, Any]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                sink.posts.append(json.loads(self.rfile.read(length)))
                self.send_response(200)  # Slack's webhook client accepts nothing but 200
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def kinds(self) -> list[str]:
        return [p["kind"] for p in self.posts]

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture
def smtp_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    sink = SmtpSink()
    monkeypatch.setenv(
        "AIRFLOW_CONN_MLOPS_SMTP",
        f'{{"conn_type": "smtp", "host": "127.0.0.1", "port": {sink.port}, '
        '"extra": {"disable_tls": true, "disable_ssl": true, "from_email": "mlops@test.local"}}',
    )
    yield sink
    sink.stop()


@pytest.fixture
def webhook_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookSink]:
    sink = WebhookSink()
    monkeypatch.setenv("AIRFLOW_CONN_MLOPS_WEBHOOK", f'{{"conn_type": "http", "host": "{sink.url}"}}')
    yield sink
    sink.stop()


OWNERS_YAML = """
teams:
  ml-platform:
    display_name: ML Platform
    runbook_url: https://runbooks.example.com/ml-platform/data-quality
    channels:
      - {type: email, to: [ml-oncall@example.com], conn_id: mlops_smtp}
      - {type: webhook, conn_id: mlops_webhook}
    policy: {page_on: fail, renotify_after: 4h, warnings: digest}
  data-team:
    display_name: Data Team
    channels:
      - {type: email, to: [data@example.com], conn_id: mlops_smtp}
"""


@pytest.fixture
def owners_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "owners.yaml"
    path.write_text(OWNERS_YAML)
    monkeypatch.setenv("AIRFLOW__MLOPS__OWNERS_FILE", str(path))
    return path
