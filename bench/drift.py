"""Benchmark: profile + drift of 10 columns with airflow-mlops vs a raw numpy pass vs Evidently.

Two seeded frames of ``--rows`` rows each (a baseline and a current batch), 10 columns: 6 numeric
(normal with 1 % NaN, lognormal, uniform, int64 uniform on 0..999, int64 Poisson, exponential) and 4
string columns with 5, 50, 200 and 1000 distinct values (Zipf-like frequencies; 1 % nulls in the
200-valued one). The current batch drifts in three columns (``n_normal`` shifted by 0.05 std, ``n_exp``
scaled by 1.1, ``c50`` re-weighted); the other seven only differ by sampling noise.

The frames are written once as Parquet (cached under ``$MLOPS_BENCH_DATA``, default
``/tmp/mlops-bench-drift``), and every contender runs in its own subprocess that reads them, so that its
peak RSS is its own:

* ``ours``      - ``profile_frame(baseline)``, ``profile_frame(current, reference=baseline_profile)``
  (the current batch counted on the baseline's bins and categories), then one ``Drift`` check per
  column: PSI for numeric columns, chi-square (Cramer's phi^2) for categorical ones;
* ``numpy``     - the practical floor, a minimal hand-written single pass: per numeric column
  ``np.quantile`` at 101 points, a histogram on the quantile edges (the current batch on the baseline's
  edges), mean/std/min/max and the null count; per categorical column ``value_counts``; then the same
  PSI and chi-square with a few lines of numpy;
* ``evidently`` - ``Report([DataDriftPreset()]).run(current_data=..., reference_data=...)`` on
  ``Dataset.from_pandas`` with an explicit ``DataDefinition`` (the same 6 numeric and 4 categorical
  columns as ours, rather than Evidently's own type inference), then
  ``snapshot.dict()`` to read the per-column results. Evidently 0.7 does not import under pandas 3, so
  it runs in its own venv (``$MLOPS_BENCH_EVIDENTLY_VENV``, default ``/tmp/mlops-bench-evidently-venv``,
  created on first use with ``python3.11 -m venv`` and ``pip install "evidently>=0.7,<0.8"
  "pandas>=2.3,<3" pyarrow``).

In each subprocess: imports, then the Parquet read (timed apart, not counted), then the peak-RSS counter
is reset (``/proc/self/clear_refs``) and the contender is timed ``--repeats`` times (Evidently once).
"added" memory is the peak RSS during the timed runs minus the RSS with the frames loaded. The parent
kills a subprocess that exceeds ``--max-rss-gb`` or ``--evidently-timeout``.

Targets: Evidently time / ours >= 25, ours / numpy <= 1.3, memory added by ours <= 0.5 GB. This is a
benchmark that prints figures, not a test. Run:
``.venv/bin/python bench/drift.py [--rows N] [--skip-evidently] [--evidently-rows N[,N...]]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from _memory import peak_bytes, reset_peak, rss_bytes  # bench/ is sys.path[0] when run as a script

DEFAULT_ROWS = 10_000_000
NUMERIC = ["n_normal", "n_lognormal", "n_uniform", "n_int", "n_poisson", "n_exp"]
CATEGORICAL = {"c5": 5, "c50": 50, "c200": 200, "c1000": 1000}
DRIFTED = ("n_normal", "n_exp", "c50")
TOP_K = 50  # categories kept per categorical column, as profile_frame's default
TARGET_EVIDENTLY_RATIO = 25.0
TARGET_NUMPY_RATIO = 1.3
TARGET_ADDED_BYTES = 0.5e9
DATA_VERSION = 1
MIB = 1024 * 1024
EVIDENTLY_VENV = Path(os.environ.get("MLOPS_BENCH_EVIDENTLY_VENV", "/tmp/mlops-bench-evidently-venv"))
DATA_ROOT = Path(os.environ.get("MLOPS_BENCH_DATA", "/tmp/mlops-bench-drift"))
EVIDENTLY_REQUIREMENTS = ["evidently>=0.7,<0.8", "pandas>=2.3,<3", "pyarrow"]


# -- memory of this process (Linux /proc) ------------------------------------------------------------------


# -- data ----------------------------------------------------------------------------------------------------


def data_dir(rows: int) -> Path:
    return DATA_ROOT / f"v{DATA_VERSION}-rows{rows}"


def _zipf(k: int, exponent: float = 0.7) -> Any:
    import numpy as np

    weights = 1.0 / np.arange(1, k + 1) ** exponent
    return weights / weights.sum()


def write_frame(path: Path, rows: int, seed: int, drifted: bool) -> None:
    """Write one batch as Parquet with pyarrow (plain string columns, NaN as float NaN, nulls as nulls)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    normal = rng.normal(10.0 + (0.1 if drifted else 0.0), 2.0, rows)
    normal[rng.random(rows) < 0.01] = np.nan
    columns: dict[str, Any] = {
        "n_normal": normal,
        "n_lognormal": rng.lognormal(0.0, 1.0, rows),
        "n_uniform": rng.random(rows),
        "n_int": rng.integers(0, 1000, rows, dtype=np.int64),
        "n_poisson": rng.poisson(3.0, rows).astype(np.int64),
        "n_exp": rng.exponential(1.1 if drifted else 1.0, rows),
    }
    for name, k in CATEGORICAL.items():
        p = _zipf(k)
        if drifted and name == "c50":
            p = 0.8 * p + 0.2 * p[::-1]
        labels = pa.array([f"{name}_{i:04d}" for i in range(k)], pa.string())
        index = rng.choice(k, size=rows, p=p).astype(np.int32)
        mask = rng.random(rows) < 0.01 if name == "c200" else None
        columns[name] = labels.take(pa.array(index, mask=mask))
    table = pa.table({name: pa.array(v) if not isinstance(v, pa.Array) else v for name, v in columns.items()})
    pq.write_table(table, path)


