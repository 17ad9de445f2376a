"""Running a suite with Great Expectations (GX Core 1.x) and turning its result into ours.

GX is imported on first use only, with its logger at WARNING, analytics off and progress bars off.
GX's public API builds the context, the suite and the batch definition; validation goes through GX's
V1 ``Validator``, the object both ``ValidationDefinition.run`` and ``Batch.validate`` run on, so
that the batch is read (and, for a DataFrame, fingerprinted by GX) once however many GX runs it takes.

The suite is validated in one GX run (so that GX shares metrics and, in SQL, bundles queries), but
one expectation must never cost the others their results, nor be reported with another one's error.
GX itself falls short of that in four ways, which ``_validate`` works around:

* an error raised while GX plans an expectation's metrics (``get_validation_dependencies``, e.g.
  ``expect_column_kl_divergence_to_be_less_than`` with an empty ``partition_object``: ``ValueError``)
  escapes ``Validator.graph_validate``: the whole run raises;
* when several metrics of one SQL bundle fail, GX reports the last failure's message on all of them;
  and an exception other than a metric error aborts the whole metric graph, so every expectation not
  yet resolved errors;
* GX sets a quantile expectation's ``quantiles`` on its metric after the metric's id is computed, so
  in one run every ``expect_column_quantile_values_to_be_between`` on a column reads the first one's
  quantiles;
* ``ValidationDefinition.run`` writes the run's result to GX's results store as JSON, which raises
  ``TypeError: Object of type bool is not JSON serializable`` whenever an expectation reports
  ``success`` as a numpy bool (the quantile expectation returns ``np.all(...)``; numpy 2 names its
  bool type ``bool``, and marshmallow 4's ``Boolean`` field passes it through on dump). The
  ``Validator`` stores nothing.

An expectation that raised, or errored next to other errored ones, is validated again on its own;
quantile expectations after the first on a column are validated on their own from the start.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import math
import os
import re
import sys
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

from airflow_mlops.core.results import RESULT_FORMATS, CheckResult, Severity, Status, json_safe
from airflow_mlops.core.suite import ExpectationSpec, SuiteSpec

if TYPE_CHECKING:
    import pandas as pd

    from airflow_mlops.core.sql import SqlTarget

__all__ = [
    "RESULT_FORMATS",
    "SAMPLE_SIZE",
    "ResultFormat",
    "import_gx",
    "run_suite",
]

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
    if isinstance(validation_result, Exception):  # raised by GX for this expectation alone
        return f"{type(validation_result).__name__}: {validation_result}"
    info = validation_result.exception_info or {}
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "")
    for value in info.values():
        if isinstance(value, Mapping) and value.get("raised_exception"):
            return str(value.get("exception_message") or "")
    return None


_MISSING_COLUMN = re.compile(r'column "?([^"]+?)"? in BatchData does not exist', re.IGNORECASE)
_NO_METRIC = re.compile(r"No provider found for (\S+) using (\w+)ExecutionEngine")
_ENGINES = {"Pandas": "pandas", "SqlAlchemy": "SQL databases", "Spark": "Spark"}


def _explain_exception(message: str, *, source: str, columns: Sequence[str] | None) -> str:
    match = _MISSING_COLUMN.search(message)
    if match:
        listed = f" Columns there: {', '.join(map(str, list(columns)[:10]))}." if columns else ""
        return f"column '{match.group(1)}' does not exist in {source}.{listed} Fix the suite or the data."
    match = _NO_METRIC.search(message)
    if match:
        engine = _ENGINES.get(match.group(2), match.group(2))
        return (
            f"GX does not implement this expectation for {engine} (no '{match.group(1)}' metric), so it "
            f"cannot be evaluated on {source}; see the expectation coverage page of the docs."
        )
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
    result = dict(validation_result.result or {})
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
    sql: SqlTarget | None = None,
    source: str,
    columns: Sequence[str] | None = None,
    engine: str = "auto",
) -> list[CheckResult]:
    """Validate ``frame`` (in pandas) or ``sql`` (inside the database) against ``suite``.

    Each expectation gets one result, in suite order. An expectation GX cannot build (unknown type, bad
    kwargs) or evaluate (missing column, a type GX does not implement for the engine, GX crashing on
    it) is ERRORED with its own reason; the others keep their results. A lost database connection is
    raised (a retry may cure it).

    :param engine: ``"auto"``: the native engine (:mod:`airflow_mlops.core.native`) for the types it
        covers on a DataFrame, GX for the rest (GX is imported only then); ``"native"``: the native
        engine only (an uncovered type, or SQL data, is an :class:`~airflow_mlops.exceptions.InputError` before anything runs);
        ``"gx"``: GX only. Each result's ``details["engine"]`` says which one ran it.
    """
    if (frame is None) == (sql is None):
        raise ValueError("run_suite needs exactly one of frame= or sql=")
    names: dict[str, int] = {}
    planned: list[tuple[ExpectationSpec, str, Severity]] = [
        (spec, _name(spec, names), spec.severity or default_severity) for spec in suite.expectations
    ]
    results = _run_native(planned, engine, result_format, frame=frame, source=source, columns=columns)
    rest = [index for index in range(len(planned)) if index not in results]
    if rest:
        gx_results = _run_gx(
            [planned[i] for i in rest], result_format, suite_name=suite.name, frame=frame, sql=sql,
            source=source, columns=columns,
        )  # fmt: skip
        results.update(zip(rest, gx_results, strict=True))
    return [results[i] for i in range(len(planned))]


def _with_engine(result: CheckResult, engine: str) -> CheckResult:
    return dataclasses.replace(result, details={**result.details, "engine": engine})


def _run_native(
    planned: Sequence[tuple[ExpectationSpec, str, Severity]],
    engine: str,
    result_format: str,
    *,
    frame: pd.DataFrame | None,
    source: str,
    columns: Sequence[str] | None,
) -> dict[int, CheckResult]:
    """The results the native engine gives, by position; the rest is GX's (none with ``"native"``)."""
    from airflow_mlops.core import native

    native.check_engine(engine)
    if engine == "gx" or (engine == "auto" and frame is None):
        return {}
    if engine == "native":
        native.require_covered([spec for spec, _, _ in planned], sql=frame is None, source=source)
    assert frame is not None
    batch = native.Frame(frame)
    results: dict[int, CheckResult] = {}
    for index, (spec, name, severity) in enumerate(planned):
        if spec.type not in native.COVERED:
            continue
        try:
            outcome: Any = native.evaluate(batch, spec.type, spec.kwargs, result_format)
        except native.MissingColumn as exc:
            if engine == "auto":
                continue
            outcome = exc
        except native.Decline as exc:
            if engine == "auto":
                continue
            outcome = RuntimeError(
                f"the native engine does not evaluate this exactly like GX ({exc}); use engine='auto'"
            )
        converted = _convert(outcome, spec=spec, name=name, severity=severity, source=source, columns=columns)
        results[index] = _with_engine(converted, "native")
    return results


