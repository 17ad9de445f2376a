"""The /mlops app mounted in Airflow's real api-server app, with Airflow's real SimpleAuthManager: users in
roles viewer and op, and per-DAG permissions through multi-team mode (a DAG bundle owned by a team).

Covered: authentication of every route, read filtering by DAG permission, edit permission and audit of
every mutation, JSON-only mutations (CSRF), HTML escaping, the report with its history charts, the
overview, triage, DAG and baselines pages.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.helpers import run_dag

pytestmark = [pytest.mark.dagrun, pytest.mark.usefixtures("airflow_db")]

SECRET_DAG = "mlops_test_gate_skip"  # moved into a bundle owned by team "secret" for these tests
USERS = "viewer:viewer,op:op,insider:op:secret,outsider:op:other,admin:admin"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def client(airflow_db):  # type: ignore[no-untyped-def]
    import os

    saved = {
        k: os.environ.get(k)
        for k in ("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "AIRFLOW__CORE__MULTI_TEAM")
    }
    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = USERS
    os.environ["AIRFLOW__CORE__MULTI_TEAM"] = "True"
    from airflow.api_fastapi.app import create_app
    from airflow.models.team import Team
    from airflow.utils.session import create_session
    from fastapi.testclient import TestClient

    with create_session() as session:  # the auth manager's teams must exist (`airflow teams create`)
        for name in ("secret", "other"):
            if session.get(Team, name) is None:
                session.add(Team(name=name))

    _sync_test_dags()
    try:
        yield TestClient(create_app())
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _sync_test_dags() -> None:
    """Write every DAG of tests/dags to Airflow's metadata DB, as the DAG processor would (``dag.test``
    does it too), so that per-DAG permissions see them even when no DAG has run yet."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    for bundle in manager.get_all_dag_bundles():
        bundle.initialize()
        bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name)
        sync_bag_to_db(bag, bundle.name, bundle.version)


def token(name: str) -> dict[str, str]:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    role = {"viewer": "viewer", "admin": "admin"}.get(name, "op")
    teams = {"insider": ["secret"], "outsider": ["other"]}.get(name, [])
    jwt = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username=name, role=role, teams=teams))
    return {"Authorization": f"Bearer {jwt}"}


def writer(name: str) -> dict[str, str]:
    return {**token(name), **JSON}


@pytest.fixture
def failed_gate(store, alerting):  # type: ignore[no-untyped-def]
    from tests.dags import gate_dags

    return run_dag(gate_dags.gate_dag, fault="nulls")


@pytest.fixture
def secret_gate(store, alerting):  # type: ignore[no-untyped-def]
    """A failed gate (with an incident) of a DAG whose bundle belongs to team "secret"."""
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.models.team import Team
    from airflow.utils.session import create_session

    from tests.dags import gate_dags

    dag_run = run_dag(gate_dags.gate_skip_dag, fault="nulls")
    with create_session() as session:
        team = session.get(Team, "secret")
        bundle = session.get(DagBundleModel, "secret_bundle") or DagBundleModel(name="secret_bundle")
        bundle.teams = [team]
        session.add(bundle)
        session.flush()
        dag = session.get(DagModel, SECRET_DAG)
        original = dag.bundle_name
        dag.bundle_name = "secret_bundle"
    yield dag_run
    with create_session() as session:
        session.get(DagModel, SECRET_DAG).bundle_name = original


def report_path(dag_run, task_id: str = "gate", prefix: str = "/mlops/report") -> str:  # type: ignore[no-untyped-def]
    return f"{prefix}/{dag_run.dag_id}/{quote(dag_run.run_id, safe='')}/{task_id}"


# -- authentication and authorization -----------------------------------------------------------------------


