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


def test_airflow_config_list_shows_the_defaults_the_package_uses(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`airflow config list --section mlops` prints every option with the default airflow_mlops.config
    applies when it is not set (issue 15 §5: it printed empty values for the store and the registry)."""
    import os

    from airflow_mlops.get_provider_info import get_provider_info

    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__MLOPS__")}
    env["AIRFLOW_HOME"] = str(tmp_path)
    listed = subprocess.run(
        [sys.executable, "-m", "airflow", "config", "list", "--section", "mlops", "--show-values"],
        capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr[-2000:]
    printed = dict(
        (part.strip() for part in line.split("=", 1))  # type: ignore[misc]
        for line in listed.stdout.splitlines()
        if "=" in line and not line.startswith(("#", "["))
    )
    used = subprocess.run(
        [sys.executable, "-c", (
            "import json; from airflow_mlops import config as c; "
            "from airflow_mlops.core.limits import CAPS; "
            "print(json.dumps({'results_db_url': c.results_db_url(), 'owners_file': c.owners_file(), "
            "'auto_upgrade': str(c.auto_upgrade()), 'base_url': c.configured_base_url(), "
            "'validation_engine': c.validation_engine(), "
            "**{k: str(c.cap(k)) for k in CAPS}}))"
        )],
        capture_output=True, text=True, timeout=180, env=env,
    )  # fmt: skip
    assert used.returncode == 0, used.stderr[-2000:]
    options = get_provider_info()["config"]["mlops"]["options"]
    declared = {k: str(o["default"]).replace("{AIRFLOW_HOME}", str(tmp_path)) for k, o in options.items()}
    assert printed == declared == json.loads(used.stdout.strip().splitlines()[-1])
    assert printed["results_db_url"] == f"sqlite:///{tmp_path}/airflow_mlops.db"
    assert printed["owners_file"] == f"{tmp_path}/owners.yaml"
