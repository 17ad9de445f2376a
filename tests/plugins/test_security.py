"""HTTP hardening of the /mlops app in Airflow's real api-server application (SimpleAuthManager):
security headers, the pages' static script, the login redirect of browsers, and links drawn from data.

The browser half (the CSP really stops a ``javascript:`` link; the redirect brings the user back after
logging in) is in tests/plugins/test_browser.py.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.plugins import test_api
from tests.plugins.test_api import report_path, token

client = test_api.client  # the same fixtures: Airflow's app with SimpleAuthManager, a failed gate's run
failed_gate = test_api.failed_gate

pytestmark = [pytest.mark.dagrun, pytest.mark.usefixtures("airflow_db")]

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}  # what Chromium sends
HOSTILE = "javascript:fetch('/mlops/api/v1/incidents/2/resolve',{method:'POST',body:'{}'})"
LONG = "https://wiki.example.com/runbooks/ml-platform?" + "&".join(f"step{i}=x" for i in range(150))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A fresh results store per test, on SQLite and on the real PostgreSQL (the app reads the same one)."""
    from airflow_mlops.config import get_store

    sqlite = f"sqlite:///{tmp_path / 'store.db'}"
    url = sqlite if request.param == "sqlite" else request.getfixturevalue("pg_url")
    monkeypatch.setenv("AIRFLOW__MLOPS__RESULTS_DB_URL", url)
    return get_store(url)


def test_pages_run_no_inline_script_and_nothing_is_sniffed(client) -> None:
    from airflow_mlops.plugins.pages import ASSETS
    from airflow_mlops.plugins.security import CONTENT_SECURITY_POLICY

    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    for path in ("/mlops/", "/mlops/triage", "/mlops/baselines"):
        page = client.get(path, headers=token("viewer"))
        assert page.status_code == 200, path
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert page.headers["x-content-type-options"] == "nosniff", path
        # our own script and style come from the app: no inline script, style or event handler at all
        assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/mlops/static/mlops.js">'], path
        assert "<style" not in page.text and not re.search(r"\son\w+\s*=", page.text), path
    for path in ("/mlops/api/v1/gates", "/mlops/api/v1/incidents/999/ack"):
        answer = client.get(path, headers=token("viewer"))
        assert answer.headers["x-content-type-options"] == "nosniff", path
    assert client.get("/mlops/api/v1/gates").headers["x-content-type-options"] == "nosniff"  # a 401 too
    for name, (media_type, content) in ASSETS.items():
        asset = client.get(f"/mlops/static/{name}", headers=token("viewer"))
        assert (
            asset.status_code == 200
            and asset.text == content
            and asset.headers["content-type"].startswith(media_type)
        )
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert client.get(f"/mlops/static/{name}").status_code == 401  # behind the same authentication
    assert client.get("/mlops/static/nope.js", headers=token("viewer")).status_code == 404


def test_unauthenticated_browsers_are_sent_to_the_login_and_back_the_api_keeps_401(client) -> None:
    target = "/mlops/triage?owner=ml-platform"
    redirect = client.get(target, headers=HTML, follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["location"] == f"/auth/login?next={quote(target, safe='')}"
    expired = client.get(target, headers=HTML, cookies={"_token": "not-a-token"}, follow_redirects=False)
    assert expired.status_code == 403  # an invalid token is refused, as Airflow does, not redirected
    for path, headers in (
        ("/mlops/api/v1/gates", HTML),  # the JSON API, even when a browser asks
        ("/mlops/triage", {"Accept": "application/json"}),  # a page, asked by a script
        ("/mlops/static/mlops.js", HTML),
    ):
        answer = client.get(path, headers=headers, follow_redirects=False)
        assert answer.status_code == 401 and answer.json() == {"detail": "Not authenticated"}, path


@pytest.mark.parametrize(("runbook", "link"), [(HOSTILE, False), (LONG, True)], ids=["javascript", "long"])
def test_a_stored_runbook_is_linked_only_when_http_and_always_whole(
    client, store, failed_gate, runbook, link
) -> None:
    """The URL is written straight into the store, as a row from before these checks could hold it."""
    [incident] = store.incidents()
    gate = store.latest_check_run(dag_id=failed_gate.dag_id, task_id="gate", run_id=failed_gate.run_id)
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE mlops_incident SET runbook_url = :u WHERE id = :i"),
            {"u": runbook, "i": incident.id},
        )
    store.annotate_check_run(gate.id, summary={"runbook_url": runbook})  # fmt: skip
    viewer = token("viewer")
    pages = [
        client.get(p, headers=viewer).text
        for p in (report_path(failed_gate), "/mlops/triage", f"/mlops/dag/{failed_gate.dag_id}")
    ]
    incidents = client.get("/mlops/api/v1/incidents", headers=viewer).json()["incidents"]
    report = client.get(report_path(failed_gate, prefix="/mlops/api/v1/reports"), headers=viewer).json()
    if link:
        href = f'href="{runbook.replace("&", "&amp;")}"'
        assert all(href in page for page in pages)
        assert incidents[0]["runbook_url"] == runbook and report["runbook_url"] == runbook
    else:
        assert not any("javascript:" in page for page in pages)
        assert incidents[0]["runbook_url"] is None and report["runbook_url"] is None
