"""Benchmark: profiling a PostgreSQL table inside the database vs ``pandas.read_sql`` + ``profile_frame``.

The table ``mlops_bench.profile_rows`` in the database of ``--url`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) holds ``--rows`` rows made with
``generate_series`` and a fixed ``setseed``: 6 numeric columns (normal with 1 % NULL, lognormal, uniform,
bigint uniform on 0..999, bigint geometric-like, exponential) and 4 text columns with 5, 50, 200 and 1000
distinct values (skewed frequencies; 1 % NULL in the 200-valued one). It is created only when it is
missing or its row count differs, then read once (``count(*)``) so that both contenders find it in the
OS page cache.

Each contender runs in its own subprocess (so that its peak RSS is its own), imports first, then is
timed ``--repeats`` times:

* ``ours``   - ``profile_sql(engine, "mlops_bench.profile_rows")``: four kinds of aggregate queries run in
  PostgreSQL, only the aggregates (a few KB) reach the client;
* ``ours`` with ``quantiles="sketch"`` - the quantiles from 10,000 fine ``width_bucket`` bins per numeric
  column (no sort; hashed ``GROUPING SETS`` scans of up to 3 columns, on as many connections as one parallel
  query would use), the histograms counted from those bins;
* ``pandas`` - ``pandas.read_sql("SELECT * FROM mlops_bench.profile_rows", engine)`` then
  ``profile_frame`` of the frame: every row travels to the client.

Reported: wall time (median, fastest), the client's RSS after imports and its peak RSS (VmHWM of the
subprocess), and whether the two profiles agree. Targets: pandas / ours >= 5 (time) and a flat client
memory for ours (its peak RSS stays near its RSS after imports, whatever the row count). The server runs
with its own settings; ours runs twice: with the server's settings, and tuned with
``profile_sql(work_mem=..., parallel=...)`` (``SET LOCAL work_mem`` for its transactions, the quantile
sorts shared over that many connections), and a third time in sketch mode (server settings). The sketch
profile is checked against pandas' for equal counts, moments and categories and quantiles within one fine
bin, ``(max - min) / 10,000``.
This is a benchmark that prints figures, not a test. Run:
``.venv/bin/python bench/sql_profile.py [--rows N] [--repeats R] [--url URL]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _memory import peak_bytes, reset_peak, rss_bytes  # bench/ is sys.path[0] when run as a script

DEFAULT_ROWS = 10_000_000
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SCHEMA = "mlops_bench"
TABLE = "profile_rows"
QUALIFIED = f"{SCHEMA}.{TABLE}"
TARGET_RATIO = 5.0
MIB = 1024 * 1024

# Box-Muller from two uniforms: one standard normal per row.
_NORMAL = "sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())"


def _label(name: str, k: int) -> str:
    """A text label among ``k``, skewed: index ``floor(k * u^2)`` makes the low indexes the frequent ones."""
    return f"'{name}_' || lpad(floor({k} * power(random(), 2))::int::text, 4, '0')"


CREATE_SQL = f"""
CREATE TABLE {QUALIFIED} AS
SELECT
    CASE WHEN random() < 0.01 THEN NULL ELSE 10 + 2 * {_NORMAL} END AS n_normal,
    exp({_NORMAL}) AS n_lognormal,
    random() AS n_uniform,
    floor(random() * 1000)::bigint AS n_int,
    floor(-ln(1 - random()) * 3)::bigint AS n_geom,
    -ln(1 - random()) AS n_exp,
    {_label("c5", 5)} AS c5,
    {_label("c50", 50)} AS c50,
    CASE WHEN random() < 0.01 THEN NULL ELSE {_label("c200", 200)} END AS c200,
    {_label("c1000", 1000)} AS c1000
