"""run_suite against plain GX, for every expectation type in GX's registry (issue 13).

Every registered type has a passing and a failing case on one shared frame (numbers with nulls,
strings, dates, JSON, a pair of columns, multicolumns). Per engine (pandas, SQLite, PostgreSQL) all
cases go through run_suite as ONE suite, and each case through plain GX ``batch.validate`` alone on
the same data: the success and the observed value must agree, and the case must pass or fail as
written. A type GX cannot run on an engine is listed in ``EXCLUDED`` with the reason, and run_suite
must report it ERRORED (never PASSED); the lists must be exactly the registry's remainder, so a type a
new GX adds is noticed here. docs/operators/expectation-coverage.md lists the same.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from airflow_mlops.core.gx import run_suite
from airflow_mlops.core.results import CheckResult, Severity, Status
from airflow_mlops.core.suite import load_suite

ROWS = 300
PANDAS, SQLITE, POSTGRES = "pandas", "sqlite", "postgresql"
ENGINES = (PANDAS, SQLITE, POSTGRES)
#: extra tables next to the validated one, for expect_table_row_count_to_equal_other_table
OTHER_TABLES = {"same_rows": ROWS, "fewer_rows": 120}


def make_frame():  # type: ignore[no-untyped-def]
    """One frame for every case: numbers with nulls, strings, dates, JSON, column pairs, multicolumns."""
    import numpy as np
    import pandas as pd

    i = np.arange(ROWS)
    num = (i % 100).astype(float)
    num[i % 50 == 7] = np.nan  # 6 nulls
    cat = np.array(["a"] * 150 + ["b"] * 90 + ["c"] * 48 + [None] * 12, dtype=object)
    code = pd.array([{"a": 1, "b": 2, "c": 3}.get(c) for c in cat], dtype="Int64")
    words = np.array(["abc", "abcd", "abcde", "xyz", "wxyz"], dtype=object)[i % 5]
    when = pd.Series(pd.date_range("2024-01-01", periods=ROWS, freq="D"))
    when[5] = pd.NaT
    return pd.DataFrame(
        {
            "id": i,
            "num": num,
            "up": i * 2,
            "down": ROWS - i,
            "cat": cat,
            "code": code,
            "word": words,
            "fixed": [f"k{n % 1000:03d}" for n in i],
            "day": [f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}" for n in i],
            "when": when,
            "doc": [f'{{"id": {n}, "tag": "t{n % 3}"}}' for n in i],
            "a": i + 1,
            "b": i,
            "a_copy": i + 1,
            "m1": i % 7,
            "m2": 10 - i % 7,
            "m3": np.zeros(ROWS, dtype=np.int64),
            "empty": np.full(ROWS, np.nan),
        }
    )


@dataclass(frozen=True)
class Case:
    """One expectation configuration and whether it passes on the frame (GX must agree)."""

    type: str
    kwargs: Mapping[str, Any]
    passes: bool
    #: kwargs that differ per engine (column types are named by the engine)
    per_engine: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def kwargs_for(self, engine: str) -> dict[str, Any]:
        return {**self.kwargs, **self.per_engine.get(engine, {})}


def _pair(type_: str, good: Mapping[str, Any], bad: Mapping[str, Any], **per_engine: Any) -> list[Case]:
    good_engine = {k: v[0] for k, v in per_engine.items()}
    bad_engine = {k: v[1] for k, v in per_engine.items()}
    return [Case(type_, good, True, good_engine), Case(type_, bad, False, bad_engine)]


CAT_SET = ["a", "b", "c"]
COLUMNS = ["id", "num", "up", "down", "cat", "code", "word", "fixed", "day", "when", "doc", "a", "b", "a_copy",
           "m1", "m2", "m3", "empty"]  # fmt: skip
JSON_SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
CASES: list[Case] = [
    *_pair("expect_column_distinct_values_to_be_in_set", {"column": "cat", "value_set": CAT_SET},
           {"column": "cat", "value_set": ["a", "b"]}),
    *_pair("expect_column_distinct_values_to_contain_set", {"column": "cat", "value_set": ["a", "b"]},
           {"column": "cat", "value_set": ["a", "z"]}),
    *_pair("expect_column_distinct_values_to_equal_set", {"column": "cat", "value_set": CAT_SET},
           {"column": "cat", "value_set": ["a", "b"]}),
    *_pair("expect_column_kl_divergence_to_be_less_than",
           {"column": "num", "partition_object": {"bins": [0, 50, 100], "weights": [0.5, 0.5]}, "threshold": 0.1},
           {"column": "num", "partition_object": {"bins": [0, 50, 100], "weights": [0.9, 0.1]}, "threshold": 0.1}),
    *_pair("expect_column_max_to_be_between", {"column": "num", "min_value": 90, "max_value": 100},
           {"column": "num", "max_value": 50}),
    *_pair("expect_column_max_to_be_between",  # bounds with a time: a bare date fails on pandas Timestamps
           {"column": "when", "min_value": "2024-10-01 00:00:00", "max_value": "2024-12-31 00:00:00"},
           {"column": "when", "max_value": "2024-06-30 00:00:00"}),
    *_pair("expect_column_mean_to_be_between", {"column": "num", "min_value": 40, "max_value": 60},
           {"column": "num", "min_value": 60, "max_value": 70}),
    *_pair("expect_column_median_to_be_between", {"column": "num", "min_value": 40, "max_value": 60},
           {"column": "num", "max_value": 10}),
    *_pair("expect_column_min_to_be_between", {"column": "num", "min_value": 0, "max_value": 1},
           {"column": "num", "min_value": 5}),
    *_pair("expect_column_most_common_value_to_be_in_set", {"column": "cat", "value_set": ["a"]},
           {"column": "cat", "value_set": ["b", "c"]}),
    *_pair("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "a", "column_B": "b"},
           {"column_A": "b", "column_B": "a"}),
    *_pair("expect_column_pair_values_to_be_equal", {"column_A": "a", "column_B": "a_copy"},
           {"column_A": "a", "column_B": "b"}),
    *_pair("expect_column_pair_values_to_be_in_set",
           {"column_A": "cat", "column_B": "code", "value_pairs_set": [["a", 1], ["b", 2], ["c", 3]]},
           {"column_A": "cat", "column_B": "code", "value_pairs_set": [["a", 1], ["b", 2]]}),
    *_pair("expect_column_proportion_of_non_null_values_to_be_between",
           {"column": "num", "min_value": 0.9, "max_value": 1}, {"column": "num", "min_value": 0.99}),
    *_pair("expect_column_proportion_of_unique_values_to_be_between",
           {"column": "id", "min_value": 0.99, "max_value": 1}, {"column": "cat", "min_value": 0.5}),
    *_pair("expect_column_quantile_values_to_be_between",
           {"column": "num", "quantile_ranges": {"quantiles": [0.25, 0.5, 0.75],
                                                  "value_ranges": [[20, 30], [45, 55], [70, 80]]}},
           {"column": "num", "quantile_ranges": {"quantiles": [0.25, 0.5], "value_ranges": [[20, 30], [0, 10]]}}),
    *_pair("expect_column_stdev_to_be_between", {"column": "num", "min_value": 25, "max_value": 35},
           {"column": "num", "max_value": 10}),
    *_pair("expect_column_sum_to_be_between", {"column": "num", "min_value": 14000, "max_value": 15000},
           {"column": "num", "max_value": 1000}),
    *_pair("expect_column_to_exist", {"column": "word"}, {"column": "absent"}),
    *_pair("expect_column_type_to_be", {"column": "id", "type_": "int64"}, {"column": "id", "type_": "object"},
           sqlite=({"type_": "BIGINT"}, {"type_": "TEXT"}), postgresql=({"type_": "BIGINT"}, {"type_": "TEXT"})),
    *_pair("expect_column_unique_value_count_to_be_between", {"column": "cat", "min_value": 3, "max_value": 3},
           {"column": "cat", "min_value": 5}),
    *_pair("expect_column_value_lengths_to_be_between", {"column": "word", "min_value": 3, "max_value": 5},
           {"column": "word", "min_value": 4}),
    *_pair("expect_column_value_lengths_to_equal", {"column": "fixed", "value": 4}, {"column": "word", "value": 4}),
    *_pair("expect_column_value_z_scores_to_be_less_than", {"column": "num", "threshold": 3, "double_sided": True},
           {"column": "num", "threshold": 1, "double_sided": True}),
    *_pair("expect_column_values_to_be_between", {"column": "num", "min_value": 0, "max_value": 99},
           {"column": "num", "max_value": 50}),
    *_pair("expect_column_values_to_be_between",
           {"column": "when", "min_value": "2024-01-01 00:00:00", "max_value": "2024-12-31 00:00:00"},
           {"column": "when", "max_value": "2024-06-30 00:00:00"}),
    *_pair("expect_column_values_to_be_dateutil_parseable", {"column": "day"}, {"column": "word"}),
    *_pair("expect_column_values_to_be_decreasing", {"column": "down"}, {"column": "up"}),
    *_pair("expect_column_values_to_be_in_set", {"column": "cat", "value_set": CAT_SET},
           {"column": "cat", "value_set": ["a"]}),
    # SQLite: GX looks type names up in SQLAlchemy's SQLite dialect, which has no BIGINT, so a BIGINT
    # column (pandas' to_sql makes them) never matches these two; expect_column_type_to_be does match
    *_pair("expect_column_values_to_be_in_type_list", {"column": "id", "type_list": ["int64", "int32"]},
           {"column": "id", "type_list": ["float64"]},
           sqlite=({"column": "num", "type_list": ["FLOAT", "REAL"]}, {"column": "num", "type_list": ["TEXT"]}),
           postgresql=({"type_list": ["BIGINT", "INTEGER"]}, {"type_list": ["TEXT"]})),
    *_pair("expect_column_values_to_be_increasing", {"column": "up"}, {"column": "down"}),
    *_pair("expect_column_values_to_be_json_parseable", {"column": "doc"}, {"column": "word"}),
    *_pair("expect_column_values_to_be_null", {"column": "empty"}, {"column": "num"}),
    *_pair("expect_column_values_to_be_of_type", {"column": "id", "type_": "int64"},
           {"column": "id", "type_": "float64"},
           sqlite=({"column": "num", "type_": "FLOAT"}, {"column": "num", "type_": "TEXT"}),
           postgresql=({"type_": "BIGINT"}, {"type_": "TEXT"})),
    *_pair("expect_column_values_to_be_unique", {"column": "id"}, {"column": "cat"}),
    *_pair("expect_column_values_to_match_json_schema", {"column": "doc", "json_schema": JSON_SCHEMA},
           {"column": "doc", "json_schema": {**JSON_SCHEMA, "required": ["name"]}}),
    *_pair("expect_column_values_to_match_like_pattern", {"column": "word", "like_pattern": "%_%"},
           {"column": "word", "like_pattern": "a%"}),
    *_pair("expect_column_values_to_match_like_pattern_list",
           {"column": "word", "like_pattern_list": ["a%", "%z"], "match_on": "any"},
           {"column": "word", "like_pattern_list": ["a%", "%z"], "match_on": "all"}),
    *_pair("expect_column_values_to_match_regex", {"column": "word", "regex": "^[a-z]{3,5}$"},
           {"column": "word", "regex": "^a"}),
    *_pair("expect_column_values_to_match_regex_list",
           {"column": "word", "regex_list": ["^a", "z$"], "match_on": "any"},
           {"column": "word", "regex_list": ["^a", "z$"], "match_on": "all"}),
    *_pair("expect_column_values_to_match_strftime_format", {"column": "day", "strftime_format": "%Y-%m-%d"},
           {"column": "day", "strftime_format": "%d/%m/%Y"}),
    *_pair("expect_column_values_to_not_be_in_set", {"column": "cat", "value_set": ["z"]},
           {"column": "cat", "value_set": ["a"]}),
    *_pair("expect_column_values_to_not_be_null", {"column": "id"}, {"column": "num"}),
    *_pair("expect_column_values_to_not_be_null", {"column": "when", "mostly": 0.99}, {"column": "when"}),
    *_pair("expect_column_values_to_not_be_outliers", {"column": "num", "method": "iqr", "multiplier": 1.5},
           {"column": "num", "method": "std", "multiplier": 1}),
    *_pair("expect_column_values_to_not_match_like_pattern", {"column": "word", "like_pattern": "%q%"},
           {"column": "word", "like_pattern": "a%"}),
    *_pair("expect_column_values_to_not_match_like_pattern_list",
           {"column": "word", "like_pattern_list": ["%q%", "%9%"]},
           {"column": "word", "like_pattern_list": ["%q%", "x%"]}),
    *_pair("expect_column_values_to_not_match_regex", {"column": "word", "regex": "[0-9]"},
           {"column": "word", "regex": "^a"}),
    *_pair("expect_column_values_to_not_match_regex_list", {"column": "word", "regex_list": ["[0-9]", "q"]},
           {"column": "word", "regex_list": ["[0-9]", "^x"]}),
    *_pair("expect_compound_columns_to_be_unique", {"column_list": ["id", "cat"]},
           {"column_list": ["cat", "code"]}),
    *_pair("expect_multicolumn_sum_to_equal", {"column_list": ["m1", "m2", "m3"], "sum_total": 10},
           {"column_list": ["m1", "m2", "m3"], "sum_total": 11}),
    *_pair("expect_multicolumn_values_to_be_equal", {"column_list": ["a", "a_copy"]},
           {"column_list": ["a", "a_copy", "b"]}),
    *_pair("expect_select_column_values_to_be_unique_within_record", {"column_list": ["a", "b"]},
           {"column_list": ["a", "a_copy"]}),
    *_pair("expect_table_column_count_to_be_between", {"min_value": 18, "max_value": 18}, {"max_value": 10}),
    *_pair("expect_table_column_count_to_equal", {"value": 18}, {"value": 17}),
    *_pair("expect_table_columns_to_match_ordered_list",
           {"column_list": COLUMNS}, {"column_list": [COLUMNS[1], COLUMNS[0], *COLUMNS[2:]]}),
    *_pair("expect_table_columns_to_match_set", {"column_set": ["id", "num"], "exact_match": False},
           {"column_set": ["id", "num", "absent"], "exact_match": False}),
    *_pair("expect_table_row_count_to_be_between", {"min_value": 300, "max_value": 300}, {"min_value": 301}),
    *_pair("expect_table_row_count_to_equal", {"value": 300}, {"value": 299}),
    *_pair("expect_table_row_count_to_equal_other_table", {"other_table_name": "same_rows"},
           {"other_table_name": "fewer_rows"}),
    *_pair("unexpected_rows_expectation", {"unexpected_rows_query": "SELECT * FROM {batch} WHERE id < 0"},
           {"unexpected_rows_query": "SELECT * FROM {batch} WHERE num > 90"}),
    *_pair("expect_query_results_to_match_comparison",
           {"base_query": "SELECT count(*) FROM data", "comparison_data_source_name": "absent",
            "comparison_query": "SELECT count(*) FROM data"},
           {"base_query": "SELECT count(*) FROM data", "comparison_data_source_name": "absent",
            "comparison_query": "SELECT 1"}),
]  # fmt: skip


_NOT_FOR_PANDAS = "GX implements it for SQL only (no pandas metric)"
_NOT_FOR_SQL = "GX implements it for pandas and Spark only (no SQLAlchemy metric)"
_NO_COMPARISON_SOURCE = (
    "needs a second GX data source, named by comparison_data_source_name, in the same GX context; "
    "run_suite's throw-away context holds only the data under validation"
)
_SQL_EXCLUDED = {
    "expect_column_values_to_be_dateutil_parseable": _NOT_FOR_SQL,
    "expect_column_values_to_be_decreasing": _NOT_FOR_SQL,
    "expect_column_values_to_be_increasing": _NOT_FOR_SQL,
    "expect_column_values_to_be_json_parseable": _NOT_FOR_SQL,
    "expect_column_values_to_match_json_schema": _NOT_FOR_SQL,
    "expect_column_values_to_match_strftime_format": _NOT_FOR_SQL,
    "expect_query_results_to_match_comparison": _NO_COMPARISON_SOURCE,
}
#: per engine: the registered types that cannot run there, and why (run_suite reports them ERRORED)
EXCLUDED: dict[str, dict[str, str]] = {
    PANDAS: {
        "expect_column_values_to_match_like_pattern": _NOT_FOR_PANDAS,
        "expect_column_values_to_match_like_pattern_list": _NOT_FOR_PANDAS,
        "expect_column_values_to_not_match_like_pattern": _NOT_FOR_PANDAS,
        "expect_column_values_to_not_match_like_pattern_list": _NOT_FOR_PANDAS,
        "unexpected_rows_expectation": "runs a SQL query on {batch}: SQL only",
        "expect_table_row_count_to_equal_other_table": "compares with another table of the database: SQL only",
        "expect_query_results_to_match_comparison": _NO_COMPARISON_SOURCE,
    },
    SQLITE: _SQL_EXCLUDED,
    POSTGRES: _SQL_EXCLUDED,
}
#: exported by great_expectations.expectations but abstract in GX 1.x, so not in the registry
NOT_REGISTERED = {"ExpectMulticolumnValuesToBeUnique": "expect_multicolumn_values_to_be_unique"}
_COUNTS = ("unexpected_count", "unexpected_percent", "element_count", "missing_count")


def _registry() -> set[str]:
    from great_expectations.expectations.registry import list_registered_expectation_implementations

    return set(list_registered_expectation_implementations())


def covered(engine: str) -> list[str]:
    """The types the conformance test runs on ``engine`` (for the docs and the report)."""
    return sorted({case.type for case in CASES} - set(EXCLUDED[engine]))


def test_every_registered_type_has_cases_or_a_reason() -> None:
    registry = _registry()
    assert {case.type for case in CASES} == registry, "a GX type without cases, or a case of no GX type"
    for engine in ENGINES:
        runs = set(covered(engine))
        assert runs | set(EXCLUDED[engine]) == registry and not runs & set(EXCLUDED[engine]), engine
        for type_ in runs:
            outcomes = {case.passes for case in CASES if case.type == type_}
            assert outcomes == {True, False}, f"{type_} needs a passing and a failing case"


def test_the_public_expectation_classes_are_the_registry() -> None:
    """Every Expectation class GX exports is registered, except the abstract ones named here."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.expectation import Expectation

    exported = {
        name: cls for name, cls in vars(gxe).items()
        if isinstance(cls, type) and issubclass(cls, Expectation) and cls is not Expectation
    }  # fmt: skip
    registered = {name for name, cls in exported.items() if cls.expectation_type in _registry()}
    assert set(exported) - registered == set(NOT_REGISTERED)
    assert len(registered) == len(_registry())


