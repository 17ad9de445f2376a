"""Running a suite with Great Expectations (GX Core 1.x) and turning its result into ours.

GX is imported on first use only, with its logger at WARNING, analytics off and progress bars off.
Only GX's public API is used: ``get_context``, ``ExpectationSuite``, ``ValidationDefinition``.
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from airflow_mlops.core.results import RESULT_FORMATS, CheckResult, Severity, Status, json_safe
from airflow_mlops.core.suite import ExpectationSpec, SuiteSpec

if TYPE_CHECKING:
    import pandas as pd

    from airflow_mlops.core.sql import SqlBatch

__all__ = ["RESULT_FORMATS", "ResultFormat", "import_gx", "run_suite"]

ResultFormat = Literal["BOOLEAN_ONLY", "BASIC", "SUMMARY", "COMPLETE"]
SAMPLE_SIZE = 20
_KWARGS_NOT_EXPECTED = {"batch_id", "column", "result_format", "catch_exceptions", "include_config"}


def import_gx() -> Any:
    """Import great_expectations quietly (logger at WARNING, analytics off)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    return gx


def _context(gx: Any) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _column_of(kwargs: Mapping[str, Any]) -> str | None:
    for key in ("column", "column_A"):
        if isinstance(kwargs.get(key), str):
            return str(kwargs[key])
    if isinstance(kwargs.get("column_list"), list):
        return ",".join(str(c) for c in kwargs["column_list"])
    return None


def _name(spec: ExpectationSpec, seen: dict[str, int]) -> str:
    column = _column_of(spec.kwargs)
    name = f"{spec.type}({column})" if column else spec.type
    seen[name] = seen.get(name, 0) + 1
    return name if seen[name] == 1 else f"{name}#{seen[name]}"


def _expected(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if k not in _KWARGS_NOT_EXPECTED}


def _build_error(spec: ExpectationSpec, exc: Exception) -> str:
    from great_expectations.expectations.registry import list_registered_expectation_implementations

    known = list_registered_expectation_implementations()
    if spec.type not in known:
        close = difflib.get_close_matches(spec.type, known, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else " See the GX expectation gallery for types."
        return f"{spec.source}: unknown expectation type '{spec.type}'.{hint}"
    detail = str(exc).strip().splitlines()
    return f"{spec.source}: invalid arguments for '{spec.type}': {' '.join(detail[:6])[:500]}"


def _exception_message(validation_result: Any) -> str | None:
    info = validation_result.exception_info or {}
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "")
    for value in info.values():
        if isinstance(value, Mapping) and value.get("raised_exception"):
            return str(value.get("exception_message") or "")
    return None


_MISSING_COLUMN = re.compile(r'column "?([^"]+?)"? in BatchData does not exist', re.IGNORECASE)


def _explain_exception(message: str, *, source: str, columns: Sequence[str] | None) -> str:
    match = _MISSING_COLUMN.search(message)
    if match:
        listed = f" Columns there: {', '.join(map(str, list(columns)[:10]))}." if columns else ""
        return f"column '{match.group(1)}' does not exist in {source}.{listed} Fix the suite or the data."
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return f"expectation could not be evaluated on {source}: {first[:400]}"


def _observed(result: Mapping[str, Any]) -> Any:
    if "observed_value" in result:
        return result["observed_value"]
    keys = ("unexpected_count", "unexpected_percent", "element_count", "missing_count")
    observed = {k: result[k] for k in keys if k in result}
    return observed or None


def _missing_as_none(value: Any) -> Any:
    """pandas reports missing values as NaN/NaT; samples show them as null."""
    return (
        None
        if value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "NaT"
        else value
    )


def _details(result: Mapping[str, Any]) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if result.get("partial_unexpected_list") is not None:
        sample = [_missing_as_none(v) for v in list(result["partial_unexpected_list"])[:SAMPLE_SIZE]]
        details["sample_unexpected"] = json_safe(sample)
    if result.get("partial_unexpected_counts"):
        merged: dict[str, dict[str, Any]] = {}  # GX lists each NaN separately: fold them into one null
        for entry in list(result["partial_unexpected_counts"]):
            value = _missing_as_none(entry.get("value"))
            key = repr(value)
            merged.setdefault(key, {"value": value, "count": 0})["count"] += int(entry.get("count") or 0)
        details["unexpected_counts"] = json_safe(list(merged.values())[:SAMPLE_SIZE])
    for key in ("unexpected_count", "unexpected_percent", "missing_count", "element_count"):
        if key in result:
            details[key] = json_safe(result[key])
    return details


