"""The engine dispatch of run_suite (no Airflow): per expectation, native where covered, GX otherwise."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_mlops.core.gx import run_suite
from airflow_mlops.core.native import COVERED
from airflow_mlops.core.results import Severity, Status
from airflow_mlops.core.suite import load_suite
from airflow_mlops.exceptions import InputError

REPO = Path(__file__).resolve().parents[2]
MIXED = [
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "age"}},
    {"type": "expect_column_values_to_be_json_parseable", "kwargs": {"column": "city"}},  # not covered
    {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "city", "min_value": "a"},
    },  # declined
    {"type": "expect_column_values_to_not_be_nul", "kwargs": {"column": "age"}},  # unknown: GX says so
    {"type": "expect_table_row_count_to_equal", "kwargs": {"value": 4}, "severity": "warning"},
]


@pytest.fixture(scope="module")
def frame():  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.DataFrame({"age": [10, 20, None, 200], "city": ["a", "b", "c", "zz"]})


def run(frame, expectations, engine):  # type: ignore[no-untyped-def]
    return run_suite(
        load_suite(expectations), default_severity=Severity.FAIL, frame=frame, source="test frame",
        columns=list(frame), engine=engine,
    )  # fmt: skip


def test_auto_runs_covered_types_natively_and_the_rest_with_gx_in_suite_order(frame) -> None:
    results = run(frame, MIXED, "auto")
    assert [r.details["engine"] for r in results] == ["native", "gx", "gx", "gx", "native"]
    assert [r.status for r in results] == [
        Status.FAILED,
        Status.FAILED,
        Status.ERRORED,
        Status.ERRORED,
        Status.PASSED,
    ]
    assert [r.name for r in results] == [f"{e['type']}({e['kwargs']['column']})" for e in MIXED[:4]] + [
        "expect_table_row_count_to_equal"
    ]
    assert "unknown expectation type 'expect_column_values_to_not_be_nul'" in results[3].message
    by_gx = run(frame, MIXED, "gx")
    assert {r.details["engine"] for r in by_gx} == {"gx"}
    assert [r.to_dict() | {"details": None} for r in results] == [
        r.to_dict() | {"details": None} for r in by_gx
    ]


def test_native_refuses_an_uncovered_type_before_anything_runs(frame) -> None:
    with pytest.raises(InputError) as caught:
        run(frame, MIXED, "native")
    message = str(caught.value)
    assert "engine='native' does not cover 'expect_column_values_to_be_json_parseable'" in message
    assert "'expect_column_values_to_not_be_nul'" in message and "use engine='auto'" in message


def test_native_errors_a_configuration_it_would_not_evaluate_like_gx(frame) -> None:
    (result,) = run(frame, [MIXED[2]], "native")
    assert result.status is Status.ERRORED and result.details["engine"] == "native"
    assert "the native engine does not evaluate this exactly like GX" in result.message


def test_native_refuses_sql_and_a_bad_engine_is_named(frame) -> None:
    from types import SimpleNamespace

    batch = SimpleNamespace(url="sqlite://", table="t", schema=None, query=None)  # a SqlTarget
    with pytest.raises(
        InputError, match="engine='native' evaluates pandas DataFrames only, and table 't' is SQL"
    ):
        run_suite(
            load_suite(MIXED[:1]),
            default_severity=Severity.FAIL,
            sql=batch,
            source="table 't'",
            engine="native",
        )
    with pytest.raises(InputError, match="engine= must be one of 'auto', 'native', 'gx'; got 'turbo'"):
        run(frame, MIXED[:1], "turbo")


def test_the_covered_types_are_the_documented_ones() -> None:
    import re

    page = (REPO / "docs" / "operators" / "expectation-coverage.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \| .+? \| .+? \| .+? \| (.+?) \|$", page, re.M)
    assert {type_ for type_, cell in rows if cell == "✓"} == COVERED
    assert f"the native engine covers {len(COVERED)} of them" in " ".join(page.split())


def test_validating_covered_types_never_imports_gx_scipy_or_altair() -> None:
    """A task's cold start: a small frame and covered expectations only, in a fresh interpreter."""
    code = textwrap.dedent(
        """
        import sys
        import pandas as pd
        from airflow_mlops.core.gx import run_suite
        from airflow_mlops.core.results import Severity
        from airflow_mlops.core.suite import load_suite

        frame = pd.DataFrame({"id": range(150), "x": [i % 7 for i in range(150)]})
        suite = load_suite([
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"}},
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "x", "min_value": 0, "max_value": 5}},
            {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
            {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "x", "min_value": 2, "max_value": 4}},
            {"type": "expect_table_row_count_to_equal", "kwargs": {"value": 150}},
        ])
        results = run_suite(suite, default_severity=Severity.FAIL, frame=frame, source="frame")
        assert [r.details["engine"] for r in results] == ["native"] * 5, results
        print(",".join(m for m in ("great_expectations", "scipy", "altair") if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(-(2**63), 2**63 - 1) | st.integers(-50, 50), max_size=60),
    dtype=st.sampled_from(["int64", "int32", "int8", "uint16", "uint64"]),
)
def test_counting_repeated_integers_is_pandas_duplicated_keep_false(values, dtype) -> None:
    """The unique check's O(n) path for integers in a narrow range gives pandas' mask exactly."""
    import numpy as np
    import pandas as pd

    from airflow_mlops.core.native._map import _repeated_integers

    info = np.iinfo(dtype)
    column = pd.Series([v for v in values if info.min <= v <= info.max], dtype=dtype)
    counted = _repeated_integers(column)
    if counted is not None:
        assert counted.tolist() == column.duplicated(keep=False).tolist()


def test_severities_map_to_statuses_as_on_gx(frame) -> None:
    suite = [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "age"}, "severity": "critical"},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "age", "max_value": 100},
         "severity": "warning"},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "city", "value_set": ["a", "b"]},
         "severity": "info"},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "city"}},
    ]  # fmt: skip
    natively, by_gx = run(frame, suite, "native"), run(frame, suite, "gx")
    assert [r.status for r in natively] == [Status.FAILED, Status.WARNED, Status.INFO, Status.PASSED]
    assert [r.severity for r in natively] == [Severity.FAIL, Severity.WARN, Severity.INFO, Severity.FAIL]
    assert [r.to_dict() | {"details": None} for r in natively] == [
        r.to_dict() | {"details": None} for r in by_gx
    ]
    assert natively[1].details["sample_unexpected"] == [200.0] and natively[0].details[
        "sample_unexpected"
    ] == [None]


def _without_engine(result):  # type: ignore[no-untyped-def]
    return result.to_dict() | {"details": {k: v for k, v in result.details.items() if k != "engine"}}
