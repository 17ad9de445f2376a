"""Behaviour shared by every airflow-mlops check operator: record, summarize, then raise once."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_mlops.core.arguments import require_bool
from airflow_mlops.core.results import (
    CheckResult,
    CheckRunSummary,
    Severity,
    Status,
    aggregate_status,
    format_results_table,
    headline,
    summarize,
)
from airflow_mlops.exceptions import ArgumentError, InputError, MlopsError, StoreError
from airflow_mlops.links import QualityReportLink
from airflow_mlops.sources import SqlSource

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_mlops.engines.sql import SqlBatch
    from airflow_mlops.store import ProfileRecord

__all__ = [
    "SUMMARY_XCOM_KEY",
    "CheckOutcome",
    "MlopsCheckOperator",
    "call_with_context",
    "describe_data",
    "validate_data_argument",
]

#: XCom key under which every check and gate task pushes its compact summary (also on failure).
SUMMARY_XCOM_KEY = "mlops_summary"


def validate_data_argument(data: Any, *, task_id: str) -> None:
    if data is None or not (callable(data) or isinstance(data, str | os.PathLike | SqlSource)):
        raise ArgumentError(
            f"{task_id}: data= must be a callable returning a pandas DataFrame, a CSV/Parquet path or URI, or "
            f"SqlSource(conn_id=..., table=...|query=...); got {type(data).__name__}."
        )


def describe_data(data: Any) -> str:
    if isinstance(data, SqlSource):
        return data.describe()
    if isinstance(data, str | os.PathLike):
        return f"file '{os.fspath(data)}'"
    return f"callable {getattr(data, '__qualname__', repr(data))}()"


@dataclass(kw_only=True)
class CheckOutcome:
    """What a check operator's ``run_checks`` produced, before it is recorded."""

    results: list[CheckResult] = field(default_factory=list)
    data_source: str | None = None
    suite_name: str | None = None
    message: str = ""
    extra_summary: dict[str, Any] = field(default_factory=dict)
    profile: ProfileRecord | None = None
    baseline_key: str | None = None
    status: Status | None = None  # set by operators whose status is not simply the worst result's


