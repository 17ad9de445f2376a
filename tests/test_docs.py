"""The documentation cannot rot: every ```python example in the README and docs/ runs, the CLI reference
is what the parser says, every [mlops] key is documented, and the site builds with ``mkdocs --strict``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
EXAMPLES = [
    pytest.param(code, id=f"{page.relative_to(REPO)}:{source[: match.start()].count(chr(10)) + 1}")
    for page in PAGES
    for source in [page.read_text()]
    for match in re.finditer(r"```python\n(.*?)```", source, re.S)
    for code in [match.group(1)]
]


def test_there_are_examples_to_run() -> None:
    assert len(EXAMPLES) >= 12


def owners_example() -> str:
    """The owners.yaml of docs/concepts/owners.md: the examples run against it (so it is checked too)."""
    page = (REPO / "docs" / "concepts" / "owners.md").read_text()
    return next(m.group(1) for m in re.finditer(r"```yaml\n(.*?)```", page, re.S) if "teams:" in m.group(1))


@pytest.mark.parametrize("code", EXAMPLES)
def test_every_python_example_in_the_docs_runs(code: str, tmp_path: Path) -> None:
    (tmp_path / "owners.yaml").write_text(owners_example())
    env = {
        **os.environ,
        "AIRFLOW__MLOPS__RESULTS_DB_URL": f"sqlite:///{tmp_path / 'docs-store.db'}",
        "AIRFLOW__MLOPS__OWNERS_FILE": str(tmp_path / "owners.yaml"),
    }
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]


def test_the_cli_reference_is_generated_from_the_parser() -> None:
    from airflow_mlops.cli_docs import render

    committed = (REPO / "docs" / "reference" / "cli.md").read_text()
    assert committed == render(), "regenerate it: python -m airflow_mlops.cli_docs > docs/reference/cli.md"


def test_every_mlops_config_key_is_documented() -> None:
    from airflow_mlops.get_provider_info import get_provider_info

    page = (REPO / "docs" / "configuration.md").read_text()
    for key in get_provider_info()["config"]["mlops"]["options"]:
        assert f"| `{key}` |" in page, key


def test_the_docs_site_builds_strictly(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "api" / "index.html").read_text().count(
        "QualityGateOperator"
    ) > 1