def ensure_data(rows: int) -> Path:
    folder = data_dir(rows)
    if (folder / "done").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"writing 2 x {rows:,} rows as Parquet under {folder} ...", flush=True)
    write_frame(folder / "baseline.parquet", rows, seed=20261127, drifted=False)
    write_frame(folder / "current.parquet", rows, seed=20261128, drifted=True)
    (folder / "done").write_text("ok\n")
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return folder


# -- the three contenders (run inside a subprocess) -----------------------------------------------------------


def run_ours(baseline: Any, current: Any) -> dict[str, float]:
    from airflow_mlops.core.checks import Drift
    from airflow_mlops.core.profile import profile_frame

    base_profile = profile_frame(baseline)
    cur_profile = profile_frame(current, reference=base_profile)
    out: dict[str, float] = {}
    for name, column in base_profile.columns.items():
        method = "psi" if column.kind == "numeric" else "chi2"
        result = Drift(name, method=method, warn=0.1, fail=0.25).evaluate(cur_profile, base_profile)
        out[name] = float(result.statistic)  # type: ignore[arg-type]
    return out


def _np_psi(b: Any, c: Any, eps: float = 1e-4) -> float:
    import numpy as np

    p = b / b.sum()
    q = c / c.sum()
    p = np.where(p > 0, p, eps)
    q = np.where(q > 0, q, eps)
    return float(np.sum((q - p) * np.log(q / p)))


def _np_phi2(b: Any, c: Any) -> float:
    keep = (b + c) > 0
    b, c = b[keep], c[keep]
    n_b, n_c = b.sum(), c.sum()
    total = n_b + n_c
    col = b + c
    e_b, e_c = n_b * col / total, n_c * col / total
    return float((((b - e_b) ** 2 / e_b).sum() + ((c - e_c) ** 2 / e_c).sum()) / total)


def _np_profile(frame: Any, reference: dict[str, Any] | None) -> dict[str, Any]:
    import numpy as np

    probs = np.linspace(0.0, 1.0, 101)
    profile: dict[str, Any] = {}
    for name in NUMERIC:
        values = frame[name].to_numpy(dtype="float64", na_value=np.nan)
        null = np.isnan(values)
        x = values[~null]
        q = np.quantile(x, probs)
        edges = reference[name]["edges"] if reference else np.unique(q[::5])
        hist = np.bincount(np.searchsorted(edges[1:-1], x, side="right"), minlength=len(edges) - 1)
        profile[name] = {
            "nulls": int(null.sum()),
            "min": float(x.min()),
            "max": float(x.max()),
            "mean": float(x.mean()),
            "std": float(x.std(ddof=1)),
            "quantiles": q,
            "edges": edges,
            "hist": hist,
        }
    for name in CATEGORICAL:
        series = frame[name]
        profile[name] = {"nulls": int(series.isna().sum()), "counts": series.value_counts(dropna=True)}
    return profile


