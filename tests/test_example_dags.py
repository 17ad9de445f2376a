"""The example DAGs under dags/ run for real (dag.test) in an Airflow home of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.dagrun


@pytest.fixture(scope="module")
def example_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("example-home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__MLOPS__RESULTS_DB_URL": f"sqlite:///{home / 'airflow_mlops.db'}",
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    return env


def test_both_handoff_styles_follow_the_producers_gate(example_env: dict[str, str]) -> None:
    code = textwrap.dedent(
        """
        import importlib.util
        spec = importlib.util.spec_from_file_location("example", "dags/example_quality_handoff.py")
        dags = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(dags)
        for label, dag, conf in [
            ("first day", dags.producer, None),
            ("sensor after pass", dags.sensor_consumer, None),
            ("drifted day", dags.producer, {"fault": "drift"}),
            ("sensor after failure", dags.sensor_consumer, None),
        ]:
            print("RESULT", label, "=", dag.test(run_conf=conf).state)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=example_env, capture_output=True, text=True, timeout=900
    )
    results = dict(
        line.removeprefix("RESULT ").split(" = ")
        for line in run.stdout.splitlines()
        if line.startswith("RESULT ")
    )
    assert results == {
        "first day": "success",
        "sensor after pass": "success",
        "drifted day": "failed",
        "sensor after failure": "failed",
    }, run.stdout[-3000:] + run.stderr[-3000:]
    assert "drift_psi(alcohol) FAILED" in run.stdout + run.stderr


def test_every_dag_in_dags_imports_without_errors_in_a_real_dagbag(example_env: dict[str, str]) -> None:
    code = textwrap.dedent(
        """
        import sys
        from airflow.dag_processing.dagbag import DagBag
        bag = DagBag(dag_folder="dags")
        heavy = sorted(m for m in ("great_expectations", "pandas", "sklearn", "scipy", "papermill") if m in sys.modules)
        print("ERRORS", dict(bag.import_errors))
        print("DAGS", sorted(bag.dag_ids))
        print("HEAVY", heavy)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=example_env, capture_output=True, text=True, timeout=300
    )
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in run.stdout.splitlines() if " " in line}
    assert lines.get("ERRORS") == "{}", run.stdout[-2000:] + run.stderr[-2000:]
    assert lines["HEAVY"] == "[]"
    for dag_id in ("example_notebook_training", "example_wine_production", "example_wine_gated",
                   "example_wine_consumer_sensor", "example_wine_consumer_asset", "example_wine_validation"):  # fmt: skip
        assert dag_id in lines["DAGS"], dag_id


def test_the_papermill_dag_runs_the_notebook_and_its_contract_matches_the_schema(
    example_env: dict[str, str],
) -> None:
    home = Path(example_env["AIRFLOW_HOME"])
    code = textwrap.dedent(
        """
        import importlib.util
        spec = importlib.util.spec_from_file_location("nb", "dags/example_notebook_training.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        run = module.notebook_training.test(run_conf={"seed": 7})
        print("RESULT", run.state, run.run_id)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=example_env, capture_output=True, text=True, timeout=900
    )
    result = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert result and result[0].split()[1] == "success", run.stdout[-3000:] + run.stderr[-3000:]
    run_folder = home / "notebook_runs" / result[0].split()[2].replace(":", "_")
    executed = run_folder / "wine_quality.ipynb"
    assert executed.exists()  # the executed notebook, outputs included, is the run's record
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    assert any("injected-parameters" in cell.metadata.get("tags", []) for cell in notebook.cells)
    from airflow_mlops.contract import load_contract

    contract = load_contract(run_folder / "contracts" / "wine_quality.yaml")  # schema-checked
    assert contract.created_by == result[0].split()[2] and contract.metrics["accuracy"] > 0.8
    committed = load_contract(REPO / "dags" / "contracts" / "wine_quality.yaml")
    assert set(contract.to_dict()) == set(committed.to_dict())
