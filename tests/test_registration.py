"""The package registers with Airflow: `airflow plugins` and `airflow providers list` show it."""

from __future__ import annotations

import json
import subprocess
import sys


def airflow_json(*args: str) -> list[dict[str, object]]:
    out = subprocess.run(
        [sys.executable, "-m", "airflow", *args, "--output", "json"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    start = out.stdout.index("[")
    return json.loads(out.stdout[start:])


def test_plugin_is_registered_once() -> None:
    plugins = [p for p in airflow_json("plugins") if p.get("name") == "airflow_mlops"]
    assert len(plugins) == 1, plugins


def test_provider_is_listed_with_its_config_section() -> None:
    providers = {p["package_name"]: p for p in airflow_json("providers", "list")}
    assert "airflow-mlops" in providers
    from airflow_mlops.get_provider_info import get_provider_info

    info = get_provider_info()
    assert "results_db_url" in info["config"]["mlops"]["options"]
    assert "airflow_mlops.operators.validation" in info["operators"][0]["python-modules"]
