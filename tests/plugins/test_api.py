"""The /mlops app mounted in Airflow's real api-server app: authentication, per-DAG authorization, the JSON
API, the gate report page (escaped) and incident actions recorded with the acting user."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from tests.helpers import run_dag

pytestmark = [pytest.mark.dagrun, pytest.mark.usefixtures("airflow_db")]


@pytest.fixture(scope="module")
def client(airflow_db):  # type: ignore[no-untyped-def]
    import os

    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = "admin:admin,viewer:viewer"
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    return TestClient(create_app())


def token(role: str) -> dict[str, str]:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    jwt = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username=role, role=role))
    return {"Authorization": f"Bearer {jwt}"}


@pytest.fixture
def failed_gate(store, alerting):  # type: ignore[no-untyped-def]
    from tests.dags import gate_dags

    return run_dag(gate_dags.gate_dag, fault="nulls")


def report_path(dag_run, prefix: str = "/mlops/report") -> str:  # type: ignore[no-untyped-def]
    return f"{prefix}/{dag_run.dag_id}/{quote(dag_run.run_id, safe='')}/gate"


def test_every_route_needs_an_airflow_user(client, failed_gate) -> None:
    for path in ("/mlops/api/v1/gates", "/mlops/api/v1/incidents", report_path(failed_gate),
                 report_path(failed_gate, "/mlops/api/v1/reports")):  # fmt: skip
        assert client.get(path).status_code == 401, path
    assert client.post("/mlops/api/v1/incidents/1/ack").status_code == 401
    forged = client.get("/mlops/api/v1/gates", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 403 and "gates" not in forged.text  # Airflow rejects an invalid token


def test_overview_lists_failing_gates_first_with_counts(client, failed_gate) -> None:
    from tests.dags import gate_dags

    run_dag(gate_dags.gate_skip_dag, fault="nulls")
    body = client.get("/mlops/api/v1/gates", headers=token("viewer")).json()
    statuses = [g["status"] for g in body["gates"]]
    assert statuses == sorted(statuses, key=lambda s: s not in ("FAILED", "ERRORED"))
    mine = next(g for g in body["gates"] if g["dag_id"] == "mlops_test_gate")
    assert mine["status"] == "FAILED" and mine["owner"] == "ml-platform" and mine["incident_id"] == 1
    assert body["counts"]["FAILED"] >= 1
    only_passed = client.get("/mlops/api/v1/gates?status=PASSED", headers=token("viewer")).json()
    assert all(g["status"] == "PASSED" for g in only_passed["gates"])
    assert client.get("/mlops/api/v1/gates?status=BAD", headers=token("viewer")).status_code == 422


def test_report_shows_upstream_checks_observed_vs_expected(client, failed_gate) -> None:
    report = client.get(report_path(failed_gate, "/mlops/api/v1/reports"), headers=token("viewer")).json()
    assert report["status"] == "FAILED" and report["incident_id"] == 1
    [validate] = report["checks"]
    nulls = next(
        r for r in validate["results"] if r["name"] == "expect_column_values_to_not_be_null(alcohol)"
    )
    assert nulls["status"] == "FAILED" and nulls["observed"] is not None
    page = client.get(report_path(failed_gate), headers=token("viewer"))
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "expect_column_values_to_not_be_null(alcohol)" in page.text and "ml-platform" in page.text
    missing = client.get("/mlops/api/v1/reports/mlops_test_gate/no-such-run/gate", headers=token("viewer"))
    assert missing.status_code == 404


def test_data_derived_values_are_escaped_in_pages(client, store) -> None:
    from airflow_mlops.store import CheckRunRecord

    now = datetime.now(UTC)
    evil = "<script>alert('x')</script>"
    store.record_check_run(
        CheckRunRecord(
            dag_id="mlops_test_gate", task_id="gate", run_id="evil-run", try_number=1, kind="gate",
            status="FAILED", owner=evil, run_after=now, started_at=now, finished_at=now, message=evil,
            summary={"reasons": [evil], "upstream": []},
        ),
        [],
    )  # fmt: skip
    page = client.get("/mlops/report/mlops_test_gate/evil-run/gate", headers=token("viewer")).text
    assert evil not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_incident_actions_need_edit_permission_and_record_the_user(client, store, failed_gate) -> None:
    [incident] = store.incidents()
    ack = f"/mlops/api/v1/incidents/{incident.id}/ack"
    assert client.get(ack, headers=token("admin")).status_code == 405  # mutations are POST-only
    assert client.post(ack, headers=token("viewer")).status_code == 403
    done = client.post(ack, headers=token("admin"), json={"note": "on it"})
    assert done.status_code == 200 and done.json()["acked_by"] == "admin"
    assert store.incident(incident.id).status == "acknowledged"
    snooze = f"/mlops/api/v1/incidents/{incident.id}/snooze"
    assert client.post(snooze, headers=token("admin"), json={"duration": "soon"}).status_code == 422
    snoozed = client.post(snooze, headers=token("admin"), json={"duration": "4h"}).json()
    assert snoozed["status"] == "snoozed" and snoozed["snoozed_until"] is not None
    listed = client.get("/mlops/api/v1/incidents", headers=token("viewer")).json()["incidents"]
    assert [i["id"] for i in listed] == [incident.id]
    assert client.post("/mlops/api/v1/incidents/999/resolve", headers=token("admin")).status_code == 404


def test_the_api_is_documented_in_openapi(client) -> None:
    spec = client.get("/mlops/openapi.json").json()
    assert {"/api/v1/gates", "/api/v1/incidents", "/api/v1/incidents/{incident_id}/ack"} <= set(spec["paths"])


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
