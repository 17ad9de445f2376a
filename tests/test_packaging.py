"""The package is installed from a checkout or a built wheel (it is not on any registry): `python -m build
--wheel` makes a wheel that holds everything an installed copy needs (docs/guides/existing-airflow.md)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("build") is None, reason="the `build` front-end is not installed (dev extra)"
)


def test_python_m_build_makes_a_wheel_with_the_package_data_and_entry_points(tmp_path: Path) -> None:
    # an isolated build, as the guide says: its build environment gets setuptools and wheel from the index
    run = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    [wheel] = tmp_path.glob("airflow_mlops-*-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entries = archive.read(entry_points).decode()
    for data in (
        "airflow_mlops/py.typed",
        "airflow_mlops/contract.schema.json",
        "airflow_mlops/store/alembic.ini",
        "airflow_mlops/store/migrations/env.py",
    ):
        assert data in names, data
    assert any(n.startswith("airflow_mlops/store/migrations/versions/") for n in names)
    assert not any(n.startswith(("tests/", "dags/", "bench/")) for n in names)
    assert "airflow_mlops = airflow_mlops.plugins.mlops:MlopsPlugin" in entries
    assert "provider_info = airflow_mlops.get_provider_info:get_provider_info" in entries
    assert "airflow-mlops = airflow_mlops.cli:main" in entries