def run_numpy(baseline: Any, current: Any) -> dict[str, float]:
    import numpy as np

    base = _np_profile(baseline, None)
    cur = _np_profile(current, base)
    out: dict[str, float] = {}
    for name in NUMERIC:
        out[name] = _np_psi(base[name]["hist"].astype(float), cur[name]["hist"].astype(float))
    for name in CATEGORICAL:
        b_counts, c_counts = base[name]["counts"], cur[name]["counts"]
        top = b_counts.index[:TOP_K]  # value_counts sorts by count: the baseline's top categories
        b = b_counts.reindex(top).to_numpy(dtype=float)
        c = c_counts.reindex(top, fill_value=0).to_numpy(dtype=float)
        b = np.append(b, b_counts.sum() - b.sum())
        c = np.append(c, c_counts.sum() - c.sum())
        out[name] = _np_phi2(b, c)
    return out


def run_evidently(baseline: Any, current: Any) -> dict[str, float]:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=NUMERIC, categorical_columns=list(CATEGORICAL))
    reference = Dataset.from_pandas(baseline, data_definition=definition)
    current_data = Dataset.from_pandas(current, data_definition=definition)
    snapshot = Report([DataDriftPreset()]).run(current_data=current_data, reference_data=reference)
    out: dict[str, float] = {}
    for metric in snapshot.dict()["metrics"]:
        config = metric.get("config", {})
        if config.get("type", "").endswith("ValueDrift"):
            out[f"{config['column']}"] = float(metric["value"])
            out[f"{config['column']}:method"] = config.get("method")  # type: ignore[assignment]
    return out


def child(name: str, folder: Path, repeats: int) -> None:
    """Load both frames, time the contender, print one JSON line with the figures."""
    import gc

    import pandas as pd

    contender = {"ours": run_ours, "numpy": run_numpy, "evidently": run_evidently}[name]
    if name == "ours":
        import airflow_mlops.core.checks
        import airflow_mlops.core.drift
        import airflow_mlops.core.profile  # noqa: F401
    elif name == "evidently":
        import evidently.presets  # noqa: F401
    rss_imported = rss_bytes()
    started = time.perf_counter()
    baseline = pd.read_parquet(folder / "baseline.parquet")
    current = pd.read_parquet(folder / "current.parquet")
    load_s = time.perf_counter() - started
    gc.collect()
    rss_loaded = rss_bytes()
    reset_peak()
    times: list[float] = []
    stats: dict[str, float] = {}
    for _ in range(repeats):
        started = time.perf_counter()
        stats = contender(baseline, current)
        times.append(time.perf_counter() - started)
        gc.collect()
    peak = peak_bytes()
    dtypes = sorted({str(t) for t in baseline.dtypes})
    print(
        json.dumps(
            {
                "name": name,
                "rows": len(baseline),
                "load_s": load_s,
                "times": times,
                "rss_imported": rss_imported,
                "rss_loaded": rss_loaded,
                "peak": peak,
                "added": peak - rss_loaded,
                "stats": stats,
                "dtypes": dtypes,
                "pandas": pd.__version__,
            }
        )
    )


# -- the parent ------------------------------------------------------------------------------------------------


