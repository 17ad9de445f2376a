"""The on-call flow in a real headless Chromium against a real ``airflow api-server`` with the plugin.

The store is filled by real DAG runs (three clean days and a drifted one), the user logs in through
SimpleAuthManager's own login page, opens the "Quality" nav entry, the DAG tab and the
task-instance tab, acknowledges the incident from the Triage page and sees its state change, and a
hostile owner name never runs script. A second test: an unauthenticated browser is sent to the login and
brought back to the page it asked for, a ``javascript:`` runbook in the store is never a link, and the
pages' Content-Security-Policy stops one injected past everything else. One api-server serves the module.
Screenshots go to ``MLOPS_SCREENSHOTS`` (default: the test's temporary directory);
``MLOPS_SCREENSHOTS=docs/images`` refreshes the ones in the docs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.helpers import free_port, run_dag, wait_for_api_server

pytestmark = [pytest.mark.dagrun, pytest.mark.browser, pytest.mark.usefixtures("airflow_db")]

CHROMIUM = os.environ.get("MLOPS_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery staple"
XSS_OWNER = '<img src=x onerror="window.__xss=1">'


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('browser-store') / 'store.db'}"


@pytest.fixture
def store(store_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The module's one results store, which its one api-server reads (each test uses DAGs of its own)."""
    from airflow_mlops.config import get_store

    monkeypatch.setenv("AIRFLOW__MLOPS__RESULTS_DB_URL", store_url)
    return get_store(store_url)


@pytest.fixture(scope="module")
def api_server(store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``airflow api-server`` (one worker) on a free loopback port, sharing the store and the
    metadata DB with the DAG runs of the tests; users ``oncall`` (op) and ``viewer`` (viewer)."""

    tmp_path = tmp_path_factory.mktemp("api-server")
    passwords = tmp_path / "passwords.json"
    passwords.write_text(json.dumps({"oncall": PASSWORD, "viewer": PASSWORD}))
    port = free_port()
    env = {
        **os.environ,
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "oncall:op,viewer:viewer",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__CORE__MULTI_TEAM": "False",
        "AIRFLOW__MLOPS__RESULTS_DB_URL": store_url,
    }
    log = (tmp_path / "api-server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow", "api-server", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_api_server(base, process=process, log=tmp_path / "api-server.log")
        yield base
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` (.ci/run does)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            yield instance
        finally:
            instance.close()


def log_in(page) -> None:  # type: ignore[no-untyped-def]
    """Fill SimpleAuthManager's own login page (where the browser is now) as ``oncall``."""
    page.locator("input[name=username]").fill("oncall")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url, timeout=60_000)