def _run_gx(
    planned: Sequence[tuple[ExpectationSpec, str, Severity]],
    result_format: str,
    *,
    suite_name: str,
    frame: pd.DataFrame | None,
    sql: SqlTarget | None,
    source: str,
    columns: Sequence[str] | None,
) -> list[CheckResult]:
    """GX's result for each of ``planned``, in order."""
    gx = import_gx()
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
        validator = _validator(
            context, unique, frame=frame, sql=sql, result_format=cast(ResultFormat, result_format)
        )
        validated = _validate(gx, context, validator, expectations, suite_name=f"{suite_name}-{unique}")
        for position, validation_result in validated.items():
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
    return [_with_engine(results[i], "gx") for i in range(len(planned))]


def _validator(
    context: Any,
    unique: str,
    *,
    frame: pd.DataFrame | None,
    sql: SqlTarget | None,
    result_format: ResultFormat,
) -> Any:
    """GX's validator of the batch, with the batch already read (so that a bad source raises here)."""
    from great_expectations.validator.v1_validator import Validator

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
    validator = Validator(
        batch_definition=batch_definition, batch_parameters=batch_parameters, result_format=result_format
    )
    if validator.active_batch_id is None:  # reads the batch, once, outside any expectation's run
        raise RuntimeError("GX read no batch from the data; refusing to guess results.")
    return validator