class MlopsCheckOperator(BaseOperator):
    """Base of the check operators. Subclasses implement :meth:`run_checks`.

    :param fail_task: raise ``AirflowFailException`` when the outcome is FAILED. With False the task
        succeeds and a downstream gate decides. ERRORED (a check that could not run) always fails the task.
    """

    kind: ClassVar[str] = "check"
    ui_color = "#e8f4fd"
    operator_extra_links = (QualityReportLink(),)

    def __init__(self, *, fail_task: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail_task = require_bool(f"{self.task_id}: fail_task", fail_task)

    def _exclude_callable_from_templates(self, field_name: str, value: Any) -> None:
        """Airflow 3 calls callables found in template fields while rendering; a data callable must
        instead be called at execute time with the context, so it is taken out of this task's fields."""
        if _called_at_execute(value):
            self.template_fields = tuple(f for f in type(self).template_fields if f != field_name)

    def _do_render_template_fields(
        self, parent: Any, template_fields: Any, context: Context, jinja_env: Any, seen_oids: set[int]
    ) -> None:
        # A mapped task renders the mapped operator's (class-level) template fields on this unmapped
        # instance, so the exclusion above does not apply there: skip callables here as well.
        fields = [f for f in template_fields if not _called_at_execute(getattr(parent, f, None))]
        super()._do_render_template_fields(parent, fields, context, jinja_env, seen_oids)

    def render_template_fields(self, context: Context, jinja_env: Any = None) -> None:
        # Nested templated objects (SqlSource) are rendered in place: give this task instance its own copy
        # so that the DAG's object keeps its templates for the next run.
        for name in self.template_fields:
            value = getattr(self, name, None)
            if isinstance(value, SqlSource):
                setattr(self, name, copy.copy(value))
        super().render_template_fields(context, jinja_env)

    # -- to implement -----------------------------------------------------------------------------
    def run_checks(self, context: Context) -> CheckOutcome:
        raise NotImplementedError

    # -- helpers for subclasses -------------------------------------------------------------------
    def base_dir(self) -> str | None:
        """Relative paths resolve against the DAG file's folder first."""
        fileloc = getattr(getattr(self, "dag", None), "fileloc", None)
        return os.path.dirname(fileloc) if fileloc else None

    def load_data(self, data: Any, context: Context) -> tuple[Any, SqlBatch | None, str]:
        """Return ``(frame, None, description)`` for files and callables, ``(None, batch, description)`` for SQL."""
        from airflow_mlops.core.data import check_frame, read_file

        description = describe_data(data)
        if isinstance(data, SqlSource):
            return None, data.to_batch(), description
        if isinstance(data, str | os.PathLike):
            path = os.fspath(data)
            return (
                check_frame(read_file(path, base_dir=self.base_dir()), source=description),
                None,
                description,
            )
        frame = call_with_context(data, context)
        return check_frame(frame, source=description), None, description

    # -- the one execution path -------------------------------------------------------------------
    def execute(self, context: Context) -> CheckRunSummary:
        """Check, record the outcome, push the summary, then raise once (one failure path)."""
        ti = context["ti"]
        store = self._ready_store(ti)
        started = datetime.now(UTC)
        outcome, retryable = self._checked_outcome(context)
        status = outcome.status or aggregate_status(r.status for r in outcome.results)
        message = outcome.message or headline(outcome.results, baseline_key=outcome.baseline_key)
        check_run_id = self._record_outcome(context, store, outcome, status, message, started)
        summary = self._summary(ti, status, outcome.results, check_run_id, message)
        self._log_outcome(status, outcome, message)
        self._lineage_results = list(outcome.results)  # read by the OpenLineage listener after execute
        summary = self.after_record(context, status, outcome, summary)
        ti.xcom_push(key=SUMMARY_XCOM_KEY, value=summary)
        self._raise_for(status, message, retryable=retryable, context=context, summary=summary)
        return summary

    def _summary(
        self, ti: Any, status: Status, results: Sequence[CheckResult], check_run_id: int | None, message: str
    ) -> CheckRunSummary:
        return summarize(
            status=status,
            kind=self.kind,
            results=results,
            dag_id=ti.dag_id,
            task_id=ti.task_id,
            run_id=ti.run_id,
            try_number=ti.try_number,
            check_run_id=check_run_id,
            owner=self.owner,
            message=message,
        )

    def _ready_store(self, ti: Any) -> Any:
        """The results store, migrated; else ERRORED in the log and XCom, and a retryable failure."""
        from airflow_mlops.config import get_store

        try:
            store = get_store()
            store.ensure_ready()
        except MlopsError as exc:
            # Fail closed, and still say so in the log and XCom: nothing may look like a pass.
            message = f"ERRORED: results store unavailable, nothing was checked or recorded: {exc}"
            self.log.error("%s %s", self.kind, message)
            ti.xcom_push(key=SUMMARY_XCOM_KEY, value=self._summary(ti, Status.ERRORED, [], None, message))
            raise AirflowException(f"{self.task_id}: {message}") from None
        return store

    def _checked_outcome(self, context: Context) -> tuple[CheckOutcome, bool]:
        """What :meth:`run_checks` found, or an ERRORED outcome when it could not run; and whether a
        retry may help (an infrastructure error)."""
        try:
            outcome = self.run_checks(context)
            self._check_result_count(outcome)
        except InputError as exc:
            return _errored(str(exc), Severity.FAIL), False
        except Exception as exc:
            self.log.exception("%s: a check crashed", self.task_id)
            return _errored(f"{type(exc).__name__}: {exc}", Severity.FAIL), _is_infrastructure_error(exc)
        if not outcome.results:
            outcome.results.append(
                CheckResult(
                    name="no_checks",
                    check_type="internal",
                    status=Status.ERRORED,
                    message="no check produced a result; a run that checks nothing cannot pass.",
                )
            )
        return outcome, False

    def _record_outcome(
        self,
        context: Context,
        store: Any,
        outcome: CheckOutcome,
        status: Status,
        message: str,
        started: datetime,
    ) -> int | None:
        """Record the check run and its results (idempotent per try); the id of the check run."""
        from airflow_mlops.store import CheckRunRecord

        ti, dag_run = context["ti"], context["dag_run"]
        record = CheckRunRecord(
            dag_id=ti.dag_id,
            task_id=ti.task_id,
            run_id=ti.run_id,
            map_index=ti.map_index if ti.map_index is not None else -1,
            try_number=ti.try_number,
            kind=self.kind,
            status=status.value,
            logical_date=context.get("logical_date"),
            run_after=getattr(dag_run, "run_after", None),
            owner=self.owner,
            data_source=outcome.data_source,
            suite_name=outcome.suite_name,
            started_at=started,
            finished_at=datetime.now(UTC),
            message=message,
            summary=dict(outcome.extra_summary) or None,
            baseline_key=outcome.baseline_key,
            team=_team(dag_run),
        )
        try:
            check_run_id: int | None = store.record_check_run(
                record, outcome.results, profile=outcome.profile
            )
            return check_run_id
        except StoreError as exc:
            raise AirflowException(
                f"{self.task_id}: the outcome ({status.value}) could not be recorded: {exc}"
            ) from None
        except InputError as exc:  # the write itself is refused (a baseline key another DAG claimed since)
            raise AirflowFailException(f"{self.task_id}: ERRORED: nothing was recorded: {exc}") from None

    # -- OpenLineage (apache-airflow-providers-openlineage calls these when it is installed) ----------
    def _openlineage(self) -> Any:
        results = getattr(self, "_lineage_results", None)
        if not results:
            return None
        from airflow_mlops.operators._lineage import dataset_identity, operator_lineage

        try:
            namespace, name = dataset_identity(
                getattr(self, "data", None), dag_id=self.dag_id, task_id=self.task_id
            )
        except Exception:  # lineage must never fail a task
            namespace, name = "airflow_mlops", f"{self.dag_id}.{self.task_id}"
        return operator_lineage(results, namespace=namespace, name=name)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """Our check results as OpenLineage data-quality assertions on the checked dataset."""
        return self._openlineage()

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> Any:
        return self._openlineage()

    def _check_result_count(self, outcome: CheckOutcome) -> None:
        """Over ``[mlops] max_results_per_task`` the task is ERRORED: nothing is truncated into a pass."""
        from airflow_mlops.config import cap
        from airflow_mlops.core.limits import check_cap

        check_cap(
            f"task {self.task_id}", len(outcome.results), "results", key="max_results_per_task",
            cap=cap("max_results_per_task"), advice="split its checks over several tasks",
        )  # fmt: skip

    def after_record(
        self, context: Context, status: Status, outcome: CheckOutcome, summary: CheckRunSummary
    ) -> CheckRunSummary:
        """Hook run after the outcome is recorded and before the task raises (gates alert here)."""
        return summary

    def _log_outcome(self, status: Status, outcome: CheckOutcome, message: str) -> None:
        source = f" on {outcome.data_source}" if outcome.data_source else ""
        self.log.info(
            "%s %s%s: %s\n%s", self.kind, status.value, source, message, format_results_table(outcome.results)
        )

    def _raise_for(
        self, status: Status, message: str, *, retryable: bool, context: Context, summary: CheckRunSummary
    ) -> None:
        where = f"See XCom '{SUMMARY_XCOM_KEY}' of this task and the results store for details."
        if status is Status.ERRORED:
            error = f"{self.task_id}: ERRORED: {message} {where}"
            if retryable:
                raise AirflowException(error)
            raise AirflowFailException(error)
        if status is Status.FAILED and self.fail_task:
            raise AirflowFailException(f"{self.task_id}: FAILED: {message} {where}")


def _team(dag_run: Any) -> str | None:
    """The DAG's owning team as Airflow told this task: ``""`` for none, None when this Airflow does not
    say (recorded with the run, so that authorization survives the DAG's deletion)."""
    if not hasattr(dag_run, "team_name"):
        return None
    return dag_run.team_name or ""


def _errored(message: str, severity: Severity) -> CheckOutcome:
    return CheckOutcome(
        results=[
            CheckResult(
                name="input", check_type="input", status=Status.ERRORED, severity=severity, message=message
            )
        ],
        message=message,
    )


def _is_infrastructure_error(exc: BaseException) -> bool:
    """Errors a retry may cure: lost database connections, timeouts, network errors."""
    try:
        import sqlalchemy as sa

        if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.TimeoutError):
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(exc, ConnectionError | TimeoutError)


def _called_at_execute(value: Any) -> bool:
    """A data or metrics callable: called by the operator with the context, never by the templater."""
    return callable(value) and not isinstance(value, SqlSource)


def call_with_context(fn: Callable[..., Any], context: Context) -> Any:
    """Call ``fn`` with the context values its signature asks for, as PythonOperator does."""
    from airflow.sdk.bases.decorator import KeywordParameters

    return fn(**KeywordParameters.determine(fn, (), context).unpacking())
