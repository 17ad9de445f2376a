"""Benchmark: DAG-file parse time with airflow-mlops operators vs the same DAG made of EmptyOperator.

Two temporary DAG files of identical shape (5 chained tasks, same DAG arguments) are written to a temp
folder: one uses ``DataValidationOperator`` (four on a file path, one on ``SqlSource``), the other only
``airflow.providers.standard.operators.empty.EmptyOperator``.

Method: every measurement runs in a fresh interpreter that first imports ``airflow`` and
``airflow.dag_processing.dagbag`` and builds one ``DagBag`` on an empty folder (one-time Airflow set-up
that a DAG processor has already paid before it parses a file). Only the second ``DagBag(dag_folder=FILE)``
construction is timed: the import of the DAG module plus DAG/task creation and validation, exactly what
Airflow does per file. Runs of the two files are interleaved; medians are reported. The target is
``ours <= EmptyOperator + 30 ms``, and parsing our DAG must not import great_expectations, pandas or scipy.

Bytecode: by default the children cache ``.pyc`` files in a temp ``PYTHONPYCACHEPREFIX`` (filled by a
warm-up run), as an installed package has them; ``--no-bytecode-cache`` compiles every module from source
in every run instead (what an editable install under ``PYTHONDONTWRITEBYTECODE=1`` pays).

Airflow runs with AIRFLOW_HOME in a temp folder and examples off, so nothing touches the repo.
Run: ``.venv/bin/python bench/parse.py [--runs N] [--no-bytecode-cache]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

TARGET_EXTRA_MS = 30.0
HEAVY = ("great_expectations", "pandas", "scipy", "numpy", "sklearn")
MUST_NOT_LOAD = ("great_expectations", "pandas", "scipy")

DAG_HEADER = '''\
"""Benchmark DAG ({name}): five chained tasks."""

from __future__ import annotations

import datetime

from airflow.sdk import DAG
{imports}

SUITE = [{{"type": "expect_column_values_to_not_be_null", "kwargs": {{"column": "a"}}}}]

with DAG(
    dag_id="bench_parse_{name}",
    schedule=None,
    start_date=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    catchup=False,
    tags=["bench"],
):
'''

OURS_BODY = """\
    t1 = DataValidationOperator(task_id="validate_1", data="/tmp/x.csv", suite=SUITE)
    t2 = DataValidationOperator(task_id="validate_2", data="/tmp/x.csv", suite=SUITE)
    t3 = DataValidationOperator(task_id="validate_3", data="/tmp/x.csv", suite=SUITE)
    t4 = DataValidationOperator(task_id="validate_4", data="/tmp/x.csv", suite=SUITE)
    t5 = DataValidationOperator(
        task_id="validate_sql", data=SqlSource(conn_id="bench_db", table="public.t"), suite=SUITE
    )
    t1 >> t2 >> t3 >> t4 >> t5
"""

EMPTY_BODY = """\
    t1 = EmptyOperator(task_id="validate_1")
    t2 = EmptyOperator(task_id="validate_2")
    t3 = EmptyOperator(task_id="validate_3")
    t4 = EmptyOperator(task_id="validate_4")
    t5 = EmptyOperator(task_id="validate_sql")
    t1 >> t2 >> t3 >> t4 >> t5
"""

# Runs in the fresh interpreter: argv[1] is the DAG file, argv[2] an empty folder for the warm-up DagBag.
CHILD = textwrap.dedent(
    """
    import json, sys, time
    import airflow
    from airflow.dag_processing.dagbag import DagBag

    DagBag(dag_folder=sys.argv[2])
    before = set(sys.modules)
    start = time.perf_counter()
    bag = DagBag(dag_folder=sys.argv[1])
    elapsed_ms = (time.perf_counter() - start) * 1000
    print(json.dumps({
        "ms": elapsed_ms,
        "dags": sorted(bag.dags),
        "tasks": sum(len(d.tasks) for d in bag.dags.values()),
        "errors": {str(k): str(v)[-500:] for k, v in bag.import_errors.items()},
        "new_modules": len(set(sys.modules) - before),
        "loaded": [m for m in HEAVY_MODULES if m in sys.modules],
    }))
    """
).replace("HEAVY_MODULES", repr(HEAVY))


def write_dags(folder: Path) -> dict[str, Path]:
    files = {
        "ours": (
            "from airflow_mlops.operators import DataValidationOperator, SqlSource",
            OURS_BODY,
        ),
        "empty": ("from airflow.providers.standard.operators.empty import EmptyOperator", EMPTY_BODY),
    }
    paths: dict[str, Path] = {}
    for name, (imports, body) in files.items():
        path = folder / f"bench_parse_{name}.py"
        path.write_text(DAG_HEADER.format(name=name, imports=imports) + body)
        paths[name] = path
    return paths


def child_env(root: Path, *, bytecode_cache: bool) -> dict[str, str]:
    """Airflow in a temp home; ``.pyc`` files in a temp prefix (an installed package has them) or none."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}  # hermetic: drop make's
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    if bytecode_cache:
        env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")  # never writes __pycache__ into the repo
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    home = root / "airflow_home"
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(root / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        GX_ANALYTICS_ENABLED="False",
    )
    return env