def _convert(
    validation_result: Any,
    *,
    spec: ExpectationSpec,
    name: str,
    severity: Severity,
    source: str,
    columns: Sequence[str] | None,
) -> CheckResult:
    result = dict(validation_result.result or {})
    common = {
        "name": name,
        "check_type": spec.type,
        "severity": severity,
        "column": _column_of(spec.kwargs),
        "expected": json_safe(_expected(spec.kwargs)),
    }
    error = _exception_message(validation_result)
    if error is not None:
        return CheckResult(
            status=Status.ERRORED,
            message=_explain_exception(error, source=source, columns=columns),
            **common,
        )
    observed = _observed(result)
    if validation_result.success:
        return CheckResult(
            status=Status.PASSED, observed=json_safe(observed), details=_details(result), **common
        )
    unexpected = result.get("unexpected_count")
    message = f"{unexpected} unexpected values" if unexpected is not None else f"observed {observed!r}"
    return CheckResult(
        status=severity.status_when_unsuccessful(),
        observed=json_safe(observed),
        details=_details(result),
        message=message,
        **common,
    )


def run_suite(
    suite: SuiteSpec,
    *,
    default_severity: Severity,
    result_format: str = "SUMMARY",
    frame: pd.DataFrame | None = None,
    sql: SqlBatch | None = None,
    source: str,
    columns: Sequence[str] | None = None,
) -> list[CheckResult]:
    """Validate ``frame`` (in pandas) or ``sql`` (inside the database) against ``suite``.

    Each expectation gets one result, in suite order. An expectation GX cannot build (unknown type, bad
    kwargs) or evaluate (missing column) is ERRORED with a message naming it; the others still run.
    """
    if (frame is None) == (sql is None):
        raise ValueError("run_suite needs exactly one of frame= or sql=")
    gx = import_gx()
    names: dict[str, int] = {}
    planned: list[tuple[ExpectationSpec, str, Severity]] = [
        (spec, _name(spec, names), spec.severity or default_severity) for spec in suite.expectations
    ]
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    results: dict[int, CheckResult] = {}
    buildable: list[int] = []
    expectations: list[Any] = []
    for index, (spec, name, severity) in enumerate(planned):
        try:
            expectations.append(ExpectationConfiguration(**spec.to_gx_dict(severity)).to_domain_obj())
        except Exception as exc:
            results[index] = CheckResult(
                name=name,
                check_type=spec.type,
                status=Status.ERRORED,
                severity=severity,
                column=_column_of(spec.kwargs),
                expected=json_safe(_expected(spec.kwargs)),
                message=_build_error(spec, exc),
            )
            continue
        buildable.append(index)

    if buildable:
        context = _context(gx)
        unique = uuid.uuid4().hex[:12]
        gx_suite = context.suites.add(  # GX drops invalid entries silently, so only built ones go in
            gx.ExpectationSuite(
                name=f"{suite.name}-{unique}",
                expectations=expectations,
            )
        )
        batch_parameters: dict[str, Any] = {}
        if frame is not None:
            datasource = context.data_sources.add_pandas(name=f"pandas-{unique}")
            asset = datasource.add_dataframe_asset(name="frame")
            batch_definition = asset.add_batch_definition_whole_dataframe("whole")
            batch_parameters = {"dataframe": frame}
        else:
            assert sql is not None
            datasource = context.data_sources.add_sql(name=f"sql-{unique}", connection_string=sql.url)
            if sql.table is not None:
                asset = datasource.add_table_asset(name="table", table_name=sql.table, schema_name=sql.schema)
            else:
                asset = datasource.add_query_asset(name="query", query=sql.query)
            batch_definition = asset.add_batch_definition_whole_table("whole")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"validation-{unique}", data=batch_definition, suite=gx_suite)
        )
        run = definition.run(batch_parameters=batch_parameters, result_format=result_format)
        if len(gx_suite.expectations) != len(buildable):
            raise RuntimeError("GX dropped expectations while building the suite; refusing to guess results.")
        by_id = {expectation.id: pos for pos, expectation in enumerate(gx_suite.expectations)}
        for validation_result in run.results:
            position = by_id.get(validation_result.expectation_config.id)
            if position is None:
                continue
            index = buildable[position]
            spec, name, severity = planned[index]
            results[index] = _convert(
                validation_result, spec=spec, name=name, severity=severity, source=source, columns=columns
            )
    for index, (spec, name, severity) in enumerate(planned):
        if index not in results:  # GX returned nothing for it: never let that look like a pass
            results[index] = CheckResult(
                name=name,
                check_type=spec.type,
                status=Status.ERRORED,
                severity=severity,
                column=_column_of(spec.kwargs),
                message=f"{spec.source}: GX returned no result for this expectation.",
            )
    return [results[i] for i in range(len(planned))]