FROM generate_series(1, :rows)
"""


# -- memory of this process (Linux /proc) ------------------------------------------------------------------


# -- the table ---------------------------------------------------------------------------------------------


def ensure_table(url: str, rows: int) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT to_regclass(:name)"), {"name": QUALIFIED}).scalar() is not None
        count = conn.execute(sa.text(f"SELECT count(*) FROM {QUALIFIED}")).scalar() if exists else None
    if count == rows:
        print(f"table {QUALIFIED} has {rows:,} rows: reused", flush=True)
    else:
        what = "missing" if count is None else f"has {count:,} rows"
        print(f"table {QUALIFIED} {what}: creating it with {rows:,} rows ...", flush=True)
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {QUALIFIED}"))
            conn.execute(sa.text("SELECT setseed(0.20261127)"))
            conn.execute(sa.text(CREATE_SQL), {"rows": rows})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(f"VACUUM ANALYZE {QUALIFIED}"))
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    with engine.connect() as conn:
        size = conn.execute(sa.text("SELECT pg_total_relation_size(:name)"), {"name": QUALIFIED}).scalar()
        started = time.perf_counter()
        conn.execute(sa.text(f"SELECT count(*) FROM {QUALIFIED}")).scalar()  # into the OS page cache
        print(
            f"  table size {int(size or 0) / MIB:,.0f} MiB; warm-up count(*) {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    engine.dispose()


# -- the two contenders (each in a subprocess) -------------------------------------------------------------


PHASES = {
    "1": "pass 1: count, min, max, avg, stddev_samp of every column",
    "2": "pass 2: percentile_cont of the 6 numeric columns",
    "2s": "pass 2 (sketch): width_bucket fine bins of the 6 numeric columns, GROUPING SETS scans",
    "3": "pass 3: 20-bin histograms (count(*) FILTER per inner edge)",
    "4": "pass 4: the 4 text columns, top 50 and distinct count (a GROUP BY each; sketch: one GROUPING SETS)",
    "0": "reflection and other",
}


def query_phase(statement: str) -> str:
    """Which of profile_sql's passes a statement is (see its docstring)."""
    if "AS row_count" in statement:
        return "1"
    if "percentile_cont" in statement:
        return "2"
    if "width_bucket(" in statement:
        return "2s"
    if "label_groups" in statement:
        return "4"
    if statement.lstrip().startswith(("SELECT sum(", "SELECT count(*) FILTER")):
        return "3"
    return "0"


def child(name: str, url: str, repeats: int, work_mem: str | None, parallel: int, quantiles: str) -> None:
    import gc

    import sqlalchemy as sa

    from airflow_mlops.core.profile import profile_frame
    from airflow_mlops.engines.sql import profile_sql

    if name == "pandas":
        import pandas as pd
    engine = sa.create_engine(url)
    queries: dict[str, float] = {}
    if name == "ours":  # time every statement, by phase (the last run's figures are reported)

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _before(conn: Any, _cursor: Any, _statement: str, *_args: Any) -> None:
            conn.info["bench_started"] = time.perf_counter()

        @sa.event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            phase = query_phase(statement)
            queries[phase] = queries.get(phase, 0.0) + time.perf_counter() - conn.info["bench_started"]

    rss_imported = rss_bytes()
    reset_peak()
    times: list[float] = []
    reads: list[float] = []
    profile = None
    for _ in range(repeats):
        queries.clear()
        started = time.perf_counter()
        if name == "ours":
            profile = profile_sql(
                engine, QUALIFIED, work_mem=work_mem, parallel=parallel, quantiles=quantiles
            )
        else:
            frame = pd.read_sql(f"SELECT * FROM {QUALIFIED}", engine)
            reads.append(time.perf_counter() - started)
            profile = profile_frame(frame)
            del frame
        times.append(time.perf_counter() - started)
        gc.collect()
    peak = peak_bytes()
    assert profile is not None
    print(
        json.dumps(
            {
                "name": name,
                "times": times,
                "reads": reads,
                "rss_imported": rss_imported,
                "peak": peak,
                "queries": queries,
                "profile": profile.to_dict(),
            }
        )
    )


# -- the parent ------------------------------------------------------------------------------------------------


