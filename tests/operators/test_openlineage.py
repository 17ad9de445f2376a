"""OpenLineage: with apache-airflow-providers-openlineage and a file transport, a real DAG run emits our
check results as data-quality assertions on the checked dataset; without the provider nothing breaks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from airflow_mlops.core.results import CheckResult, Severity, Status

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.dagrun, pytest.mark.usefixtures("airflow_db")]


def test_a_dag_run_emits_assertions_for_checks_and_gate(tmp_path: Path, owners_file: Path) -> None:
    events_file = tmp_path / "openlineage.jsonl"
    env = {
        **os.environ,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(events_file), "append": True}
        ),
        "AIRFLOW__MLOPS__RESULTS_DB_URL": f"sqlite:///{tmp_path / 'store.db'}",
    }
    code = textwrap.dedent(
        """
        from tests.dags import gate_dags
        print("STATE", gate_dags.gate_dag.test(run_conf={"fault": "nulls"}).state)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert "STATE failed" in run.stdout, run.stdout[-3000:] + run.stderr[-3000:]
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    finished = {e["job"]["name"]: e for e in events if e["eventType"] in ("COMPLETE", "FAIL")}

    [validated] = finished["mlops_test_gate.validate"]["inputs"]
    assert (validated["namespace"], validated["name"]) == ("airflow_mlops", "mlops_test_gate.validate")
    assertions = {a["name"]: a for a in validated["inputFacets"]["dataQualityAssertions"]["assertions"]}
    nulls = assertions["expect_column_values_to_not_be_null(alcohol)"]
    assert (nulls["success"], nulls["column"], nulls["severity"]) == (False, "alcohol", "error")
    assert assertions["expect_column_values_to_be_between(alcohol)"]["success"] is True

    assert finished["mlops_test_gate.gate"]["eventType"] == "FAIL"
    [gated] = finished["mlops_test_gate.gate"]["inputs"]
    [gate_assertion] = gated["inputFacets"]["dataQualityAssertions"]["assertions"]
    assert (gate_assertion["name"], gate_assertion["success"]) == ("validate", False)


def test_dataset_names_follow_openlineage_conventions(tmp_path: Path) -> None:
    from airflow_mlops.operators._lineage import dataset_identity

    assert dataset_identity(str(tmp_path / "orders.csv"), dag_id="d", task_id="t") == (
        "file",
        str(tmp_path / "orders.csv"),
    )
    assert dataset_identity("s3://lake/raw/orders.parquet", dag_id="d", task_id="t") == (
        "s3://lake",
        "raw/orders.parquet",
    )
    assert dataset_identity(lambda: None, dag_id="d", task_id="t") == ("airflow_mlops", "d.t")


def test_without_the_provider_lineage_is_none_and_nothing_breaks() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["openlineage"] = None  # as if the package were not installed
        sys.modules["airflow.providers.openlineage"] = None
        from airflow_mlops.core.results import CheckResult, Status
        from airflow_mlops.operators._lineage import operator_lineage
        print(operator_lineage([CheckResult(name="x", check_type="x", status=Status.PASSED)], namespace="n", name="m"))
        """
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip().splitlines()[-1] == "None", run.stderr


def test_expected_falls_back_to_the_threshold_and_values_are_bounded() -> None:
    from airflow_mlops.operators._lineage import operator_lineage

    lineage = operator_lineage(
        [
            CheckResult(name="row_count", check_type="RowCount", status=Status.WARNED, severity=Severity.WARN,
                        observed="x" * 2000, threshold={"warn": 0.2, "fail": 0.5}),
        ],
        namespace="n",
        name="m",
    )  # fmt: skip
    [assertion] = lineage.inputs[0].inputFacets["dataQualityAssertions"].assertions
    assert assertion.expected == "{'warn': 0.2, 'fail': 0.5}" and assertion.severity == "warn"
    assert assertion.success is False and len(assertion.actual) == 500