def test_every_route_of_the_app_needs_an_airflow_user(client) -> None:
    """Enumerated from the app itself, so a new route without authentication fails this test."""
    from fastapi.routing import APIRoute

    from airflow_mlops.plugins.api import create_app

    routes = [r for r in create_app().routes if isinstance(r, APIRoute)]
    assert len(routes) >= 15
    for route in routes:
        path = "/mlops" + re.sub(
            r"\{(\w+)\}", lambda m: "1" if m.group(1) == "incident_id" else "x", route.path
        )
        for method in route.methods:
            response = client.request(method, path, json={})
            assert response.status_code == 401, (method, path, response.status_code)
    forged = client.get("/mlops/api/v1/gates", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 403 and "gates" not in forged.text  # Airflow rejects an invalid token
    for path in ("/mlops/openapi.json", "/mlops/docs"):  # FastAPI's own, holding no data
        assert client.get(path).status_code == 200


def test_viewer_reads_but_cannot_write_and_op_writes_audited(client, store, failed_gate) -> None:
    [incident] = store.incidents()
    ack = f"/mlops/api/v1/incidents/{incident.id}/ack"
    assert client.get(ack, headers=token("op")).status_code == 405  # mutations are POST-only
    assert client.get("/mlops/api/v1/incidents", headers=token("viewer")).status_code == 200
    gate = {"dag_id": failed_gate.dag_id, "run_id": failed_gate.run_id, "task_id": "gate", "reason": "known"}
    forbidden = [
        (ack, {}),
        (f"/mlops/api/v1/incidents/{incident.id}/snooze", {"duration": "1h"}),
        (f"/mlops/api/v1/incidents/{incident.id}/resolve", {}),
        ("/mlops/api/v1/overrides", gate),
    ]
    for path, body in forbidden:
        assert client.post(path, headers=writer("viewer"), json=body).status_code == 403, path
    assert store.incident(incident.id).status == "open"

    assert client.post(ack, headers=token("op"), data="note=x").status_code == 415  # not JSON: no CSRF
    done = client.post(ack, headers=writer("op"), json={"note": "on it"})
    assert done.status_code == 200 and done.json()["acked_by"] == "op"
    assert store.incident(incident.id).status == "acknowledged"
    snooze = f"/mlops/api/v1/incidents/{incident.id}/snooze"
    assert client.post(snooze, headers=writer("op"), json={"duration": "soon"}).status_code == 422
    snoozed = client.post(snooze, headers=writer("op"), json={"duration": "4h"}).json()
    assert snoozed["status"] == "snoozed" and snoozed["snoozed_until"] is not None
    overridden = client.post("/mlops/api/v1/overrides", headers=writer("op"), json=gate)
    assert overridden.status_code == 200 and overridden.json()["by"] == "op"
    [override] = store.overrides(dag_id=failed_gate.dag_id, run_id=failed_gate.run_id)
    assert (override.created_by, override.reason, override.active) == ("op", "known", True)
    report = client.get(
        report_path(failed_gate, prefix="/mlops/api/v1/reports"), headers=token("viewer")
    ).json()
    assert report["overrides"][0]["by"] == "op"
    resolved = client.post(f"/mlops/api/v1/incidents/{incident.id}/resolve", headers=writer("op"), json={})
    assert resolved.json()["resolved_by"] == "op"
    again = client.post(f"/mlops/api/v1/incidents/{incident.id}/resolve", headers=writer("op"), json={})
    assert again.status_code == 409 and "already resolved" in again.json()["detail"]
    assert (
        client.post("/mlops/api/v1/incidents/999/resolve", headers=writer("op"), json={}).status_code == 404
    )
    extra = client.post(ack, headers=writer("op"), json={"note": "x", "admin": True})
    assert extra.status_code == 422  # unknown keys are refused, not ignored


def test_a_user_without_access_to_a_dag_never_sees_it(client, store, failed_gate, secret_gate) -> None:
    secret_report = report_path(secret_gate)
    for name, allowed in (("insider", True), ("outsider", False)):
        for path in (
            secret_report,
            report_path(secret_gate, prefix="/mlops/api/v1/reports"),
            f"/mlops/dag/{SECRET_DAG}",
        ):
            assert client.get(path, headers=token(name)).status_code == (200 if allowed else 403), (
                name,
                path,
            )
        gates = client.get("/mlops/api/v1/gates", headers=token(name)).json()["gates"]
        incidents = client.get("/mlops/api/v1/incidents", headers=token(name)).json()["incidents"]
        baselines = client.get("/mlops/api/v1/baselines", headers=token(name)).json()
        pages = "".join(
            client.get(p, headers=token(name)).text for p in ("/mlops/", "/mlops/triage", "/mlops/baselines")
        )
        seen = (
            {g["dag_id"] for g in gates}
            | {i["dag_id"] for i in incidents}
            | {k["dag_id"] for k in baselines["keys"]}
        )
        assert (SECRET_DAG in seen) is allowed and (SECRET_DAG in pages) is allowed, name
        assert failed_gate.dag_id in seen  # a DAG of no team stays visible to both
    [secret_incident] = store.incidents(dag_id=SECRET_DAG)
    ack = f"/mlops/api/v1/incidents/{secret_incident.id}/ack"
    assert client.post(ack, headers=writer("outsider"), json={}).status_code == 404  # not even its existence
    assert client.post(ack, headers=writer("insider"), json={}).json()["acked_by"] == "insider"


# -- pages: escaping, content ---------------------------------------------------------------------------


EVIL = ["<script>alert('x')</script>", '"><img src=x onerror=alert(1)>']


def test_data_derived_values_are_escaped_in_every_page(client, store) -> None:
    from airflow_mlops.core.results import CheckResult, Status
    from airflow_mlops.store import CheckRunRecord, ProfileRecord

    now = datetime.now(UTC)
    script, img = EVIL
    common = {"dag_id": "mlops_test_gate", "run_id": "evil-run", "try_number": 1, "run_after": now,
              "started_at": now, "finished_at": now}  # fmt: skip
    store.record_check_run(
        CheckRunRecord(task_id="validate", kind="validation", status="FAILED", **common),
        [
            CheckResult(
                name=f"expect_column_values_to_be_in_set({img})", check_type="expect_column_values_to_be_in_set",
                status=Status.FAILED, column=img, observed={"unexpected_count": 1},
                expected={"column": img, "value_set": [script]},
                details={"partial_unexpected_list": [script, img]},
            )
        ],
        profile=ProfileRecord(baseline_key=img, kind="metrics", profile={"metrics": {"auc": 0.9}}),
    )  # fmt: skip
    store.record_check_run(
        CheckRunRecord(task_id="gate", kind="gate", status="FAILED", owner=script, message=img,
                       summary={"reasons": [script, img], "upstream": ["validate"]}, **common),
        [],
    )  # fmt: skip
    pages = {
        path: client.get(path, headers=token("viewer"))
        for path in ("/mlops/report/mlops_test_gate/evil-run/gate", "/mlops/report/mlops_test_gate/evil-run/validate",
                     "/mlops/", "/mlops/dag/mlops_test_gate", "/mlops/baselines")
    }  # fmt: skip
    for path, response in pages.items():
        assert response.status_code == 200, path
        for evil in EVIL:
            assert evil not in response.text, path
    report = pages["/mlops/report/mlops_test_gate/evil-run/gate"].text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in report
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in report
    assert '<script src="/mlops/static/mlops.js">' in report  # our own script stays: escaping is of data only


def test_gate_report_with_history_charts_against_the_baseline(client, store, alerting) -> None:
    from tests.dags import ui_dags

    for seed in (1, 2, 3):
        run_dag(ui_dags.ui_dag, seed=seed)
    drifted = run_dag(ui_dags.ui_dag, seed=4, fault="shifted")
    report = client.get(report_path(drifted, prefix="/mlops/api/v1/reports"), headers=token("viewer")).json()
    assert report["status"] == "FAILED" and report["owner"] == "ml-platform" and report["incident_id"]
    compare = next(c for c in report["checks"] if c["task_id"] == "compare")
    mean = next(r for r in compare["results"] if r["name"] == "mean(color_intensity)")
    assert mean["status"] == "FAILED"
    # the baseline is the previous good day, and the band is baseline ± threshold in observed units
    assert [h["status"] for h in mean["history"]] == ["NO_BASELINE", "PASSED", "PASSED", "FAILED"]
    last = mean["history"][-1]
    assert last["band"]["fail"] == pytest.approx([last["baseline"] * 0.85, last["baseline"] * 1.15])
    assert not last["band"]["fail"][0] <= last["observed"] <= last["band"]["fail"][1]
    psi = next(r for r in compare["results"] if r["name"] == "drift_psi(color_intensity)")
    assert len(psi["history"]) == 4 and psi["history"][-1]["statistic"] > 0.4 and psi["band"] is None

    # which data, which baseline and why: the previous good day, with its date, status and report
    assert report["data_date"] and report["data_date"] == report["logical_date"][:10]
    baseline = compare["baseline"]
    assert baseline["policy"] == "previous_success" and "latest earlier run" in baseline["why"]
    [previous] = baseline["runs"]
    assert previous["status"] == "PASSED" and previous["row_count"] > 0 and previous["date"]
    assert (
        previous["report"].startswith("/mlops/report/mlops_test_ui/") and previous["run_id"] != drifted.run_id
    )
    statuses = [r["status"] for r in compare["results"]]  # failing first, then warned, then the rest
    rank = {"FAILED": 0, "ERRORED": 1, "WARNED": 2}
    assert statuses == sorted(statuses, key=lambda s: rank.get(s, 3)) and statuses[0] == "FAILED"
    assert [c["status"] for c in report["checks"]][0] == "FAILED"  # a failing check task first
    assert all(h["data_date"] for h in mean["history"])  # the history's x axis: the data's date

    page = client.get(report_path(drifted), headers=token("viewer")).text
    assert f"data of <b>{report['data_date']}</b>" in page
    assert page.index("data of <b>") < page.index(drifted.run_id)  # the date first, the run id second
    assert "Compared with" in page and previous["run_id"] in page and previous["report"] in page
    assert f'title="{mean["observed"]!r}"' in page  # full precision on hover, rounded on the page
    assert page.count('<svg class="chart"') == 4  # row count, null rate, mean, PSI
    # the drifted column's evidence: both histograms on the baseline's bins, the quantiles side by side
    evidence = psi["evidence"]
    assert (
        evidence["kind"] == "numeric"
        and evidence["stats"]["current"]["median"] > evidence["stats"]["baseline"]["median"]
    )
    assert len(evidence["histogram"]["current"]) == len(evidence["histogram"]["edges"]) - 1
    drifted_part = page.split("What changed versus the baseline", 1)[1].split("<h2>", 1)[0]
    assert (
        "drift_psi(color_intensity)" in drifted_part and '<details class="evidence-of" open>' in drifted_part
    )
    assert (
        drifted_part.count("hist-current") >= len(evidence["histogram"]["current"])
        and "median" in drifted_part
    )
    assert "band-fail" in page and "limit-fail" in page and "ml-platform" in page
    assert "Override this gate" in page  # a failed gate offers the override
    # a check task's own page (the task-instance tab of "compare") shows its results and charts
    own = client.get(report_path(drifted, "compare"), headers=token("viewer")).text
    assert "mean(color_intensity)" in own and own.count('<svg class="chart"') == 4
    missing = client.get(report_path(drifted, "nope"), headers=token("viewer"))
    assert missing.status_code == 404

    # the backtest, linked from the compared check's row: its recorded days under other thresholds
    key = compare["baseline_key"]
    assert "/mlops/backtest?key=" in own and "check=mean%28color_intensity%29" in own
    query = {"key": key, "check": "mean(color_intensity)", "warn": 1000, "fail": 2000}
    replay = client.get("/mlops/api/v1/backtest", params=query, headers=token("viewer")).json()
    assert [d["recorded"] for d in replay["days"]][-4:] == ["NO_BASELINE", "PASSED", "PASSED", "FAILED"]
    assert replay["days"][-1]["replayed"] == "PASSED"  # the shift is under a 200,000 % fail threshold
    assert replay["recorded"]["failed"] >= 1 and replay["replayed"]["days"] == replay["recorded"]["days"]
    backtest_page = client.get("/mlops/backtest", params=query, headers=token("viewer")).text
    assert "Replay" in backtest_page and "recorded</b>" in backtest_page
    bad = {**query, "warn": 5, "fail": 1}  # warn above fail
    assert client.get("/mlops/api/v1/backtest", params=bad, headers=token("viewer")).status_code == 422
    assert (
        "warn=5.0 is above fail=1.0"
        in client.get("/mlops/backtest", params=bad, headers=token("viewer")).text
    )
    nowhere = client.get("/mlops/api/v1/backtest", params={**query, "key": "nope"}, headers=token("viewer"))
    assert nowhere.status_code == 404


def test_the_report_shows_the_unexpected_values(client, store, alerting) -> None:
    """GX's partial unexpected list is stored as details.sample_unexpected; the report showed none."""
    from tests.dags import gate_dags

    out_of_range = run_dag(gate_dags.gate_dag, fault="range")
    report = client.get(
        report_path(out_of_range, prefix="/mlops/api/v1/reports"), headers=token("viewer")
    ).json()
    validate = next(c for c in report["checks"] if c["task_id"] == "validate")
    between = next(
        r for r in validate["results"] if r["name"].startswith("expect_column_values_to_be_between")
    )
    assert between["unexpected_sample"] == [42.0] * 5
    assert between["engine"] == "native"  # which engine evaluated it (issue 20), also on the page
    page = client.get(report_path(out_of_range), headers=token("viewer")).text
    assert 'title="evaluated by the native engine">native</span>' in page
    assert '">[42, 42, 42, 42, 42]</code>' in page  # the "unexpected sample" column (full values on hover)


def test_overview_triage_and_dag_pages(client, store, failed_gate) -> None:
    from tests.dags import gate_dags

    run_dag(gate_dags.gate_skip_dag)  # a passing gate
    body = client.get("/mlops/api/v1/gates", headers=token("viewer")).json()
    statuses = [g["status"] for g in body["gates"]]
    assert statuses == sorted(statuses, key=lambda s: s not in ("FAILED", "ERRORED"))
    assert body["counts"]["FAILED"] >= 1 and body["counts"]["PASSED"] >= 1
    overview = client.get("/mlops/?status=FAILED", headers=token("viewer")).text
    assert "mlops_test_gate" in overview and "mlops_test_gate_skip" not in overview.split("</form>", 1)[1]
    assert client.get("/mlops/?status=&owner=&dag_id=", headers=token("viewer")).status_code == 200
    assert client.get("/mlops/?status=BAD", headers=token("viewer")).status_code == 422
    triage = client.get("/mlops/triage", headers=token("viewer")).text
    assert 'data-owner="ml-platform"' in triage and "Acknowledge" in triage and "runbook" in triage
    dag_page = client.get("/mlops/dag/mlops_test_gate", headers=token("viewer")).text
    assert "Open incidents" in dag_page and "validate" in dag_page
    # the DAG tab's links open triage and baselines filtered to that DAG
    assert 'href="/mlops/triage?dag_id=mlops_test_gate"' in dag_page
    assert 'href="/mlops/baselines?dag_id=mlops_test_gate"' in dag_page
    [incident] = [i for i in store.incidents() if i.dag_id == "mlops_test_gate"]
    only = client.get("/mlops/triage?dag_id=mlops_test_gate_skip", headers=token("viewer")).text
    assert f'data-incident="{incident.id}"' not in only and f'data-incident="{incident.id}"' in triage
    listed = client.get("/mlops/api/v1/incidents", headers=token("viewer")).json()["incidents"]
    assert next(i for i in listed if i["id"] == incident.id)["data_date"]


def test_ack_note_and_button_states(client, store, failed_gate) -> None:
    """An acknowledgement's note (a ticket id) shows in triage and the report; an acknowledged incident
    offers no active Acknowledge button."""
    [incident] = [i for i in store.incidents() if i.dag_id == "mlops_test_gate"]
    before = client.get("/mlops/triage?dag_id=mlops_test_gate", headers=token("viewer")).text
    assert '<button type="submit" class="primary">Acknowledge</button>' in before
    acked = client.post(
        f"/mlops/api/v1/incidents/{incident.id}/ack", headers=writer("op"), json={"note": "JIRA-4711"}
    )
    assert acked.status_code == 200 and acked.json()["note"] == "JIRA-4711"
    after = client.get("/mlops/triage?dag_id=mlops_test_gate", headers=token("viewer")).text
    assert "JIRA-4711" in after and 'disabled title="acknowledged by op">Acknowledge</button>' in after
    report = client.get(report_path(failed_gate), headers=token("viewer")).text
    assert "JIRA-4711" in report and "acknowledged" in report


def test_pin_and_unpin_from_the_baselines_page_are_audited(client, store, alerting) -> None:
    from tests.dags import ui_dags

    first = run_dag(ui_dags.ui_dag, seed=1)
    run_dag(ui_dags.ui_dag, seed=2)
    listing = client.get("/mlops/api/v1/baselines", headers=token("viewer")).json()
    [key] = [k["key"] for k in listing["keys"] if k["dag_id"] == "mlops_test_ui"]
    pin = {"key": key, "label": "golden", "run_id": first.run_id, "reason": "reviewed by the DS team"}
    assert client.post("/mlops/api/v1/baselines/pin", headers=writer("viewer"), json=pin).status_code == 403
    done = client.post("/mlops/api/v1/baselines/pin", headers=writer("op"), json=pin)
    assert done.status_code == 200, done.text
    assert (done.json()["pinned_by"], done.json()["run_id"]) == ("op", first.run_id)
    assert store.pinned_profile(key=key, label="golden").run_id == first.run_id
    page = client.get("/mlops/baselines", headers=token("viewer")).text
    assert "golden" in page and "reviewed by the DS team" in page
    # pinning chooses from the key's recorded profiles (date, status, rows), not a pasted run id
    [listed] = [k for k in listing["keys"] if k["key"] == key]
    assert {p["run_id"] for p in listed["recent_profiles"]} >= {first.run_id}
    assert f'<option value="{first.run_id}">' in page
    other = client.get("/mlops/baselines?dag_id=mlops_test_gate", headers=token("viewer")).text
    assert f'data-key="{key}"' in page and f'data-key="{key}"' not in other
    unknown = client.post("/mlops/api/v1/baselines/pin", headers=writer("op"), json={**pin, "key": "nope"})
    assert unknown.status_code == 404
    bad_run = client.post("/mlops/api/v1/baselines/pin", headers=writer("op"), json={**pin, "run_id": "nope"})
    assert bad_run.status_code == 409 and "no profile" in bad_run.json()["detail"]
    unpin = {"key": key, "label": "golden", "reason": "new season"}
    assert (
        client.post("/mlops/api/v1/baselines/unpin", headers=writer("op"), json=unpin).json()["active"]
        is False
    )
    assert store.pinned_profile(key=key, label="golden") is None
    assert client.post("/mlops/api/v1/baselines/unpin", headers=writer("op"), json=unpin).status_code == 409
    # what learned bands train on: an exclusion window and a run that was expected, both audited
    window = {
        "key": key,
        "starts_at": "2026-12-24T00:00",
        "ends_at": "2026-12-27T00:00",
        "reason": "Christmas",
    }
    assert (
        client.post("/mlops/api/v1/baselines/exclude", headers=writer("viewer"), json=window).status_code
        == 403
    )
    assert (
        client.post("/mlops/api/v1/baselines/exclude", headers=writer("op"), json=window).status_code == 200
    )
    backwards = {**window, "ends_at": "2026-12-01T00:00"}
    answer = client.post("/mlops/api/v1/baselines/exclude", headers=writer("op"), json=backwards)
    assert answer.status_code == 409 and "must end after it starts" in answer.json()["detail"]
    expected = {"key": key, "run_id": first.run_id, "reason": "a planned launch"}
    assert (
        client.post("/mlops/api/v1/baselines/expected", headers=writer("op"), json=expected).status_code
        == 200
    )
    windows, runs = store.training_rules(key=key)
    assert len(windows) == 1 and runs == {first.run_id}
    actions = [e.action for e in store.audit_events(baseline_key=key)]
    assert actions[:2] == ["expected", "exclude"]
    assert "Was expected" in client.get("/mlops/baselines", headers=token("viewer")).text


def test_the_api_is_documented_in_openapi(client) -> None:
    paths = set(client.get("/mlops/openapi.json").json()["paths"])
    assert {
        "/api/v1/gates", "/api/v1/incidents", "/api/v1/incidents/{incident_id}/ack", "/api/v1/baselines",
        "/api/v1/baselines/pin", "/api/v1/overrides", "/api/v1/reports/{dag_id}/{run_id}/{task_id}",
    } <= paths  # fmt: skip


def test_a_mapped_check_is_reported_once_per_map_index(client, store) -> None:
    from airflow_mlops.core.results import CheckResult, Status
    from airflow_mlops.store import CheckRunRecord

    now = datetime.now(UTC)
    common = {"dag_id": "mlops_test_gate", "run_id": "mapped-run", "try_number": 1, "run_after": now,
              "started_at": now, "finished_at": now}  # fmt: skip
    for index in (0, 1):
        store.record_check_run(
            CheckRunRecord(task_id="validate", map_index=index, kind="validation", status="PASSED", **common),
            [CheckResult(name="rows", check_type="row_count", status=Status.PASSED)],
        )
    store.record_check_run(
        CheckRunRecord(task_id="gate", kind="gate", status="PASSED", summary={"upstream": ["validate[0]", "validate[1]"]},
                       **common),
        [],
    )  # fmt: skip
    report = client.get(
        "/mlops/api/v1/reports/mlops_test_gate/mapped-run/gate", headers=token("viewer")
    ).json()
    assert [(c["task_id"], c["map_index"]) for c in report["checks"]] == [("validate", 0), ("validate", 1)]


def test_check_and_gate_tasks_carry_the_quality_report_link(store, alerting) -> None:
    from tests.dags import gate_dags
    from tests.helpers import xcom

    dag_run = run_dag(gate_dags.gate_dag)
    for task_id in ("validate", "gate"):
        link = xcom(dag_run, task_id, key="_link_QualityReportLink")
        assert link == report_path(dag_run, task_id), task_id


# -- authorization that does not depend on the DAG still existing (issue 19.2) ---------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A fresh results store on SQLite or PostgreSQL, the one the app and the DAG runs use."""
    from airflow_mlops.config import get_store

    url = (
        f"sqlite:///{tmp_path / 'store.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    monkeypatch.setenv("AIRFLOW__MLOPS__RESULTS_DB_URL", url)
    return get_store(url)


def _set_bundle(dag_id: str | None, bundle_name: str, teams: list[str]) -> None:
    """Give ``bundle_name`` the ``teams`` (creating it), and move ``dag_id`` into it."""
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.models.team import Team
    from airflow.utils.session import create_session

    with create_session() as session:
        bundle = session.get(DagBundleModel, bundle_name) or DagBundleModel(name=bundle_name)
        bundle.teams = [session.get(Team, team) for team in teams]
        session.add(bundle)
        session.flush()
        if dag_id is not None:
            session.get(DagModel, dag_id).bundle_name = bundle_name


def run_for_team(dag, team: str, **conf):  # type: ignore[no-untyped-def]
    """Run ``dag`` while its bundle is configured for ``team`` (so its tasks are told the team, as on a
    real worker), then leave it in a bundle of that team."""
    import json
    import os

    bundles = [{"name": "dags-folder", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                "kwargs": {}, "team_name": team}]  # fmt: skip
    os.environ["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"] = json.dumps(bundles)
    try:
        dag_run = run_dag(dag, **conf)
    finally:
        del os.environ["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"]
        _set_bundle(None, "dags-folder", [])
    _set_bundle(dag.dag_id, f"{team}_bundle", [team])
    return dag_run


def delete_from_airflow(dag_id: str) -> None:
    """What `airflow dags delete` does, then the expiry of Airflow's team-name cache ([core]
    team_name_cache_ttl)."""
    from airflow.api.common.delete_dag import delete_dag
    from airflow.models.dag import DagModel, clear_team_name_cache
    from airflow.utils.session import create_session

    delete_dag(dag_id)
    clear_team_name_cache()
    with create_session() as session:
        assert session.get(DagModel, dag_id) is None


def test_a_deleted_dags_records_stay_with_its_team(client, any_store, owners_file) -> None:
    from tests.dags import gate_dags

    dag_id = gate_dags.deleted_dag.dag_id
    dag_run = run_for_team(gate_dags.deleted_dag, "secret", fault="nulls")
    paths = [
        report_path(dag_run),
        report_path(dag_run, prefix="/mlops/api/v1/reports"),
        report_path(dag_run, "validate"),
        f"/mlops/dag/{dag_id}",
    ]

    def status(name: str) -> dict[str, int]:
        return {path: client.get(path, headers=token(name)).status_code for path in paths}

    everywhere = dict.fromkeys(paths, 200)
    nowhere = dict.fromkeys(paths, 403)
    assert (status("insider"), status("outsider"), status("viewer")) == (everywhere, nowhere, nowhere)

    delete_from_airflow(dag_id)
    for name, expected in (("insider", everywhere), ("admin", everywhere), ("outsider", nowhere),
                           ("viewer", nowhere), ("op", nowhere)):  # fmt: skip
        assert status(name) == expected, name
    denied = client.get(report_path(dag_run, prefix="/mlops/api/v1/reports"), headers=token("outsider"))
    assert "secret-fix" not in denied.text and "alcohol" not in denied.text
    for name in ("outsider", "viewer"):  # nor in any list
        lists = "".join(
            client.get(p, headers=token(name)).text
            for p in ("/mlops/api/v1/gates", "/mlops/api/v1/incidents", "/mlops/api/v1/baselines", "/mlops/",
                      "/mlops/triage", "/mlops/baselines")
        )  # fmt: skip
        assert dag_id not in lists, name

    gate = any_store.latest_check_run(dag_id=dag_id, task_id="gate", run_id=dag_run.run_id)
    assert gate.status == "FAILED" and gate.team == "secret"  # recorded with the row, by the task

    # rows written before the team was recorded (older versions): nobody's team can be established
    with any_store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE mlops_check_run SET team = NULL WHERE dag_id = :d"), {"d": dag_id})
    assert status("insider") == nowhere
    assert status("admin") == everywhere


# -- baseline keys belong to the DAG that created them (issue 19.3) -------------------------------------

FOREIGN_DAG = "mlops_test_compare_daily"  # moved into a bundle owned by team "other" for these tests


@pytest.fixture
def two_teams():  # type: ignore[no-untyped-def]
    """SECRET_DAG in a bundle of team "secret", FOREIGN_DAG in one of team "other"; put back afterwards."""
    _set_bundle(SECRET_DAG, "secret_bundle", ["secret"])
    _set_bundle(FOREIGN_DAG, "other_bundle", ["other"])
    yield
    for dag_id in (SECRET_DAG, FOREIGN_DAG):
        _set_bundle(dag_id, "dags-folder", [])


def record_profile_run(store, dag_id: str, key: str, run_id: str) -> None:  # type: ignore[no-untyped-def]
    from airflow_mlops.store import CheckRunRecord, ProfileRecord

    now = datetime.now(UTC)
    store.record_check_run(
        CheckRunRecord(dag_id=dag_id, task_id="compare", run_id=run_id, try_number=1, kind="comparison",
                       status="PASSED", run_after=now, started_at=now, finished_at=now, baseline_key=key),
        [],
        profile=ProfileRecord(baseline_key=key, kind="metrics", profile={"metrics": {"auc": 0.9}}),
    )  # fmt: skip


def test_a_listed_key_is_unpinned_by_its_editor_though_another_teams_dag_wrote_to_it(
    client, any_store, two_teams
) -> None:
    from airflow_mlops.exceptions import InputError

    key = f"{SECRET_DAG}.compare"
    record_profile_run(any_store, SECRET_DAG, key, "day-1")
    pin = {"key": key, "label": "golden", "reason": "secret team's reviewed day"}
    assert client.post("/mlops/api/v1/baselines/pin", headers=writer("insider"), json=pin).status_code == 200
    # a profile of another team's DAG under that key, as versions before key ownership let through
    now = datetime.now(UTC)
    with any_store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO mlops_profile (baseline_key, kind, dag_id, run_id, try_number, run_after, "
                "recorded_at, run_status, profile) VALUES (:key, 'metrics', :dag, 'poison', 1, :now, :now, "
                "'PASSED', :profile)"
            ),
            {"key": key, "dag": FOREIGN_DAG, "now": now, "profile": '{"metrics": {"auc": 0.1}}'},
        )

    listing = client.get("/mlops/api/v1/baselines", headers=token("insider")).json()
    assert [p["label"] for p in listing["pins"] if p["key"] == key] == ["golden"]  # listed, with its pin
    unpin = {"key": key, "label": "golden", "reason": "new season"}
    done = client.post("/mlops/api/v1/baselines/unpin", headers=writer("insider"), json=unpin)
    assert done.status_code == 200, done.text
    assert client.post("/mlops/api/v1/baselines/pin", headers=writer("insider"), json=pin).status_code == 200

    # the other team sees its own DAG's row of the key, but not the owner's pins, and cannot change them
    outsider = client.get("/mlops/api/v1/baselines", headers=token("outsider")).json()
    assert {k["dag_id"] for k in outsider["keys"] if k["key"] == key} == {FOREIGN_DAG}
    assert not [p for p in outsider["pins"] if p["key"] == key]
    refused = client.post("/mlops/api/v1/baselines/unpin", headers=writer("outsider"), json=unpin)
    assert refused.status_code == 403 and f"DAG '{SECRET_DAG}'" not in refused.text  # not even its name
    assert (
        client.post("/mlops/api/v1/baselines/unpin", headers=writer("viewer"), json=unpin).status_code == 404
    )
    assert any_store.pinned_profile(key=key, label="golden") is not None

    # and from now on the other team's DAG cannot write to the key at all
    with pytest.raises(InputError, match=f"belongs to DAG '{SECRET_DAG}'"):
        record_profile_run(any_store, FOREIGN_DAG, key, "poison-2")


# -- a full audit trail (issue 19.7) ---------------------------------------------------------------------


def test_every_human_action_is_an_append_only_audit_event(
    client, any_store, owners_file, smtp_sink, webhook_sink, capsys
) -> None:
    import json

    from airflow_mlops.cli import main
    from tests.dags import gate_dags

    failed = run_dag(gate_dags.gate_dag, fault="nulls")
    dag_id = failed.dag_id
    [incident] = any_store.incidents()
    act = f"/mlops/api/v1/incidents/{incident.id}"

    def post(path: str, name: str, body: dict) -> None:  # type: ignore[type-arg]
        response = client.post(path, headers=writer(name), json=body)
        assert response.status_code == 200, (path, response.text)

    post(f"{act}/ack", "op", {"note": "op: the null spike again"})
    post(f"{act}/ack", "admin", {"note": "admin: upstream is on it"})
    post(f"{act}/snooze", "op", {"duration": "1h", "note": "waiting for the backfill"})
    triage = client.get("/mlops/triage", headers=token("viewer")).text
    assert "op: the null spike again" in triage and "admin: upstream is on it" in triage
    gate = {"dag_id": dag_id, "run_id": failed.run_id, "task_id": "gate", "reason": "known upstream outage"}
    post("/mlops/api/v1/overrides", "op", gate)
    key = f"{dag_id}.compare"
    record_profile_run(any_store, dag_id, key, "day-1")
    post("/mlops/api/v1/baselines/pin", "op", {"key": key, "label": "golden", "reason": "reviewed day"})
    post("/mlops/api/v1/baselines/unpin", "admin", {"key": key, "label": "golden", "reason": "new season"})
    post(f"{act}/resolve", "op", {"note": "backfill done"})
    hostile = "".join(EVIL)
    post("/mlops/api/v1/overrides", "op", {**gate, "reason": hostile})

    expected = [
        ("override", "op", hostile),
        ("resolve", "op", "backfill done"),
        ("unpin", "admin", "new season"),
        ("pin", "op", "reviewed day"),
        ("override", "op", "known upstream outage"),
        ("snooze", "op", "waiting for the backfill"),
        ("ack", "admin", "admin: upstream is on it"),
        ("ack", "op", "op: the null spike again"),  # not overwritten by the admin's
    ]
    events = client.get(f"/mlops/api/v1/audit?dag_id={dag_id}", headers=token("viewer")).json()["events"]
    assert [(e["action"], e["actor"], e["note"]) for e in events] == expected
    assert all(e["at"] and e["dag_id"] == dag_id for e in events)
    assert {e["incident_id"] for e in events if e["action"] in ("ack", "snooze", "resolve")} == {incident.id}
    assert events[5]["details"]["until"]  # the snooze's end
    assert (events[3]["baseline_key"], events[3]["label"], events[3]["run_id"]) == (key, "golden", "day-1")
    assert any_store.incident(incident.id).acked_by == "admin"  # the incident row keeps the latest

    report = client.get(report_path(failed), headers=token("viewer")).text
    trail = report.split("<h2>Audit trail</h2>", 1)[1]
    for action, actor, note in expected[1:]:
        if action not in ("pin", "unpin"):
            assert note in trail and actor in trail, note
    assert all(evil not in report for evil in EVIL) and "&lt;script&gt;" in trail  # escaped

    cli = ["--url", any_store.url, "audit", "--dag", dag_id]
    capsys.readouterr()  # the DAG run's log
    assert main([*cli, "--json"]) == 0
    assert [(e["action"], e["actor"], e["note"]) for e in json.loads(capsys.readouterr().out)] == expected
    assert main(cli) == 0
    table = capsys.readouterr().out
    assert table.split()[:5] == ["id", "at", "actor", "action", "dag_id"] and "backfill done" in table


def test_the_model_leaderboard_promotion_and_rollback(client, store, alerting) -> None:
    """Real runs of a retrain-compare-gate-promote DAG: the board ranks by the declared primary metric
    with the champion first, marks the regressed candidate's failed gate, records each promotion; a
    promotion from the API needs edit permission, emits the model's asset event, and rolls back."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.sdk import Asset
    from airflow.utils.session import create_session

    from airflow_mlops.core.leaderboard import model_asset_uri
    from tests.dags import model_dags

    first = run_dag(model_dags.models_dag, C=1.0)  # no champion yet: passes, promoted
    weaker = run_dag(model_dags.models_dag, C=0.01)  # a weaker model within the threshold: promoted
    regressed = run_dag(model_dags.models_dag, C=1.0, fault="degrade")  # fails the gate: not promoted
    key = model_dags.MODEL_KEY
    assert key in [
        m["key"] for m in client.get("/mlops/api/v1/models", headers=token("viewer")).json()["models"]
    ]
    board = client.get("/mlops/api/v1/models/board", params={"key": key}, headers=token("viewer")).json()
    assert board["primary_metric"] == {"name": "accuracy", "higher_is_better": True}
    rows = {r["run_id"]: r for r in board["rows"]}
    champion = board["rows"][0]
    assert champion["champion"] and champion["run_id"] == weaker.run_id  # the latest promotion wins
    assert rows[first.run_id]["was_champion"] and rows[first.run_id]["beats_champion"]
    assert (
        rows[regressed.run_id]["gate_status"] == "FAILED"
        and "accuracy" in rows[regressed.run_id]["failed_why"]
    )
    values = [r["primary"] for r in board["rows"][1:]]
    assert values == sorted(values, reverse=True)  # the rest by accuracy, best first
    assert [p["by"] for p in board["promotions"]] == ["mlops_test_models"] * 2
    assert board["velocity"]["candidates"] == 3 and board["velocity"]["promotions"] == 2

    # promote the better first model from the API: edit permission, an audited pin, an asset event
    uri = Asset(model_asset_uri(key)).uri
    with create_session() as session:
        asset_id = session.query(AssetModel.id).filter(AssetModel.uri == uri).scalar()
        events_before = session.query(AssetEvent).filter(AssetEvent.asset_id == asset_id).count()
    assert events_before == 2  # each promote task's outlet
    body = {"key": key, "profile_id": rows[first.run_id]["profile_id"], "reason": "better accuracy, reviewed"}
    assert client.post("/mlops/api/v1/models/promote", headers=writer("viewer"), json=body).status_code == 403
    done = client.post("/mlops/api/v1/models/promote", headers=writer("op"), json=body)
    assert done.status_code == 200, done.text
    assert done.json()["asset_event"] == f"asset event on {uri}" and done.json()["pinned_by"] == "op"
    with create_session() as session:
        assert session.query(AssetEvent).filter(AssetEvent.asset_id == asset_id).count() == events_before + 1
    now = client.get("/mlops/api/v1/models/board", params={"key": key}, headers=token("viewer")).json()
    assert (
        now["rows"][0]["run_id"] == first.run_id
        and now["promotions"][-1]["reason"] == "better accuracy, reviewed"
    )
    back = client.post(
        "/mlops/api/v1/models/rollback", headers=writer("op"), json={"key": key, "reason": "serving errors"}
    )
    assert back.status_code == 200 and back.json()["reason"] == "rollback: serving errors"
    after = client.get("/mlops/api/v1/models/board", params={"key": key}, headers=token("viewer")).json()
    assert after["rows"][0]["run_id"] == weaker.run_id
    assert "promote" in [e.action for e in store.audit_events(baseline_key=key)] or any(
        e.action == "pin" for e in store.audit_events(baseline_key=key)
    )
    bad = client.post(
        "/mlops/api/v1/models/promote", headers=writer("op"), json={**body, "profile_id": 10**9}
    )
    assert bad.status_code == 409 and "is not a candidate" in bad.json()["detail"]
    missing = client.get("/mlops/api/v1/models/board", params={"key": "nope"}, headers=token("viewer"))
    assert missing.status_code == 404

    page = client.get("/mlops/models", params={"key": key}, headers=token("viewer")).text
    assert 'class="chart metric-chart"' in page and "beats the champion" in page and "gate failed" in page
    assert page.count(">Promote</button>") == 2 and "Roll back to the previous champion" in page
    scoped = client.get("/mlops/models", params={"dag_id": "mlops_test_gate"}, headers=token("viewer")).text
    assert key not in scoped
