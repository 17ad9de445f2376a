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
