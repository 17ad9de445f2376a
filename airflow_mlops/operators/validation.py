"""DataValidationOperator: run a Great Expectations suite on a DataFrame, a file or a SQL table."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_mlops.core.arguments import require_choice
from airflow_mlops.core.native import ENGINES
from airflow_mlops.core.results import RESULT_FORMATS, engine_counts
from airflow_mlops.exceptions import ArgumentError
from airflow_mlops.operators._base import (
    CheckOutcome,
    MlopsCheckOperator,
    validate_data_argument,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_mlops.core.results import CheckRunSummary, Status

__all__ = ["SEVERITY_CHOICES", "DataValidationOperator"]

#: ``severity=`` for expectations that carry no severity of their own.
SEVERITY_CHOICES: tuple[str, ...] = ("fail", "warn")


class DataValidationOperator(MlopsCheckOperator):
    """Validate data with a Great Expectations suite and record every expectation's result.

    The result is recorded in the results store before the task ends, a compact summary is pushed to
    XCom (``return_value`` on success, and ``mlops_summary`` always), and the task log shows a table of
    expectations with observed and expected values.

    :param data: a callable returning a pandas DataFrame (it may take context keys such as ``params``),
        a CSV/TSV/Parquet path or URI (templated; relative paths resolve against the DAG folder), or
        ``SqlSource(conn_id=..., table=...|query=...)``, validated inside the database.
    :param suite: a GX suite file (JSON or YAML, GX's format), a list of expectation dicts
        (``{"type": "expect_...", "kwargs": {...}, "severity": "warning"}``) or a ``gx.ExpectationSuite``.
    :param severity: ``"fail"`` or ``"warn"``: what an unsuccessful expectation without a severity of
        its own means. GX severities are honoured: critical → FAILED, warning → WARNED, info → recorded.
    :param result_format: GX result format: BOOLEAN_ONLY, BASIC, SUMMARY (default) or COMPLETE.
    :param fail_task: raise ``AirflowFailException`` when the outcome is FAILED (default). ERRORED
        (the suite or data could not be read) always fails the task.
    :param engine: ``"auto"``, ``"native"`` or ``"gx"`` (templated): who evaluates the expectations.
        ``"auto"`` runs the types the native engine covers on a DataFrame natively (GX's exact results,
        without importing GX) and the rest with GX; ``"native"`` refuses a suite with an uncovered type
        or SQL data before anything runs; ``"gx"`` always uses GX. ``None`` (default) reads
        ``[mlops] validation_engine`` (default ``"auto"``). Each result's ``details["engine"]`` and the
        summary's ``engines`` say which one ran.

    Airflow's own ``owner=`` names the owning team (a key of the owner registry).
    """

    kind: ClassVar[str] = "validation"
    template_fields: Sequence[str] = ("data", "suite", "severity", "result_format", "engine")
    template_ext: Sequence[str] = ()
    ui_color = "#e3f2e1"

    def __init__(
        self,
        *,
        data: Any,
        suite: Any,
        severity: str = "fail",
        result_format: str = "SUMMARY",
        fail_task: bool = True,
        engine: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(fail_task=fail_task, **kwargs)
        validate_data_argument(data, task_id=self.task_id)
        if (
            suite is None
            or isinstance(suite, bytes)
            or not (
                isinstance(suite, str | os.PathLike | Mapping | list | tuple)
                or hasattr(suite, "expectations")
            )
        ):
            raise ArgumentError(
                f"{self.task_id}: suite= must be a path to a GX suite JSON/YAML file, a list of expectation "
                f"dicts or a gx.ExpectationSuite; got {type(suite).__name__}."
            )
        if not _is_template(severity):
            require_choice(f"{self.task_id}: severity", severity, SEVERITY_CHOICES)
        if not _is_template(result_format):
            require_choice(f"{self.task_id}: result_format", result_format, RESULT_FORMATS)
        if engine is not None and not _is_template(engine):
            require_choice(f"{self.task_id}: engine", engine, ENGINES)
        self.data = data
        self._exclude_callable_from_templates("data", data)
        self.suite = suite
        self.severity = severity
        self.result_format = result_format
        self.engine = engine

    def run_checks(self, context: Context) -> CheckOutcome:
        from airflow_mlops.config import cap, validation_engine
        from airflow_mlops.core.gx import run_suite
        from airflow_mlops.core.results import Severity
        from airflow_mlops.core.suite import load_suite

        require_choice(f"{self.task_id}: severity", self.severity, SEVERITY_CHOICES)
        require_choice(f"{self.task_id}: result_format", self.result_format, RESULT_FORMATS)
        if self.engine is not None:
            require_choice(f"{self.task_id}: engine", self.engine, ENGINES)
        engine = self.engine if self.engine is not None else validation_engine()
        suite = load_suite(
            self.suite, base_dir=self.base_dir(), max_expectations=cap("max_expectations_per_suite")
        )
        frame, batch, description = self.load_data(self.data, context)
        columns: list[str] | None
        columns = batch.check() if batch is not None else [str(c) for c in frame.columns]
        results = run_suite(
            suite,
            default_severity=Severity.parse(self.severity),
            result_format=self.result_format,
            frame=frame,
            sql=batch,
            source=description,
            columns=columns,
            engine=engine,
        )
        engines = engine_counts(results)
        return CheckOutcome(
            results=results,
            data_source=description,
            suite_name=suite.name,
            extra_summary={"engines": engines},
        )

    def after_record(
        self, context: Context, status: Status, outcome: CheckOutcome, summary: CheckRunSummary
    ) -> CheckRunSummary:
        """The XCom summary says how many expectations each engine ran, as the recorded one does."""
        if "engines" in outcome.extra_summary:
            summary["engines"] = outcome.extra_summary["engines"]
        return summary


def _is_template(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value
