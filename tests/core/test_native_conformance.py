"""The native engine against GX (issue 20): the same results, or none at all (GX then runs).

Three ways of validating each case of tests/core/test_gx_conformance.py whose type the native engine
covers: ``run_suite(engine="auto")`` (native), ``run_suite(engine="gx")`` (our GX path) and plain GX
(``Batch.validate``). The two ``run_suite`` results must be the same CheckResult (name, status,
observed, expected, message, details), the native one must have run natively, and the native engine's
raw result must equal plain GX's on success, observed value, element and unexpected counts, every
percent, the sample of unexpected values (order included) and its counts, in every result format.

Then random frames (hypothesis): nulls, NaN, inf, mixed-type object columns, unicode strings, empty
frames and all-null columns, with random arguments per covered type. On each, the native engine either
declines (GX evaluates it; never a silent difference) or gives plain GX's raw result and CheckResult.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_mlops.core import native
from airflow_mlops.core.gx import _convert, import_gx, run_suite
from airflow_mlops.core.results import CheckResult, Severity, Status
from airflow_mlops.core.suite import ExpectationSpec, load_suite
from tests.core.test_gx_conformance import CASES, _plain, _same, make_frame

FORMATS = ("BOOLEAN_ONLY", "BASIC", "SUMMARY", "COMPLETE")
#: the keys of GX's result the native engine reports (GX's index lists are not kept by our results)
KEYS = (
    "observed_value", "element_count", "unexpected_count", "unexpected_percent", "unexpected_percent_total",
    "unexpected_percent_nonmissing", "missing_count", "missing_percent", "partial_unexpected_list",
    "partial_unexpected_counts", "unexpected_list",
)  # fmt: skip
COVERED_CASES = [case for case in CASES if case.type in native.COVERED]


@pytest.fixture(scope="module")
def frame():  # type: ignore[no-untyped-def]
    return make_frame()


@pytest.fixture(scope="module")
def plain_gx() -> Callable[..., Any]:
    """Plain GX: one ephemeral context, each frame a batch of one dataframe asset, ``Batch.validate``."""
    gx = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.registry import get_expectation_impl

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    definition = (
        context.data_sources.add_pandas("plain")
        .add_dataframe_asset("frame")
        .add_batch_definition_whole_dataframe("whole")
    )

    def validate(data: Any, type_: str, kwargs: Mapping[str, Any], result_format: str = "SUMMARY") -> Any:
        try:
            expectation = get_expectation_impl(type_)(**kwargs)
        except Exception as exc:  # GX refuses the configuration
            return exc
        batch = definition.get_batch(batch_parameters={"dataframe": data})
        return batch.validate(expectation, result_format=result_format)

    return validate


def _raised(gx_result: Any) -> bool:
    if isinstance(gx_result, Exception):
        return True
    return bool((gx_result.exception_info or {}).get("raised_exception"))


def assert_same_raw(mine: native.NativeResult, theirs: Any) -> None:
    """The native raw result is plain GX's: success, and each reported key present in both, equal."""
    assert not _raised(theirs), "GX raised where the native engine did not decline"
    assert bool(mine.success) is bool(theirs.success), (mine.result, dict(theirs.result or {}))
    gx_result = dict(theirs.result or {})
    for key in KEYS:
        assert (key in mine.result) is (key in gx_result), (key, mine.result, gx_result)
        if key in gx_result:
            assert _same(_plain(mine.result[key]), _plain(gx_result[key])), (
                key,
                mine.result[key],
                gx_result[key],
            )


def _converted(raw: Any, type_: str, kwargs: Mapping[str, Any]) -> CheckResult:
    spec = ExpectationSpec(type=type_, kwargs=dict(kwargs), source="test")
    return _convert(raw, spec=spec, name=type_, severity=Severity.FAIL, source="frame", columns=None)


def test_every_covered_type_has_conformance_cases() -> None:
    assert len(native.COVERED) >= 30
    for type_ in native.COVERED:
        assert {case.passes for case in COVERED_CASES if case.type == type_} == {True, False}, type_


