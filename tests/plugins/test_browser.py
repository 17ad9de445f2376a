"""The on-call flow in a real headless Chromium against a real ``airflow api-server`` with the plugin.

The store is filled by real DAG runs (three clean days and a drifted one), the user logs in through
SimpleAuthManager's own login page, opens the "Quality Gates" nav entry, the DAG tab and the
task-instance tab, acknowledges the incident from the Triage page and sees its state change, and a
hostile owner name never runs script. Screenshots go to ``MLOPS_SCREENSHOTS`` (default: the test's
temporary directory); ``MLOPS_SCREENSHOTS=docs/images`` refreshes the ones in the docs.
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

from tests.helpers import free_port, run_dag, wait_for_api_server

pytestmark = [pytest.mark.dagrun, pytest.mark.browser, pytest.mark.usefixtures("airflow_db")]

CHROMIUM = os.environ.get("MLOPS_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery staple"
XSS_OWNER = '<img src=x onerror="window.__xss=1">'


@pytest.fixture
def api_server(store, tmp_path: Path) -> Iterator[str]:
    """A real ``airflow api-server`` (one worker) on a free loopback port, sharing the store and the
    metadata DB with the DAG runs of this test; users ``oncall`` (op) and ``viewer`` (viewer)."""

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


@pytest.fixture
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
    page.locator("input[name=username]").fill("oncall")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/auth/login" not in url, timeout=60_000)

    # the nav entry
    page.get_by_role("link", name="Quality Gates").first.click()
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

    # the task-instance tab of the gate: decision, checks, history charts with the baseline band
    run = quote(drifted.run_id, safe="")
    page.goto(f"{api_server}/dags/mlops_test_ui/runs/{run}/tasks/gate/plugin/mlops_report")
    frame = page.frame_locator("iframe").first
    expect(frame.locator("h1")).to_contain_text("Quality gate mlops_test_ui.gate", timeout=60_000)
    expect(frame.locator("svg.chart")).to_have_count(4)
    expect(frame.locator("body")).to_contain_text("mean(color_intensity)")
    expect(frame.locator("body")).to_contain_text("ml-platform")
    page.screenshot(path=str(shots / "report-tab.png"))
    # the same report on its own (the page the alert links to), whole, charts included
    page.goto(f"{api_server}/mlops/report/mlops_test_ui/{run}/gate")
    expect(page.locator("svg.chart")).to_have_count(4)
    page.screenshot(path=str(shots / "report.png"), full_page=True)

    # triage: acknowledge the incident and see its state change
    page.goto(f"{api_server}/plugin/mlops_overview")
    frame = page.frame_locator("iframe").first
    frame.get_by_role("link", name="Triage").click()
    row = frame.locator(f'tr[data-incident="{incident.id}"]')
    expect(row).to_contain_text("open", timeout=60_000)
    page.screenshot(path=str(shots / "triage.png"), full_page=True)
    row.get_by_role("button", name="Acknowledge").click()
    expect(frame.locator(f'tr[data-incident="{incident.id}"]')).to_contain_text("by oncall", timeout=30_000)
    acked = store.incident(incident.id)
    assert (acked.status, acked.acked_by) == ("acknowledged", "oncall")

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