def spawn(
    name: str, url: str, repeats: int, work_mem: str | None, parallel: int = 1, quantiles: str = "exact"
) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name, "--url", url]
    command += ["--repeats", str(repeats), "--parallel", str(parallel), "--quantiles", quantiles]
    if work_mem:
        command += ["--work-mem", work_mem]
    label = name if name == "pandas" else f"ours (work_mem={work_mem or 'server'}, parallel={parallel})"
    if name == "ours" and quantiles != "exact":
        label = f"ours (quantiles={quantiles!r})"
    print(f"running {label} ({repeats} runs) ...", flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed with exit code {done.returncode}:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["label"] = label
    result["median"] = statistics.median(result["times"])
    result["fastest"] = min(result["times"])
    print(
        f"  {result['median']:.2f} s (median), client peak RSS {result['peak'] / MIB:,.0f} MiB "
        f"(after imports {result['rss_imported'] / MIB:,.0f} MiB)",
        flush=True,
    )
    return result


def compare_profiles(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Differences between two profile dicts: exact counts and categories, numbers to 1e-9 relative."""
    import math

    problems: list[str] = []
    if a["row_count"] != b["row_count"]:
        problems.append(f"row_count {a['row_count']} vs {b['row_count']}")
    for ca, cb in zip(a["columns"], b["columns"], strict=True):
        name = ca["name"]
        for key in ("kind", "dtype", "count", "null_count", "top", "other_count", "distinct_count"):
            if ca.get(key) != cb.get(key):
                problems.append(f"{name}.{key}: {str(ca.get(key))[:60]} vs {str(cb.get(key))[:60]}")
        for key in ("min", "max", "mean", "std", "quantiles", "hist_edges"):
            va, vb = ca.get(key), cb.get(key)
            if va is None and vb is None:
                continue
            xs = va if isinstance(va, list) else [va]
            ys = vb if isinstance(vb, list) else [vb]
            if len(xs) != len(ys) or any(
                not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for x, y in zip(xs, ys, strict=False)
            ):
                problems.append(f"{name}.{key} differs")
        if ca.get("hist_counts") != cb.get("hist_counts"):
            problems.append(f"{name}.hist_counts differ")
    return problems


SKETCH_BINS = 10_000


def compare_sketch(sketch: dict[str, Any], exact: dict[str, Any]) -> list[str]:
    """A sketch profile vs the exact one: all but quantiles and histograms as compare_profiles does; every
    quantile within one fine bin ``(max - min) / SKETCH_BINS`` of the exact one; histogram counts summing
    to the count (their exactness on their own edges is tested in tests/core/test_profile.py)."""
    strip = ("quantiles", "hist_edges", "hist_counts")
    problems = compare_profiles(
        {**sketch, "columns": [{k: v for k, v in c.items() if k not in strip} for c in sketch["columns"]]},
        {**exact, "columns": [{k: v for k, v in c.items() if k not in strip} for c in exact["columns"]]},
    )
    for cs, ce in zip(sketch["columns"], exact["columns"], strict=True):
        if cs["kind"] != "numeric" or not ce.get("quantiles"):
            continue
        width = (ce["max"] - ce["min"]) / SKETCH_BINS
        worst = max(abs(a - b) for a, b in zip(cs["quantiles"], ce["quantiles"], strict=True))
        if worst > width * (1 + 1e-9):
            problems.append(f"{cs['name']}.quantiles off by {worst} > one bin {width}")
        if sum(cs["hist_counts"]) != cs["count"]:
            problems.append(f"{cs['name']}.hist_counts do not sum to the count")
    return problems


def worst_bin_error(sketch: dict[str, Any], exact: dict[str, Any]) -> float:
    """The largest quantile error over all numeric columns, in fine-bin widths."""
    worst = 0.0
    for cs, ce in zip(sketch["profile"]["columns"], exact["profile"]["columns"], strict=True):
        if cs["kind"] == "numeric" and ce.get("quantiles") and ce["max"] > ce["min"]:
            width = (ce["max"] - ce["min"]) / SKETCH_BINS
            err = max(abs(a - b) for a, b in zip(cs["quantiles"], ce["quantiles"], strict=True))
            worst = max(worst, err / width)
    return worst


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the table")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each contender")
    parser.add_argument("--url", default=os.environ.get("MLOPS_BENCH_PG_URL", DEFAULT_URL))
    parser.add_argument(
        "--work-mem", default="256MB", help="profile_sql(work_mem=...) of the tuned run (default 256MB)"
    )
    parser.add_argument(
        "--parallel", type=int, default=2, help="profile_sql(parallel=...) of the tuned run (default 2)"
    )
    parser.add_argument("--quantiles", default="exact", help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=["ours", "pandas"], help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = arguments()
    if args.child:
        child(args.child, args.url, args.repeats, args.work_mem or None, args.parallel, args.quantiles)
        return

    import sqlalchemy as sa

    print(
        f"SQL push-down profile vs pandas.read_sql + profile_frame, {args.rows:,} rows x 10 columns; "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        flush=True,
    )
    ensure_table(args.url, args.rows)
    engine = sa.create_engine(args.url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar()
        settings = {
            key: conn.execute(sa.text(f"SHOW {key}")).scalar()
            for key in ("work_mem", "shared_buffers", "max_parallel_workers_per_gather")
        }
    engine.dispose()
    print(f"PostgreSQL {version}; {', '.join(f'{k}={v}' for k, v in settings.items())}", flush=True)

    plain = spawn("ours", args.url, args.repeats, None, 1)
    tuned = spawn("ours", args.url, args.repeats, args.work_mem, args.parallel)
    sketch = spawn("ours", args.url, args.repeats, None, 1, "sketch")
    pandas = spawn("pandas", args.url, args.repeats, None)

    print()
    print(
        f"{'contender':<40} {'runs':>4} {'median s':>9} {'fastest s':>9} {'RSS after imports MiB':>22} {'peak MiB':>9}"
    )
    for r in (plain, tuned, sketch, pandas):
        print(
            f"{r['label']:<40} {len(r['times']):>4} {r['median']:>9.2f} {r['fastest']:>9.2f} "
            f"{r['rss_imported'] / MIB:>22,.0f} {r['peak'] / MIB:>9,.0f}"
        )
    for ours in (plain, tuned, sketch):
        print(
            f"{ours['label']}, time per pass (last run; summed over its connections, which run at once when there are several):"
        )
        for phase, seconds in sorted(
            ours["queries"].items(), key=lambda item: item[0] if item[0] != "0" else "9"
        ):
            print(f"  {seconds:7.2f} s  {PHASES[phase]}")
    if pandas["reads"]:
        read = statistics.median(pandas["reads"])
        print(f"pandas: read_sql {read:.2f} s + profile_frame {pandas['median'] - read:.2f} s (medians)")
    print()
    for ours in (plain, tuned, sketch):
        ratio = pandas["median"] / ours["median"]
        met = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(
            f"pandas / {ours['label']} (medians): {ratio:.1f}x (fastest runs: "
            f"{pandas['fastest'] / ours['fastest']:.1f}x); target >= {TARGET_RATIO:.0f}x: {met}"
        )
    for ours in (plain, tuned, sketch):
        grown = ours["peak"] - ours["rss_imported"]
        print(
            f"client memory of {ours['label']}: peak {ours['peak'] / MIB:,.0f} MiB, {grown / MIB:,.1f} MiB above "
            f"its RSS after imports; pandas peaks at {pandas['peak'] / MIB:,.0f} MiB"
        )
        if ours is sketch:
            problems = compare_sketch(ours["profile"], pandas["profile"])
            if problems:
                print(f"  profiles differ in {len(problems)} place(s): " + "; ".join(problems[:10]))
            else:
                print(
                    "  profiles agree (counts and categories exact; statistics to 1e-9 relative; every "
                    f"quantile within one fine bin; worst quantile error {worst_bin_error(ours, pandas):.3f} "
                    "bin widths)"
                )
            continue
        problems = compare_profiles(ours["profile"], pandas["profile"])
        if problems:
            print(f"  profiles differ in {len(problems)} place(s): " + "; ".join(problems[:10]))
        else:
            print("  profiles agree (counts, categories and histograms exact; statistics to 1e-9 relative)")


if __name__ == "__main__":
    main()