def test_an_unregistered_exported_class_is_errored_as_unknown(frame) -> None:
    (result,) = run_suite(
        load_suite([{"type": "expect_multicolumn_values_to_be_unique", "kwargs": {"column_list": ["a", "b"]}}]),
        default_severity=Severity.FAIL, frame=frame, source="frame",
    )  # fmt: skip
    assert result.status is Status.ERRORED
    assert "unknown expectation type 'expect_multicolumn_values_to_be_unique'" in result.message


# -- the differential run ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def frame():  # type: ignore[no-untyped-def]
    return make_frame()


def _plain(value: Any) -> Any:
    """GX's value as run_suite promises to record it: numpy scalars and arrays unwrapped, tuples as
    lists, NaN named, dates and times as ISO-8601 strings."""
    import datetime

    import numpy as np

    if isinstance(value, datetime.date):  # also datetime.datetime and pandas' Timestamp
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, float) or isinstance(theirs, float):
        return isinstance(ours, int | float) and math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(_same(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(_same(a, b) for a, b in zip(ours, theirs, strict=True))
    return type(ours) is type(theirs) and ours == theirs


def _gx_observed(result: Mapping[str, Any]) -> Any:
    """What run_suite records as observed: GX's observed_value, else a map expectation's counts."""
    if "observed_value" in result:
        return _plain(result["observed_value"])
    counts = {k: _plain(result[k]) for k in _COUNTS if k in result}
    return counts or None


def _gx_sample(result: Mapping[str, Any]) -> list[Any]:
    """GX's sample of unexpected values, missing ones (None, NaN, NaT) as null."""
    import pandas as pd

    return [None if pd.isna(v) else _plain(v) for v in list(result["partial_unexpected_list"])[:20]]


def _plain_gx(engine: str, data: Any) -> Iterator[Any]:
    """Each case validated alone by plain GX (its own context, the public Batch.validate)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.registry import get_expectation_impl

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    name = f"plain-{uuid.uuid4().hex[:8]}"
    if engine == PANDAS:
        asset = context.data_sources.add_pandas(name).add_dataframe_asset("frame")
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
            batch_parameters={"dataframe": data}
        )
    else:
        asset = context.data_sources.add_sql(name, connection_string=data.url).add_table_asset(
            "table", table_name=data.table
        )
        batch = asset.add_batch_definition_whole_table("whole").get_batch()
    for case in CASES:
        expectation = get_expectation_impl(case.type)(**case.kwargs_for(engine))
        yield batch.validate(expectation, result_format="SUMMARY")


def _sql_batch(url: str, frame):  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from airflow_mlops.engines.sql import SqlBatch

    engine = sa.create_engine(url)
    frame.to_sql("data", engine, index=False)
    for table, rows in OTHER_TABLES.items():
        frame.head(rows).to_sql(table, engine, index=False)
    return SqlBatch(engine=engine, table="data", description="table 'data'")


def _conform(engine: str, data: Any, subtests: Any) -> None:
    target = {"frame": data} if engine == PANDAS else {"sql": data}
    suite = load_suite([{"type": case.type, "kwargs": case.kwargs_for(engine)} for case in CASES])
    # our GX path; tests/core/test_native_conformance.py holds the native engine to the same cases
    ours = run_suite(suite, default_severity=Severity.FAIL, source=f"{engine} data", engine="gx", **target)
    assert len(ours) == len(CASES)
    for case, mine, theirs in zip(CASES, ours, _plain_gx(engine, data), strict=True):
        label = (
            f"{engine} {case.type} {'passing' if case.passes else 'failing'} {dict(case.kwargs_for(engine))}"
        )
        with subtests.test(msg=label):
            _check(engine, case, mine, theirs)


def _check(engine: str, case: Case, mine: CheckResult, theirs: Any) -> None:
    reason = EXCLUDED[engine].get(case.type)
    if reason is not None:  # GX cannot run it here: it must be an error, never a pass or a plain failure
        assert mine.status is Status.ERRORED, (mine.status, mine.message)
        assert not theirs.success
        if reason in (_NOT_FOR_PANDAS, _NOT_FOR_SQL):
            assert "GX does not implement this expectation for" in mine.message, mine.message
        return
    info = theirs.exception_info or {}
    assert not info.get("raised_exception"), info.get("exception_message")
    assert bool(theirs.success) is case.passes, f"the case itself is wrong: {dict(theirs.result)}"
    assert mine.status is (Status.PASSED if case.passes else Status.FAILED), mine.message
    expected = _gx_observed(theirs.result or {})
    assert _same(mine.observed, expected), (mine.observed, expected)
    if "unexpected_count" in (theirs.result or {}):
        assert mine.details["unexpected_count"] == theirs.result["unexpected_count"]
    if (theirs.result or {}).get("partial_unexpected_list") is not None:
        assert _same(mine.details["sample_unexpected"], _gx_sample(theirs.result))


def test_run_suite_agrees_with_plain_gx_on_pandas(frame, subtests) -> None:
    _conform(PANDAS, frame, subtests)


def test_run_suite_agrees_with_plain_gx_on_sqlite(frame, tmp_path, subtests) -> None:
    batch = _sql_batch(f"sqlite:///{tmp_path / 'data.db'}", frame)
    try:
        _conform(SQLITE, batch, subtests)
    finally:
        batch.engine.dispose()


@pytest.mark.postgres
def test_run_suite_agrees_with_plain_gx_on_postgres(frame, pg_url, subtests) -> None:
    batch = _sql_batch(pg_url, frame)
    try:
        _conform(POSTGRES, batch, subtests)
    finally:
        batch.engine.dispose()


def test_the_coverage_page_lists_exactly_these_types() -> None:
    """docs/operators/expectation-coverage.md: one row per registered type, ✓ where the test runs it
    (the last column, the native engine's, is checked by tests/core/test_native.py)."""
    import re
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "operators" / "expectation-coverage.md"
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \| (.+?) \| (.+?) \| .+? \|$", page.read_text(), re.M)
    assert sorted(row[0] for row in rows) == sorted(_registry())
    for type_, *cells in rows:
        for engine, cell in zip(ENGINES, cells, strict=True):
            assert (cell == "✓") is (type_ in covered(engine)), (type_, engine, cell)
    pandas, sqlite, postgres = (len(covered(engine)) for engine in ENGINES)
    counts = f"of the {len(_registry())} registered types, {pandas} run on pandas, {sqlite} on SQLite and {postgres} on"
    assert counts in " ".join(page.read_text().split())