def evidently_python() -> Path:
    """The Evidently venv's interpreter, creating the venv on first use."""
    python = EVIDENTLY_VENV / "bin" / "python"
    if python.exists():
        check = subprocess.run([str(python), "-c", "import evidently.presets"], capture_output=True)
        if check.returncode == 0:
            return python
    base = shutil.which("python3.11") or sys.executable
    print(f"creating the Evidently venv {EVIDENTLY_VENV} with {base} ...", flush=True)
    subprocess.run([base, "-m", "venv", str(EVIDENTLY_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *EVIDENTLY_REQUIREMENTS],
        check=True,
    )
    return python


def spawn(python: Path, name: str, rows: int, repeats: int, timeout: float, max_rss: float) -> dict[str, Any]:
    """Run one contender in a subprocess; kill it past ``timeout`` seconds or ``max_rss`` bytes of RSS."""
    folder = ensure_data(rows)
    command = [str(python), str(Path(__file__).resolve()), "--child", name, "--data", str(folder)]
    command += ["--repeats", str(repeats)]
    print(f"running {name} on {rows:,} rows ...", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed: list[str] = []
    highest = [0]

    def watch() -> None:
        while process.poll() is None:
            try:
                with open(f"/proc/{process.pid}/status") as status:
                    rss = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))
            except (OSError, StopIteration):
                rss = 0
            highest[0] = max(highest[0], rss)
            elapsed = time.perf_counter() - started
            reason = ""
            if rss > max_rss:
                reason = f"RSS {rss / MIB:,.0f} MiB over the limit of {max_rss / MIB:,.0f} MiB"
            elif elapsed > timeout:
                reason = f"still running after {elapsed:,.0f} s (limit {timeout:,.0f} s)"
            if reason:
                killed.append(reason)
                process.kill()
                return
            time.sleep(0.5)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stdout, stderr = process.communicate()
    watcher.join()
    wall = time.perf_counter() - started
    if killed or process.returncode != 0:
        reason = killed[0] if killed else f"exit code {process.returncode}: {stderr.strip()[-800:]}"
        print(f"  {name} at {rows:,} rows FAILED: {reason}", flush=True)
        return {"name": name, "rows": rows, "error": reason, "wall": wall, "highest_rss": highest[0]}
    result = json.loads(stdout.strip().splitlines()[-1])
    result["wall"] = wall
    result["median"] = statistics.median(result["times"])
    result["fastest"] = min(result["times"])
    print(
        f"  {result['median']:.2f} s (median of {len(result['times'])}), peak {result['peak'] / MIB:,.0f} MiB, "
        f"added {result['added'] / MIB:,.0f} MiB",
        flush=True,
    )
    return result


def print_table(results: list[dict[str, Any]]) -> None:
    print()
    print(
        f"{'contender':<10} {'rows':>12} {'runs':>4} {'median s':>9} {'fastest s':>9} {'read s':>7} "
        f"{'RSS loaded MiB':>14} {'peak MiB':>9} {'added MiB':>9}"
    )
    for r in results:
        if "error" in r:
            print(f"{r['name']:<10} {r['rows']:>12,} FAILED: {r['error']}")
            continue
        print(
            f"{r['name']:<10} {r['rows']:>12,} {len(r['times']):>4} {r['median']:>9.2f} {r['fastest']:>9.2f} "
            f"{r['load_s']:>7.1f} {r['rss_loaded'] / MIB:>14,.0f} {r['peak'] / MIB:>9,.0f} "
            f"{r['added'] / MIB:>9,.0f}"
        )


def print_statistics(results: list[dict[str, Any]]) -> None:
    """The drift statistics side by side at the largest row count each contender ran (a sanity check)."""
    latest = {r["name"]: r for r in sorted(results, key=lambda r: r["rows"]) if "error" not in r}
    if not latest:
        return
    print()
    print("drift statistics (drifted columns: " + ", ".join(DRIFTED) + ")")
    header = f"{'column':<12} {'ours':>12} {'numpy':>12}"
    ev = latest.get("evidently")
    if ev:
        header += f"   evidently ({ev['rows']:,} rows)"
    print(header + "   [ours/numpy: PSI numeric, chi2 (phi^2) categorical]")
    for name in [*NUMERIC, *CATEGORICAL]:
        line = f"{name:<12}"
        for who in ("ours", "numpy"):
            value = latest[who]["stats"].get(name) if who in latest else None
            line += f" {value:>12.6f}" if value is not None else f" {'-':>12}"
        if ev:
            line += f"   {ev['stats'].get(name, float('nan')):.6f} ({ev['stats'].get(name + ':method')})"
        print(line)


def find(results: list[dict[str, Any]], name: str, rows: int) -> dict[str, Any] | None:
    for r in results:
        if r["name"] == name and r["rows"] == rows and "error" not in r:
            return r
    return None