@pytest.mark.parametrize("result_format", FORMATS)
def test_native_equals_our_gx_path_and_plain_gx(frame, plain_gx, result_format, subtests) -> None:
    suite = load_suite([{"type": case.type, "kwargs": dict(case.kwargs)} for case in COVERED_CASES])
    common = {
        "default_severity": Severity.FAIL,
        "frame": frame,
        "source": "frame",
        "result_format": result_format,
    }
    natively = run_suite(suite, engine="auto", **common)
    by_gx = run_suite(suite, engine="gx", **common)
    for case, mine, ours in zip(COVERED_CASES, natively, by_gx, strict=True):
        with subtests.test(msg=f"{result_format} {case.type} {dict(case.kwargs)}"):
            assert mine.details["engine"] == "native" and ours.details["engine"] == "gx"
            assert mine.status is (Status.PASSED if case.passes else Status.FAILED), mine.message
            assert _without_engine(mine) == _without_engine(ours)
            raw = native.evaluate(frame, case.type, case.kwargs, result_format)
            assert_same_raw(raw, plain_gx(frame, case.type, case.kwargs, result_format))


def _without_engine(result: CheckResult) -> CheckResult:
    return dataclasses.replace(result, details={k: v for k, v in result.details.items() if k != "engine"})


def test_native_reports_a_missing_column_as_gx_does(frame) -> None:
    suite = load_suite([{"type": "expect_column_values_to_be_unique", "kwargs": {"column": "absent"}}])
    common = {"default_severity": Severity.FAIL, "frame": frame, "source": "frame", "columns": list(frame)}
    (mine,) = run_suite(suite, engine="native", **common)
    (ours,) = run_suite(suite, engine="gx", **common)
    assert mine.status is Status.ERRORED and mine.details["engine"] == "native"
    assert _without_engine(mine) == _without_engine(ours)


# -- random frames ------------------------------------------------------------------------------------
TEXT = st.text(alphabet=st.sampled_from("abcxyzé€ 0-9_ü北"), max_size=6)
FLOATS = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([math.nan, math.inf, -math.inf]))
SCALARS = st.one_of(st.none(), st.integers(-5, 5), st.floats(-5, 5), st.just(math.nan), TEXT)
COLUMNS = ("f", "g", "i", "s", "o", "t", "n", "b")


@st.composite
def frames(draw: Any) -> Any:
    """Floats with NaN/inf/None, ints, unicode strings with None, mixed objects, timestamps with NaT, all
    null, booleans."""
    import numpy as np
    import pandas as pd

    rows = draw(st.integers(0, 12))
    column = lambda values: draw(st.lists(values, min_size=rows, max_size=rows))  # noqa: E731
    small = st.one_of(st.none(), st.integers(-3, 3).map(float), FLOATS)
    stamps = st.one_of(st.none(), st.datetimes(min_value=pd.Timestamp("2020-01-01").to_pydatetime(),
                                               max_value=pd.Timestamp("2021-01-01").to_pydatetime()))  # fmt: skip
    return pd.DataFrame(
        {
            "f": pd.Series(column(small), dtype="float64"),
            "g": pd.Series(column(st.one_of(st.none(), st.integers(-3, 3).map(float))), dtype="float64"),
            "i": pd.Series(column(st.integers(-3, 3)), dtype="int64"),
            "s": pd.Series(column(st.one_of(st.none(), TEXT))),
            "o": pd.Series(column(SCALARS), dtype=object),
            "t": pd.Series(column(stamps), dtype="datetime64[ns]"),
            "n": pd.Series(np.full(rows, np.nan)),
            "b": pd.Series(column(st.booleans()), dtype=bool),
        }
    )


STAMPS = st.sampled_from(["2020-03-01 00:00:00", "2020-06-15 12:30", "2020-09-01T00:00:00", "2020-06-15"])


def _bounds(numbers: Any) -> Any:
    bound = st.one_of(st.none(), numbers, STAMPS)
    return st.fixed_dictionaries(
        {},
        optional={
            "min_value": bound,
            "max_value": bound,
            "strict_min": st.booleans(),
            "strict_max": st.booleans(),
        },
    )