def test_on_call_flow_in_a_real_browser(store, alerting, api_server, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    from airflow_mlops.store import CheckRunRecord
    from tests.dags import ui_dags

    shots = Path(os.environ.get("MLOPS_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    for seed in (1, 2, 3):
        run_dag(ui_dags.ui_dag, seed=seed)
    drifted = run_dag(ui_dags.ui_dag, seed=4, fault="shifted")
    [incident] = store.incidents(dag_id="mlops_test_ui")

    page = browser.new_page(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # log in through SimpleAuthManager's own page
    page.goto(api_server + "/")
    log_in(page)

    # the nav entry
    page.get_by_role("link", name="Quality", exact=True).first.click()
    page.wait_for_url("**/plugin/mlops_overview", timeout=60_000)
    frame = page.frame_locator("iframe").first
    expect(frame.locator("h1")).to_have_text("Quality gates", timeout=60_000)
    expect(frame.locator("table").first).to_contain_text("mlops_test_ui")
    expect(frame.locator("table").first).to_contain_text("FAILED")
    page.screenshot(path=str(shots / "overview.png"), full_page=True)

    # the DAG tab
    page.goto(f"{api_server}/dags/mlops_test_ui/plugin/mlops_dag")
    frame = page.frame_locator("iframe").first
    expect(frame.locator("h1")).to_have_text("Quality of mlops_test_ui", timeout=60_000)
    expect(frame.locator("body")).to_contain_text("Open incidents")
    frame.get_by_role("link", name="Triage of this DAG").click()  # filtered to the DAG
    expect(frame.locator("h1")).to_have_text("Triage of DAG mlops_test_ui", timeout=60_000)
    expect(frame.locator(f'tr[data-incident="{incident.id}"]')).to_be_visible()

    # the task-instance tab of the gate: decision, checks, history charts with the baseline band
    run = quote(drifted.run_id, safe="")
    page.goto(f"{api_server}/dags/mlops_test_ui/runs/{run}/tasks/gate/plugin/mlops_report")
    frame = page.frame_locator("iframe").first
    expect(frame.locator("h1")).to_contain_text("Quality gate mlops_test_ui.gate", timeout=60_000)
    expect(frame.locator("svg.chart:not(.histogram)")).to_have_count(4)
    expect(frame.locator("body")).to_contain_text("mean(color_intensity)")
    expect(frame.locator("body")).to_contain_text("ml-platform")
    page.screenshot(path=str(shots / "report-tab.png"))
    # the same report on its own (the page the alert links to), whole, charts included
    page.goto(f"{api_server}/mlops/report/mlops_test_ui/{run}/gate")
    expect(page.locator("svg.chart:not(.histogram)")).to_have_count(4)
    # which data and which baseline, before the run id; the drifted column's evidence, open
    day = drifted.logical_date.date().isoformat()
    expect(page.locator("p.data-date")).to_have_text(f"data of {day}")
    expect(page.locator("div.baseline").first).to_contain_text("Compared with previous_success")
    expect(page.locator("div.baseline").first).to_contain_text("PASSED")
    drift = page.locator("details.evidence-of[open]", has_text="drift_psi(color_intensity)")
    expect(drift.locator("svg.histogram")).to_be_visible()
    expect(drift).to_contain_text("median")
    drift.screenshot(path=str(shots / "report-evidence.png"))
    page.screenshot(path=str(shots / "report.png"), full_page=True)

    # triage: acknowledge the incident and see its state change
    page.goto(f"{api_server}/plugin/mlops_overview")
    frame = page.frame_locator("iframe").first
    frame.get_by_role("link", name="Triage").click()
    row = frame.locator(f'tr[data-incident="{incident.id}"]')
    expect(row).to_contain_text("open", timeout=60_000)
    page.screenshot(path=str(shots / "triage.png"), full_page=True)
    ack = row.locator("form.action", has=frame.get_by_role("button", name="Acknowledge"))
    ack.get_by_placeholder("note or ticket (optional)").fill("INC-4711")
    ack.get_by_role("button", name="Acknowledge").click()
    row = frame.locator(f'tr[data-incident="{incident.id}"]')
    expect(row).to_contain_text("by oncall", timeout=30_000)
    expect(row).to_contain_text("INC-4711")
    expect(row.get_by_role("button", name="Acknowledge")).to_be_disabled()  # no second acknowledgement
    acked = store.incident(incident.id)
    assert (acked.status, acked.acked_by, acked.note) == ("acknowledged", "oncall", "INC-4711")

    # the Models page (nav entry): the leaderboard with its chart, the champion first; promote a candidate
    from tests.dags import model_dags

    run_dag(model_dags.models_dag, C=0.01)  # the first candidate becomes champion
    better = run_dag(model_dags.models_dag, C=1.0)  # better, and promoted by its passing gate
    page.goto(f"{api_server}/")
    page.get_by_role("link", name="Models", exact=True).first.click()
    page.wait_for_url("**/plugin/mlops_models", timeout=60_000)
    frame = page.frame_locator("iframe").first
    expect(frame.locator("h1")).to_have_text("Models", timeout=60_000)
    expect(frame.locator("svg.metric-chart")).to_be_visible()
    board = frame.locator("table.board")
    expect(board.locator("tr.champion")).to_contain_text(better.run_id)
    page.screenshot(path=str(shots / "models.png"), full_page=True)
    weaker = board.locator("tr[data-profile]").nth(1)
    weaker.get_by_placeholder("reason (audited)").fill("a simpler model, reviewed")
    weaker.get_by_role("button", name="Promote").click()
    expect(board.locator("tr.champion")).not_to_contain_text(better.run_id, timeout=30_000)
    champion = store.pinned_profile(key=model_dags.MODEL_KEY, label="champion")
    assert champion.run_id != better.run_id
    assert [p.pinned_by for p in store.pins(key=model_dags.MODEL_KEY, include_inactive=True)][0] == "oncall"

    # a hostile owner name (the gate's latest decision now) is shown as text, and no script of it ran
    now = datetime.now(UTC)
    store.record_check_run(
        CheckRunRecord(dag_id="mlops_test_ui", task_id="gate", run_id="hostile-run", try_number=1, kind="gate",
                       status="WARNED", owner=XSS_OWNER, message=XSS_OWNER, run_after=now, started_at=now,
                       finished_at=now, summary={"reasons": [XSS_OWNER], "upstream": []}),
        [],
    )  # fmt: skip
    page.goto(f"{api_server}/plugin/mlops_overview")
    frame = page.frame_locator("iframe").first
    expect(frame.locator("table").first).to_contain_text(XSS_OWNER, timeout=60_000)
    assert page.frames[-1].evaluate("window.__xss") is None and dialogs == []


HOSTILE_RUNBOOK = "javascript:fetch('/mlops/api/v1/incidents/{id}/resolve',{{method:'POST',credentials:'same-origin',headers:{{'Content-Type':'application/json'}},body:'{{}}'}})"

# Injected past escaping and the URL checks (as a bug there would let through): a javascript: link, clicked,
# and an inline event handler. Resolves with what ran, or with the CSP's violation reports.
INJECT = """() => new Promise(resolve => {
  const seen = [];
  document.addEventListener('securitypolicyviolation', e => {
    seen.push(e.violatedDirective); if (seen.length === 2) resolve({ran: window.__pwned || null, seen});
  });
  const link = document.createElement('a');
  link.href = "javascript:void(window.__pwned = 'link')"; link.textContent = 'runbook';
  document.body.appendChild(link);
  document.body.insertAdjacentHTML('beforeend', '<img src="/mlops/static/none.png" onerror="window.__pwned = \\'onerror\\'">');
  link.click();
  setInterval(() => { if (window.__pwned) resolve({ran: window.__pwned, seen}); }, 50);
})"""


def test_login_redirect_and_the_csp_stop_a_javascript_runbook(store, alerting, api_server, browser) -> None:  # type: ignore[no-untyped-def]
    from tests.dags import gate_dags

    run_dag(gate_dags.gate_dag, fault="nulls")
    [incident] = store.incidents(dag_id="mlops_test_gate")
    with store.engine.begin() as conn:  # a row from before the URL checks existed: the link the red team used
        conn.execute(
            sa.text("UPDATE mlops_incident SET runbook_url = :u WHERE id = :i"),
            {"u": HOSTILE_RUNBOOK.format(id=incident.id), "i": incident.id},
        )
    page = browser.new_page(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # not logged in: the page sends the browser to Airflow's login, which brings it back to that page
    target = f"{api_server}/mlops/triage?owner=ml-platform"
    response = page.goto(target)
    assert "/auth/login" in page.url and response is not None and response.ok
    log_in(page)
    page.wait_for_url(target, timeout=60_000)
    row = page.locator(f'tr[data-incident="{incident.id}"]')
    assert "open" in row.inner_text(timeout=60_000)

    # the stored javascript: runbook is not a link at all
    assert page.locator('a[href^="javascript:" i]').count() == 0 and "runbook" not in row.inner_text()
    # and one injected past that is stopped by the Content-Security-Policy, as is an inline handler
    outcome = page.evaluate(INJECT)
    assert outcome["ran"] is None, outcome
    assert sorted(outcome["seen"]) == ["script-src-attr", "script-src-elem"], outcome
    assert page.evaluate("window.__pwned") is None and dialogs == []
    assert store.incident(incident.id).status == "open"  # nothing resolved it behind the user's back
