"""DAG files must parse fast: importing our operators, or parsing an example DAG, never imports GX,
pandas or scipy (checked in a fresh interpreter)."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("great_expectations", "pandas", "scipy", "sklearn", "openlineage")


def loaded_heavy_modules(code: str) -> list[str]:
    probe = (
        textwrap.dedent(code) + f"\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    return [m for m in out.stdout.strip().splitlines()[-1].split(",") if m] if out.stdout.strip() else []


def test_importing_the_package_and_operators_is_light() -> None:
    assert (
        loaded_heavy_modules(
            "import airflow_mlops, airflow_mlops.operators, airflow_mlops.plugins.mlops\n"
            "from airflow_mlops.operators import QualityGateOperator, DataValidationOperator\n"
            "from airflow_mlops.sensors import QualityGateSensor\n"
            "from airflow_mlops.triggers import QualityGateTrigger"
        )
        == []
    )


def test_loading_the_plugin_does_not_build_the_web_app() -> None:
    """Every Airflow process loads plugins; only the api-server should pay for the /mlops app."""
    code = (
        "import sys, airflow_mlops.plugins.mlops as plugin\n"
        "print('airflow_mlops.plugins.api' in sys.modules, 'airflow.api_fastapi.app' in sys.modules)\n"
        "print(len(plugin.MlopsPlugin().fastapi_apps))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=120, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False", "1"]


@pytest.mark.parametrize("dag_file", sorted(str(p.relative_to(REPO)) for p in (REPO / "dags").glob("*.py")))
def test_example_dag_parses_without_heavy_imports(dag_file: str) -> None:
    code = f"""
    import runpy
    namespace = runpy.run_path({dag_file!r})
    from airflow.sdk import DAG
    assert any(isinstance(v, DAG) for v in namespace.values()), "no DAG at module level"
    """
    assert loaded_heavy_modules(code) == []


def test_core_never_imports_airflow() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "airflow_mlops" / "core").rglob("*.py")
        if any(
            line.strip().startswith(("import airflow", "from airflow ", "from airflow."))
            for line in path.read_text().splitlines()
        )
    ]
    assert offenders == []
    code = (
        "import sys, airflow_mlops.core, airflow_mlops.core.gx, airflow_mlops.core.suite\n"
        "print(sorted(m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=60, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


#: What the pure core never imports, anywhere (module top, functions, TYPE_CHECKING): connections,
#: threads and the engines that use them (DESIGN.md, section 9).
NOT_IN_CORE = (
    "sqlalchemy",
    "threading",
    "concurrent",
    "multiprocessing",
    "psycopg",
    "psycopg2",
    "airflow_mlops.engines",
)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports: import statements and literal ``import_module()``/``__import__()``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(str(node.args[0].value))
    return found


def test_core_has_no_connections_threads_or_engines() -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(
            name
            for name in imported_modules(path)
            if any(name == bad or name.startswith(f"{bad}.") for bad in NOT_IN_CORE)
        )
        for path in sorted((REPO / "airflow_mlops" / "core").rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}
    assert "sqlalchemy" in imported_modules(
        REPO / "airflow_mlops" / "engines" / "sql" / "session.py"
    )  # the scan sees lazy imports