MOSTLY = st.fixed_dictionaries({}, optional={"mostly": st.sampled_from([0.0, 0.5, 0.8, 1.0])})
ANY_COLUMN = st.sampled_from(COLUMNS)
VALUE_SET = st.lists(
    st.one_of(st.integers(-3, 3), st.sampled_from([0.0, 1.5, "a", "é", "x"]), TEXT), min_size=1, max_size=5
)
NUMBERS = st.one_of(st.integers(-4, 4), st.floats(-4, 4, allow_nan=False))
LENGTHS = st.integers(0, 6)


def _with(base: Mapping[str, Any], *extra: Any) -> Any:
    strategies = st.fixed_dictionaries({k: v for k, v in base.items()})
    for more in extra:
        strategies = st.tuples(strategies, more).map(lambda pair: {**pair[0], **pair[1]})
    return strategies


def _lengths() -> Any:
    return st.fixed_dictionaries({}, optional={"min_value": LENGTHS, "max_value": LENGTHS, "strict_min": st.booleans(),
                                              "strict_max": st.booleans()})  # fmt: skip


def _quantile_ranges() -> Any:
    quantiles = st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0]), min_size=1, max_size=3)
    ranges = st.lists(st.one_of(st.none(), NUMBERS), min_size=2, max_size=2)
    return quantiles.flatmap(
        lambda q: st.lists(ranges, min_size=len(q), max_size=len(q)).map(
            lambda r: {"quantiles": q, "value_ranges": r}
        )
    )


