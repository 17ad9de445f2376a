"""Benchmark: validating one large pandas DataFrame with airflow-mlops vs raw Great Expectations vs pandas.

Four ways of checking the same expectations on the same in-memory frame, in one process:

* ``native`` - ``airflow_mlops.core.gx.run_suite(engine="native")``: what ``DataValidationOperator``
  runs by default (``engine="auto"``) when every type is covered: the native pandas engine, GX's exact
  results, no GX at all;
* ``ours``   - ``airflow_mlops.core.gx.run_suite(engine="gx")``: our GX path (suite parsing, GX
  ephemeral context, validation, conversion of the results);
* ``raw_gx`` - the GX Core 1.x public API used directly: ephemeral context, pandas datasource, dataframe
  asset, whole-dataframe batch definition, ``ValidationDefinition.run``;
* ``pandas`` - a hand-written pandas equivalent of the same checks (the floor: no framework at all).

Each path is warmed up once, then timed ``--repeats`` times with the order rotated every round; the
median is reported. The targets are ``ours / raw_gx <= 1.10``, ``raw_gx / native >= 5`` and
``native / pandas <= 1.5``. This is a benchmark that prints figures,
not a test. Run: ``.venv/bin/python bench/validation.py [--rows N] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import platform
import resource
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

os.environ["GX_ANALYTICS_ENABLED"] = "False"
logging.getLogger("great_expectations").setLevel(logging.WARNING)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import psutil  # noqa: E402

DEFAULT_ROWS = 10_000_000
TARGET_RATIO = 1.10
TARGET_NATIVE_SPEEDUP = 5.0
TARGET_NATIVE_FLOOR = 1.5
CATEGORIES = ["red", "green", "blue", "amber", "violet"]
MB = 1024 * 1024


def expectation_dicts(rows: int) -> list[dict[str, Any]]:
    """The suite, in GX's own dict form. One expectation fails on purpose (1 % nulls in ``a``)."""
    return [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a", "mostly": 0.95}},
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "b", "min_value": 0, "max_value": 99},
        },
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "cat", "value_set": CATEGORIES}},
        {
            "type": "expect_column_mean_to_be_between",
            "kwargs": {"column": "c", "min_value": 0.45, "max_value": 0.55},
        },
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1, "max_value": 2 * rows}},
    ]


def make_frame(rows: int, seed: int = 20261126) -> pd.DataFrame:
    """4 numeric columns (one with 1 % nulls, one unique id) and one 5-valued string column."""
    rng = np.random.default_rng(seed)
    a = rng.normal(10.0, 2.0, rows)
    a[rng.random(rows) < 0.01] = np.nan
    return pd.DataFrame(
        {
            "id": rng.permutation(rows).astype(np.int64),
            "a": a,
            "b": rng.integers(0, 100, rows, dtype=np.int64),
            "c": rng.random(rows),
            "cat": np.array(CATEGORIES, dtype=object)[rng.integers(0, len(CATEGORIES), rows)],
        }
    )


# -- the three ways ---------------------------------------------------------------------------------------


def run_ours(df: pd.DataFrame, suite: list[dict[str, Any]], engine: str = "gx") -> list[bool]:
    from airflow_mlops.core.gx import run_suite
    from airflow_mlops.core.results import Severity
    from airflow_mlops.core.suite import load_suite

    results = run_suite(
        load_suite(suite),
        default_severity=Severity.FAIL,
        result_format="SUMMARY",
        frame=df,
        source="bench",
        columns=list(df.columns),
        engine=engine,
    )
    if any(r.details.get("engine") != engine for r in results):
        raise RuntimeError(f"not every expectation ran on the {engine} engine")
    return [r.passed for r in results]


def run_raw_gx(df: pd.DataFrame, suite: list[dict[str, Any]]) -> list[bool]:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    unique = uuid.uuid4().hex[:12]
    expectations = [
        getattr(gx.expectations, "".join(part.title() for part in e["type"].split("_")))(**e["kwargs"])
        for e in suite
    ]
    gx_suite = ctx.suites.add(gx.ExpectationSuite(name=f"bench-{unique}", expectations=expectations))
    asset = ctx.data_sources.add_pandas(name=f"pandas-{unique}").add_dataframe_asset(name="frame")
    batch_definition = asset.add_batch_definition_whole_dataframe("whole")
    definition = ctx.validation_definitions.add(
        gx.ValidationDefinition(name=f"validation-{unique}", data=batch_definition, suite=gx_suite)
    )
    run = definition.run(batch_parameters={"dataframe": df}, result_format="SUMMARY")
    by_id = {r.expectation_config.id: bool(r.success) for r in run.results}
    return [by_id[e.id] for e in gx_suite.expectations]


def run_pandas(df: pd.DataFrame, suite: list[dict[str, Any]]) -> list[bool]:
    """The same checks written by hand; like GX, value checks ignore nulls and honour ``mostly``."""
    flags: list[bool] = []
    for entry in suite:
        kw = entry["kwargs"]
        match entry["type"]:
            case "expect_column_values_to_not_be_null":
                ok_fraction = 1.0 - df[kw["column"]].isna().sum() / len(df)
                flags.append(ok_fraction >= kw.get("mostly", 1.0))
            case "expect_column_values_to_be_between":
                col = df[kw["column"]].dropna()
                flags.append(bool(col.between(kw["min_value"], kw["max_value"]).all()))
            case "expect_column_values_to_be_in_set":
                flags.append(bool(df[kw["column"]].dropna().isin(kw["value_set"]).all()))
            case "expect_column_mean_to_be_between":
                flags.append(bool(kw["min_value"] <= df[kw["column"]].mean() <= kw["max_value"]))
            case "expect_column_values_to_be_unique":
                flags.append(not bool(df[kw["column"]].dropna().duplicated().any()))
            case "expect_table_row_count_to_be_between":
                flags.append(kw["min_value"] <= len(df) <= kw["max_value"])
            case other:
                raise ValueError(f"no pandas equivalent for {other}")
    return flags