def measure(path: Path, empty_dir: Path, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(empty_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )
    wall_ms = (time.perf_counter() - start) * 1000
    if out.returncode != 0:
        raise RuntimeError(f"parsing {path.name} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if result["errors"] or len(result["dags"]) != 1 or result["tasks"] != 5:
        raise RuntimeError(f"{path.name} did not parse into one DAG of 5 tasks: {result}")
    result["wall_ms"] = wall_ms
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="measurements per DAG file (default 15)")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="compile every module from source in every run (as with PYTHONDONTWRITEBYTECODE=1 and an "
        "editable install); by default .pyc files are cached in a temp prefix, as for an installed package",
    )
    args = parser.parse_args()
    bytecode = (
        "no .pyc cache (every module compiled from source)" if args.no_bytecode_cache else ".pyc cached"
    )

    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        root = Path(tmp)
        home, dags, empty_dir = root / "airflow_home", root / "dags", root / "empty"
        for folder in (home, dags, empty_dir):
            folder.mkdir()
        paths = write_dags(dags)
        env = child_env(root, bytecode_cache=not args.no_bytecode_cache)
        names = list(paths)
        for name in names:  # warm-up: OS file cache and, by default, the .pyc cache
            measure(paths[name], empty_dir, env, root)
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for i in range(args.runs):
            for name in names if i % 2 == 0 else reversed(names):
                runs[name].append(measure(paths[name], empty_dir, env, root))

    median = {name: statistics.median(r["ms"] for r in runs[name]) for name in names}
    wall = {name: statistics.median(r["wall_ms"] for r in runs[name]) for name in names}
    print(
        "DAG parse benchmark: 5-task DAG, airflow-mlops operators vs EmptyOperator; "
        f"{args.runs} runs each (interleaved), fresh interpreter per run, Python {sys.version.split()[0]}"
    )
    print(
        "method: in each fresh process `import airflow` + DagBag module + one warm-up DagBag on an empty "
        "folder, then time `DagBag(dag_folder=<file>)` only (import of the DAG file + DAG/task creation); "
        f"bytecode: {bytecode}."
    )
    print()
    print(
        f"{'DAG file':<8} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'new modules':>12} {'process ms':>11}"
    )
    for name in names:
        values = [r["ms"] for r in runs[name]]
        print(
            f"{name:<8} {median[name]:>10.1f} {min(values):>8.1f} {max(values):>8.1f} "
            f"{runs[name][-1]['new_modules']:>12} {wall[name]:>11.0f}"
        )
    print()
    extra = median["ours"] - median["empty"]
    verdict = "OK" if extra <= TARGET_EXTRA_MS else "OVER TARGET"
    print(
        f"difference ours - EmptyOperator: {extra:+.1f} ms  (target <= +{TARGET_EXTRA_MS:.0f} ms: {verdict})"
    )
    loaded = sorted({m for r in runs["ours"] for m in r["loaded"]})
    for module in HEAVY:
        flag = module in loaded
        rule = "must not" if module in MUST_NOT_LOAD else "info"
        print(f"  {module:<20} in sys.modules after parsing our DAG: {flag!s:<5} ({rule})")
    bad = [m for m in MUST_NOT_LOAD if m in loaded]
    print(f"heavy imports at parse time: {'NONE' if not bad else ', '.join(bad)}")
    if bad:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