_PAIRED = st.one_of(st.sampled_from(["f", "g", "i", "n", "b"]), ANY_COLUMN)  # comparable ones mostly
PAIR = st.lists(_PAIRED, min_size=2, max_size=2, unique=True).map(
    lambda ab: {"column_A": ab[0], "column_B": ab[1]}
)
ARGUMENTS: dict[str, Any] = {
    "expect_column_values_to_not_be_null": _with({"column": ANY_COLUMN}, MOSTLY),
    "expect_column_values_to_be_null": _with({"column": ANY_COLUMN}, MOSTLY),
    "expect_column_values_to_be_between": st.one_of(
        _with(
            {"column": st.sampled_from(["f", "g", "i", "n"]), "min_value": NUMBERS}, MOSTLY, _bounds(NUMBERS)
        ),
        _with({"column": st.sampled_from(["t", "o", "s"]), "max_value": STAMPS}, MOSTLY, _bounds(STAMPS)),
        _with({"column": ANY_COLUMN}, MOSTLY, _bounds(NUMBERS)),
    ),
    "expect_column_values_to_be_in_set": _with({"column": ANY_COLUMN, "value_set": VALUE_SET}, MOSTLY),
    "expect_column_values_to_not_be_in_set": _with({"column": ANY_COLUMN, "value_set": VALUE_SET}, MOSTLY),
    "expect_column_values_to_be_unique": _with({"column": ANY_COLUMN}, MOSTLY),
    "expect_column_values_to_match_regex": _with(
        {"column": ANY_COLUMN, "regex": st.sampled_from(["^a", "[0-9]", "é", ".", "^$", "x|y", "北"])}, MOSTLY
    ),
    "expect_column_values_to_not_match_regex": _with(
        {"column": ANY_COLUMN, "regex": st.sampled_from(["^a", "[0-9]", "é", "n", "^$", "\\."])}, MOSTLY
    ),
    "expect_column_value_lengths_to_be_between": _with(
        {"column": ANY_COLUMN, "max_value": LENGTHS}, MOSTLY, _lengths()
    ),
    "expect_column_value_lengths_to_equal": _with({"column": ANY_COLUMN, "value": LENGTHS}, MOSTLY),
    "expect_column_pair_values_a_to_be_greater_than_b": _with(
        {},
        PAIR,
        MOSTLY,
        st.fixed_dictionaries(
            {},
            optional={
                "or_equal": st.booleans(),
                "ignore_row_if": st.sampled_from(
                    ["both_values_are_missing", "either_value_is_missing", "neither"]
                ),
            },
        ),
    ),  # fmt: skip
    "expect_compound_columns_to_be_unique": _with(
        {"column_list": st.lists(ANY_COLUMN, min_size=2, max_size=3, unique=True)},
        MOSTLY,
        st.fixed_dictionaries(
            {},
            optional={
                "ignore_row_if": st.sampled_from(["all_values_are_missing", "any_value_is_missing", "never"])
            },
        ),
    ),  # fmt: skip
    "expect_table_row_count_to_equal": st.fixed_dictionaries({"value": st.integers(0, 12)}),
    "expect_table_row_count_to_be_between": _bounds(st.one_of(st.integers(0, 12), st.floats(0, 12))),
    "expect_table_column_count_to_equal": st.fixed_dictionaries({"value": st.integers(6, 9)}),
    "expect_table_column_count_to_be_between": st.fixed_dictionaries(
        {}, optional={"min_value": st.integers(6, 9), "max_value": st.integers(6, 9)}
    ),
    "expect_table_columns_to_match_set": _with(
        {"column_set": st.lists(st.sampled_from([*COLUMNS, "zz"]), unique=True)},
        st.fixed_dictionaries({}, optional={"exact_match": st.booleans()}),
    ),
    "expect_table_columns_to_match_ordered_list": st.fixed_dictionaries(
        {"column_list": st.permutations(COLUMNS).flatmap(lambda p: st.sampled_from([list(p), list(COLUMNS)]))}
    ),
    "expect_column_quantile_values_to_be_between": _with(
        {
            "column": st.one_of(st.sampled_from(["f", "g", "i", "n"]), ANY_COLUMN),
            "quantile_ranges": _quantile_ranges(),
        },
        st.fixed_dictionaries(
            {}, optional={"allow_relative_error": st.sampled_from(["linear", "lower", "nearest"])}
        ),
    ),
    "expect_column_distinct_values_to_be_in_set": _with({"column": ANY_COLUMN, "value_set": VALUE_SET}),
    "expect_column_distinct_values_to_contain_set": _with({"column": ANY_COLUMN, "value_set": VALUE_SET}),
    "expect_column_distinct_values_to_equal_set": _with({"column": ANY_COLUMN, "value_set": VALUE_SET}),
    "expect_column_most_common_value_to_be_in_set": _with(
        {"column": ANY_COLUMN, "value_set": VALUE_SET},
        st.fixed_dictionaries({}, optional={"ties_okay": st.booleans()}),
    ),
}
for _statistic in ("min", "max", "mean", "median", "sum", "stdev"):
    ARGUMENTS[f"expect_column_{_statistic}_to_be_between"] = _with({"column": ANY_COLUMN}, _bounds(NUMBERS))
ARGUMENTS["expect_column_proportion_of_unique_values_to_be_between"] = _with(
    {"column": ANY_COLUMN}, _bounds(st.sampled_from([0, 0.25, 0.5, 1]))
)


def test_every_covered_type_has_random_arguments() -> None:
    assert set(ARGUMENTS) == native.COVERED


@pytest.mark.parametrize("type_", sorted(native.COVERED))
def test_native_equals_plain_gx_on_random_frames(type_: str, plain_gx) -> None:
    evaluated: list[bool] = []

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(data=frames(), kwargs=ARGUMENTS[type_], result_format=st.sampled_from(FORMATS))
    def check(data: Any, kwargs: dict[str, Any], result_format: str) -> None:
        theirs = plain_gx(data, type_, kwargs, result_format)
        try:
            mine = native.evaluate(data, type_, kwargs, result_format)
        except native.Decline:
            evaluated.append(False)
            return
        evaluated.append(True)
        assert_same_raw(mine, theirs)
        assert _converted(mine, type_, kwargs) == _converted(theirs, type_, kwargs)

    check()
    assert sum(evaluated) >= len(evaluated) // 3, (
        f"the native engine declined {evaluated.count(False)} of {len(evaluated)}"
    )