_QUANTILES = "expect_column_quantile_values_to_be_between"


def _sharing_a_metric(expectations: Sequence[Any]) -> set[int]:
    """Positions of the expectations that would read another one's metric if validated in its run.

    GX sets a quantile expectation's ``quantiles`` on its ``column.quantile_values`` metric after the
    metric's id is computed, so every quantile expectation on a column has the same metric id: in one
    run, GX computes the first one's quantiles and hands them to all (a wrong pass or failure). All but
    the first per column are validated alone.
    """
    seen: set[str] = set()
    alone: set[int] = set()
    for position, expectation in enumerate(expectations):
        if expectation.expectation_type != _QUANTILES:
            continue
        kwargs = expectation.configuration.kwargs
        domain = repr([kwargs.get(k) for k in ("column", "row_condition", "condition_parser")])
        if domain in seen:
            alone.add(position)
        seen.add(domain)
    return alone


def _validate(
    gx: Any, context: Any, validator: Any, expectations: Sequence[Any], *, suite_name: str
) -> dict[int, Any]:
    """GX's result (or the exception GX raised) for each expectation, by position in ``expectations``.

    The expectations run together in one suite, except those that would share a metric they must not
    share (:func:`_sharing_a_metric`). When the suite's run raises, or reports an error on more than one
    expectation (one expectation's failure can take its neighbours down or lend them its message, see
    the module docstring), each of those expectations is validated again on its own, so that an error
    is only ever the expectation's own. A lost database connection is raised, never recorded, so that
    the task's retries apply.
    """
    alone = _sharing_a_metric(expectations)
    together = [p for p in range(len(expectations)) if p not in alone]
    found: dict[int, Any] = {}
    again: list[int] = []
    if together:
        gx_suite = context.suites.add(  # GX drops invalid entries silently, so only built ones go in
            gx.ExpectationSuite(name=suite_name, expectations=[expectations[p] for p in together])
        )
        if len(gx_suite.expectations) != len(together):
            raise RuntimeError("GX dropped expectations while building the suite; refusing to guess results.")
        by_id = {expectation.id: p for p, expectation in zip(together, gx_suite.expectations, strict=True)}
        try:
            run = validator.validate_expectation_suite(gx_suite)
        except Exception as exc:
            if _lost_connection(exc):
                raise
            if len(together) == 1:
                found[together[0]] = exc
        else:
            for validation_result in run.results:
                position = by_id.get(validation_result.expectation_config.id)
                if position is not None:
                    found[position] = validation_result
        missing = [p for p in together if p not in found]
        errored = [p for p, result in found.items() if _exception_message(result) is not None]
        again = missing + errored if len(missing) + len(errored) > 1 else missing
    for position in sorted(alone.union(again)):
        try:
            found[position] = validator.validate_expectation(expectations[position])
        except Exception as exc:
            if _lost_connection(exc):
                raise
            found[position] = exc
    return found


def _lost_connection(exc: BaseException) -> bool:
    """The database went away (a retry may cure it): not any one expectation's fault.

    SQLAlchemy's errors are looked up among the loaded modules, never imported (the core opens no
    connection): an exception can only be one of them once SQLAlchemy is loaded.
    """
    errors: Any = sys.modules.get("sqlalchemy.exc")
    if errors is not None:
        if isinstance(exc, errors.DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, errors.InterfaceError | errors.TimeoutError):
            return True
    return isinstance(exc, ConnectionError | TimeoutError)