def print_ratios(results: list[dict[str, Any]], rows: int, evidently_rows: list[int]) -> None:
    print()
    ours, numpy = find(results, "ours", rows), find(results, "numpy", rows)
    if ours and numpy:
        ratio = ours["median"] / numpy["median"]
        met = "met" if ratio <= TARGET_NUMPY_RATIO else "NOT met"
        fastest = ours["fastest"] / numpy["fastest"]
        print(
            f"ours / numpy at {rows:,} rows (medians): {ratio:.2f} (fastest runs: {fastest:.2f}); "
            f"target <= {TARGET_NUMPY_RATIO}: {met}"
        )
    if ours:
        added = ours["added"]
        met = "met" if added <= TARGET_ADDED_BYTES else "NOT met"
        print(
            f"memory added by ours at {rows:,} rows: {added / 1e9:.2f} GB ({added / MIB:,.0f} MiB) over the "
            f"loaded frames ({ours['rss_loaded'] / MIB:,.0f} MiB); target <= 0.5 GB: {met}"
        )
    if numpy:
        print(f"memory added by numpy at {rows:,} rows: {numpy['added'] / 1e9:.2f} GB")
    for n in evidently_rows:
        ev, ours_n = find(results, "evidently", n), find(results, "ours", n)
        if ev is None:
            failed = next((r for r in results if r["name"] == "evidently" and r["rows"] == n), None)
            if failed is not None:
                print(f"Evidently at {n:,} rows: no figure ({failed['error']})")
            continue
        if ours_n is None:
            continue
        ratio = ev["median"] / ours_n["median"]
        met = "met" if ratio >= TARGET_EVIDENTLY_RATIO else "NOT met"
        note = "" if n == rows else f" (Evidently run at {n:,} rows, not {rows:,}; ours at the same size)"
        print(
            f"Evidently / ours at {n:,} rows: {ratio:.1f}x ({ev['median']:.1f} s vs {ours_n['median']:.2f} s); "
            f"target >= {TARGET_EVIDENTLY_RATIO:.0f}x: {met}{note}"
        )
        print(
            f"  Evidently peak RSS {ev['peak'] / 2**30:.2f} GiB, added {ev['added'] / 2**30:.2f} GiB over "
            f"its loaded frames ({ev['rss_loaded'] / MIB:,.0f} MiB; pandas {ev['pandas']}, dtypes {ev['dtypes']})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=DEFAULT_ROWS, help="rows per frame (baseline and current)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of ours and numpy (Evidently: 1)")
    parser.add_argument("--skip-evidently", action="store_true", help="do not run Evidently")
    parser.add_argument(
        "--evidently-rows",
        default=None,
        help="comma-separated row counts for Evidently (default: --rows); ours also runs at each, for the ratio",
    )
    parser.add_argument(
        "--evidently-timeout", type=float, default=900.0, help="seconds before Evidently is killed"
    )
    parser.add_argument(
        "--max-rss-gb", type=float, default=18.0, help="kill a contender whose RSS passes this"
    )
    parser.add_argument("--child", choices=["ours", "numpy", "evidently"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data, args.repeats)
        return

    evidently_rows = (
        [] if args.skip_evidently else [int(n) for n in (args.evidently_rows or str(args.rows)).split(",")]
    )
    print(
        f"profile + drift of 10 columns (6 numeric, 4 categorical with 5-1000 values), {args.rows:,} rows; "
        f"{os.cpu_count()} cores, {platform.python_version()}, {platform.platform()}",
        flush=True,
    )
    max_rss = args.max_rss_gb * 2**30
    results: list[dict[str, Any]] = []
    python = Path(sys.executable)
    for rows in sorted({args.rows, *evidently_rows}):
        for name in ("ours", "numpy"):
            results.append(spawn(python, name, rows, args.repeats, timeout=3600.0, max_rss=max_rss))
    if evidently_rows:
        ev_python = evidently_python()
        for rows in evidently_rows:
            results.append(
                spawn(ev_python, "evidently", rows, 1, timeout=args.evidently_timeout, max_rss=max_rss)
            )
    print_table(results)
    print_statistics(results)
    print_ratios(results, args.rows, evidently_rows)
    if args.skip_evidently:
        print("Evidently skipped (--skip-evidently).")


if __name__ == "__main__":
    main()