# -- measuring --------------------------------------------------------------------------------------------


def rss_mb() -> float:
    return float(psutil.Process().memory_info().rss) / MB


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class RssSampler:
    """Highest RSS seen (sampled every 5 ms) while a block runs: the per-method peak."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        process = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, float(process.memory_info().rss) / MB)
            self._stop.wait(0.005)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def timed(fn: Callable[[], list[bool]]) -> tuple[float, float, list[bool]]:
    gc.collect()
    with RssSampler() as sampler:
        start = time.perf_counter()
        flags = fn()
        elapsed = time.perf_counter() - start
    return elapsed, sampler.peak, flags


def print_ratios(median: dict[str, float], times: dict[str, list[float]]) -> None:
    """Our GX path against raw GX, raw GX against the native engine, the native engine against pandas."""
    ratio_gx = median["ours"] / median["raw_gx"]
    verdict = "OK" if ratio_gx <= TARGET_RATIO else "OVER TARGET"
    print(f"ratio ours/raw_gx : {ratio_gx:.3f}  (target <= {TARGET_RATIO:.2f}: {verdict})")
    print(f"ratio ours/raw_gx : {min(times['ours']) / min(times['raw_gx']):.3f}  (fastest run of each)")
    print(f"ratio ours/pandas : {median['ours'] / median['pandas']:.1f}")
    speedup = median["raw_gx"] / median["native"]
    verdict = "OK" if speedup >= TARGET_NATIVE_SPEEDUP else "UNDER TARGET"
    print(f"ratio raw_gx/native: {speedup:.2f}  (target >= {TARGET_NATIVE_SPEEDUP:.1f}: {verdict})")
    print(f"ratio raw_gx/native: {min(times['raw_gx']) / min(times['native']):.2f}  (fastest run of each)")
    floor = median["native"] / median["pandas"]
    verdict = "OK" if floor <= TARGET_NATIVE_FLOOR else "OVER TARGET"
    print(f"ratio native/pandas: {floor:.2f}  (target <= {TARGET_NATIVE_FLOOR:.1f}: {verdict})")
    print(f"ratio native/pandas: {min(times['native']) / min(times['pandas']):.2f}  (fastest run of each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows in the frame (default 10M)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per method (default 5)")
    args = parser.parse_args()

    rss_before = rss_mb()
    build_start = time.perf_counter()
    df = make_frame(args.rows)
    build_seconds = time.perf_counter() - build_start
    rss_frame = rss_mb()
    suite = expectation_dicts(args.rows)
    methods: dict[str, Callable[[], list[bool]]] = {
        "native": lambda: run_ours(df, suite, engine="native"),
        "ours": lambda: run_ours(df, suite),
        "raw_gx": lambda: run_raw_gx(df, suite),
        "pandas": lambda: run_pandas(df, suite),
    }
    print(
        f"validation benchmark: {args.rows:,} rows x {df.shape[1]} columns, {len(suite)} expectations, "
        f"result_format=SUMMARY, {args.repeats} repeats (median), {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, pandas {pd.__version__}"
    )
    print(f"frame built in {build_seconds:.2f} s, {df.memory_usage(deep=True).sum() / MB:,.0f} MB deep size")

    flags: dict[str, list[bool]] = {}
    warmup: dict[str, float] = {}
    for name, fn in methods.items():  # warm-up: imports, GX registries, caches
        warmup[name], _, flags[name] = timed(fn)
    import great_expectations as gx

    times: dict[str, list[float]] = {name: [] for name in methods}
    peaks: dict[str, float] = dict.fromkeys(methods, 0.0)
    names = list(methods)
    for repeat in range(args.repeats):
        order = names[repeat % len(names) :] + names[: repeat % len(names)]  # rotate to spread drift
        for name in order:
            seconds, peak, result = timed(methods[name])
            times[name].append(seconds)
            peaks[name] = max(peaks[name], peak)
            if result != flags[name]:
                raise RuntimeError(f"{name} gave different results between runs: {result} vs {flags[name]}")

    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"GX {gx.__version__}; warm-up seconds: " + ", ".join(f"{n} {s:.2f}" for n, s in warmup.items()))
    print()
    print(f"{'method':<8} {'median s':>9} {'min s':>7} {'max s':>7} {'peak RSS MB':>12}   runs (s)")
    for name in names:
        runs = " ".join(f"{s:.2f}" for s in times[name])
        print(
            f"{name:<8} {median[name]:>9.3f} {min(times[name]):>7.3f} {max(times[name]):>7.3f} "
            f"{peaks[name]:>12,.0f}   {runs}"
        )
    print()
    print_ratios(median, times)
    print(
        f"RSS MB            : before frame {rss_before:,.0f}, after frame {rss_frame:,.0f}, "
        f"now {rss_mb():,.0f}, peak (ru_maxrss) {peak_rss_mb():,.0f}"
    )
    print()
    print("results agree (success flag per expectation):")
    for i, entry in enumerate(suite):
        row = [flags[name][i] for name in names]
        column = entry["kwargs"].get("column", "")
        mark = "same" if len(set(row)) == 1 else "DIFFERENT"
        print(
            f"  {entry['type']}({column})".ljust(62)
            + "  ".join(f"{n}={f!s:<5}" for n, f in zip(names, row, strict=True))
            + f"  {mark}"
        )
    agree = flags["native"] == flags["ours"] == flags["raw_gx"] == flags["pandas"]
    print(f"all four agree: {agree}")
    if not agree:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
