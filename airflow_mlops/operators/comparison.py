"""BaselineComparisonOperator: compare this run's data profile or model metrics with a stored baseline."""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_mlops.core.arguments import argument_error, require_choice, require_str_list
from airflow_mlops.core.baseline import ELIGIBILITY_CHOICES, BaselinePolicy, parse_policy
from airflow_mlops.core.checks import BaselineCheck
from airflow_mlops.core.leaderboard import primary_metric
from airflow_mlops.core.results import CheckResult, Severity, Status
from airflow_mlops.exceptions import ArgumentError, InputError
from airflow_mlops.operators._base import (
    CheckOutcome,
    MlopsCheckOperator,
    call_with_context,
    validate_data_argument,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_mlops.store import ProfileRecord, ResultsStore

__all__ = [
    "MISSING_BASELINE_CHOICES",
    "BaselineComparisonOperator",
]

MISSING_BASELINE_CHOICES = ("pass", "warn", "fail")


class BaselineComparisonOperator(MlopsCheckOperator):
    """Profile this run's data (or take its model metrics), compare it with a baseline, record both.

    :param data: as for DataValidationOperator: a callable returning a DataFrame, a CSV/Parquet path, or
        ``SqlSource`` (then the profile is computed inside the database). Give ``data`` or ``metrics``.
    :param metrics: a callable returning a dict of floats, an XCom reference (``task.output``) or a dict.
    :param checks: checks from :mod:`airflow_mlops.checks` (RowCount, Schema, NullRate, Mean, Drift for
        data; MetricRegression for metrics).
    :param baseline: ``"previous_success"`` (default), ``"rolling:N"``, ``"pinned"`` or ``"pinned:LABEL"``.
    :param baseline_key: the series this run belongs to; default ``"{dag_id}.{task_id}"``. Templated. A key
        belongs to the first DAG that writes it: another DAG's task that names it fails (ERRORED), unless
        the owner shares it.
    :param share_baseline_with: on the owner DAG's task: the ids of other DAGs that may also record
        profiles under this key (their runs join its series). ``None`` (default) leaves the key's sharing
        as it is; ``[]`` takes it back.
    :param on_missing_baseline: ``"pass"``, ``"warn"`` (default) or ``"fail"`` when there is no baseline
        yet. The profile is recorded either way.
    :param baseline_eligible: which earlier runs may be the baseline (and train ``Anomaly`` bands):
        ``"passed"`` (default: runs that passed, or whose gate passed or was overridden) or ``"warned"``
        (runs that only warned too). A failed or errored run never is. Templated.
    :param fail_task: raise ``AirflowFailException`` when the outcome is FAILED (default True).
    """

    kind: ClassVar[str] = "comparison"
    template_fields: Sequence[str] = (
        "data",
        "metrics",
        "baseline",
        "baseline_key",
        "on_missing_baseline",
        "baseline_eligible",
    )
    template_ext: Sequence[str] = ()
    ui_color = "#fdf3e1"

    def __init__(
        self,
        *,
        checks: Sequence[BaselineCheck],
        data: Any = None,
        metrics: Any = None,
        baseline: str = "previous_success",
        baseline_key: str | None = None,
        on_missing_baseline: str = "warn",
        baseline_eligible: str = "passed",
        share_baseline_with: Sequence[str] | None = None,
        fail_task: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(fail_task=fail_task, **kwargs)
        shared = require_str_list(
            f"{self.task_id}: share_baseline_with",
            share_baseline_with,
            what="a list of DAG ids",
            optional=True,
        )
        if shared is not None and not all(d.strip() for d in shared):
            raise argument_error(
                f"{self.task_id}: share_baseline_with", "a list of DAG ids (or None)", shared
            )
        if (data is None) == (metrics is None):
            raise ArgumentError(
                f"{self.task_id}: give exactly one of data= (a data profile) or metrics= (model metrics)."
            )
        if data is not None:
            validate_data_argument(data, task_id=self.task_id)
        if isinstance(checks, BaselineCheck) or not isinstance(checks, Sequence) or not checks:
            raise ArgumentError(
                f"{self.task_id}: checks= must be a non-empty list of airflow_mlops.checks objects."
            )
        target = "metrics" if metrics is not None else "data"
        for check in checks:
            if not isinstance(check, BaselineCheck):
                raise ArgumentError(
                    f"{self.task_id}: checks= holds {check!r}, which is not a check from airflow_mlops.checks."
                )
            if check.target != target:
                raise ArgumentError(
                    f"{self.task_id}: {check.name} compares {check.target}, but this task has {target}= "
                    f"(use {'metrics=' if check.target == 'metrics' else 'data='} for it, in another task)."
                )
        names = [c.name for c in checks]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ArgumentError(
                f"{self.task_id}: checks= repeats {', '.join(duplicates)}; give each check once."
            )
        try:
            primary_metric(checks)
        except InputError as exc:
            raise ArgumentError(f"{self.task_id}: {exc}") from None
        if not _is_template(baseline):
            parse_policy(baseline, argument=f"{self.task_id}: baseline")
        if not _is_template(on_missing_baseline):
            require_choice(
                f"{self.task_id}: on_missing_baseline", on_missing_baseline, MISSING_BASELINE_CHOICES
            )
        if not _is_template(baseline_eligible):
            require_choice(f"{self.task_id}: baseline_eligible", baseline_eligible, ELIGIBILITY_CHOICES)
        self.data = data
        self.metrics = metrics
        self.checks = list(checks)
        self.baseline = baseline
        self.baseline_key = baseline_key
        self.on_missing_baseline = on_missing_baseline
        self.baseline_eligible = baseline_eligible
        self.share_baseline_with = shared
        self._exclude_callable_from_templates("data", data)
        self._exclude_callable_from_templates("metrics", metrics)

    # -- execution --------------------------------------------------------------------------------
    def run_checks(self, context: Context) -> CheckOutcome:
        from airflow_mlops.config import get_store

        policy = parse_policy(self.baseline, argument=f"{self.task_id}: baseline")
        require_choice(
            f"{self.task_id}: on_missing_baseline", self.on_missing_baseline, MISSING_BASELINE_CHOICES
        )
        require_choice(f"{self.task_id}: baseline_eligible", self.baseline_eligible, ELIGIBILITY_CHOICES)
        ti = context["ti"]
        key = self.baseline_key or f"{ti.dag_id}.{ti.task_id}"
        store = get_store()
        store.claim_baseline_key(key=key, dag_id=ti.dag_id, share_with=self.share_baseline_with)
        run_after = getattr(context["dag_run"], "run_after", None)
        if self.metrics is not None:
            return self._compare_metrics(context, store, policy, key, ti.run_id, run_after)
        return self._compare_data(context, store, policy, key, ti.run_id, run_after)

    def _baseline_rows(
        self, store: ResultsStore, policy: BaselinePolicy, *, key: str, kind: str, run_id: str, run_after: Any
    ) -> list[Any]:
        if policy.kind == "pinned":
            pinned = store.pinned_profile(key=key, label=policy.label or "default")
            if pinned is not None and pinned.kind != kind:
                raise InputError(
                    f"the profile pinned as '{policy.label}' for key '{key}' holds {pinned.kind}, but this task "
                    f"compares {kind}; pin a {kind} profile or use another baseline_key."
                )
            return [pinned] if pinned is not None else []
        return store.baseline_candidates(
            key=key,
            kind=kind,
            limit=policy.window,
            before=run_after,
            exclude_run_id=run_id,
            eligible=self.baseline_eligible,
        )

    def _compare_data(
        self,
        context: Context,
        store: ResultsStore,
        policy: BaselinePolicy,
        key: str,
        run_id: str,
        run_after: Any,
    ) -> CheckOutcome:
        from airflow_mlops.core.profile import DatasetProfile, median_profile, own_binned, profile_frame
        from airflow_mlops.engines.sql import profile_sql

        frame, batch, description = self.load_data(self.data, context)
        if batch is not None:
            batch.check()
        rows = self._baseline_rows(store, policy, key=key, kind="data", run_id=run_id, run_after=run_after)
        baseline: DatasetProfile | None = None
        if rows:
            profiles = [DatasetProfile.from_dict(r.profile) for r in reversed(rows)]  # oldest first
            baseline = profiles[0] if len(profiles) == 1 else median_profile(profiles)
        if batch is not None:
            current = profile_sql(
                batch.engine, batch.selectable(), reference=baseline, work_mem=batch.work_mem,
                parallel=batch.parallel, quantiles=batch.quantiles,
            )  # fmt: skip
        else:
            current = profile_frame(frame, reference=baseline)
        history, facts = self._learning_inputs(
            store, key=key, kind="data", run_id=run_id, run_after=run_after
        )
        results = self._evaluate(current, baseline, rows, policy, key, history, run_after, facts)
        # compare on the baseline's bins, but store the profile on its own bins (see own_binned)
        stored = own_binned(current) if baseline is not None else current
        record = _profile_record(key, "data", stored.to_dict(), current.row_count, description)
        return self._outcome(results, record, description, rows, policy, key)

    def _compare_metrics(
        self,
        context: Context,
        store: ResultsStore,
        policy: BaselinePolicy,
        key: str,
        run_id: str,
        run_after: Any,
    ) -> CheckOutcome:
        from airflow_mlops.config import metrics_caps
        from airflow_mlops.core.metrics import MetricsProfile

        source = _describe_metrics(self.metrics)
        value = (
            call_with_context(self.metrics, context)
            if callable(self.metrics)
            else _literal(self.metrics, source)
        )
        current = MetricsProfile.from_value(value, source=source, **metrics_caps())
        rows = self._baseline_rows(store, policy, key=key, kind="metrics", run_id=run_id, run_after=run_after)
        baseline = (
            MetricsProfile.median([MetricsProfile.from_dict(r.profile) for r in rows]) if rows else None
        )
        history, facts = self._learning_inputs(
            store, key=key, kind="metrics", run_id=run_id, run_after=run_after
        )
        results = self._evaluate(current, baseline, rows, policy, key, history, run_after, facts)
        record = _profile_record(key, "metrics", current.to_dict(), None, source)
        return self._outcome(results, record, source, rows, policy, key)

    def _learning_inputs(
        self, store: ResultsStore, *, key: str, kind: str, run_id: str, run_after: Any
    ) -> tuple[list[tuple[Any, Any]], dict[str, Any]]:
        """What the checks that learn from history need: ``(history, facts)``. Nothing is read without
        such a check; the key's training rules (exclusion windows, expected runs) are read once."""
        import os

        from airflow_mlops.core.data import file_modified_at

        learning = [c for c in self.checks if getattr(c, "learns_from_history", False)]
        if not learning:
            return [], {}
        windows, expected = store.training_rules(key=key)
        facts: dict[str, Any] = {
            "statistic_history": self._statistic_history(
                store, key, run_id, run_after, windows=windows, expected=expected
            )
        }
        wants_file_time = any(getattr(c, "source", None) == "file" for c in learning)  # Freshness
        if wants_file_time and isinstance(self.data, str | os.PathLike):
            facts["file_modified_at"] = file_modified_at(os.fspath(self.data), base_dir=self.base_dir())
        limit = max(int(getattr(c, "history_runs", 0)) for c in learning)
        history = self._history(
            store,
            key=key,
            kind=kind,
            run_id=run_id,
            run_after=run_after,
            limit=limit,
            windows=windows,
            expected=expected,
        )
        return history, facts

    def _statistic_history(
        self,
        store: ResultsStore,
        key: str,
        run_id: str,
        run_after: Any,
        *,
        windows: list[tuple[Any, Any]],
        expected: set[str],
    ) -> dict[str, list[tuple[Any, float]]]:
        """Per ``Anomaly("statistic", of=...)`` check: ``(run_after, value)`` of its recorded values in the
        earlier runs of the key whose comparison was eligible (``baseline_eligible=``), or marked expected,
        outside the exclusion windows."""
        from airflow_mlops.core.baseline import eligible_statuses

        learning = [c for c in self.checks if getattr(c, "of", None) is not None]
        if not learning:
            return {}
        statuses = set(eligible_statuses(self.baseline_eligible))
        found: dict[str, list[tuple[Any, float]]] = {}
        for check in learning:
            found[check.name] = [
                (run.run_after, float(result.observed))
                for run, result in store.check_series(key=key, name=check.name)
                if run.run_id != run_id
                and (run.status in statuses or run.run_id in expected)
                and _before(run.run_after, run_after)
                and not _in_windows(run.run_after, windows)
                and isinstance(result.observed, int | float)
                and not isinstance(result.observed, bool)
            ]
        return found

    def _history(
        self,
        store: ResultsStore,
        *,
        key: str,
        kind: str,
        run_id: str,
        run_after: Any,
        limit: int,
        windows: list[tuple[Any, Any]],
        expected: set[str],
    ) -> list[tuple[Any, Any]]:
        """``(run_after, profile)`` of the ``limit`` latest eligible earlier runs (and those marked expected),
        outside the exclusion windows, overridden runs left out: what Anomaly and Freshness learn from."""
        from airflow_mlops.core.metrics import MetricsProfile
        from airflow_mlops.core.profile import DatasetProfile

        if limit <= 0:
            return []
        rows = store.baseline_candidates(
            key=key,
            kind=kind,
            limit=limit,
            before=run_after,
            exclude_run_id=run_id,
            eligible=self.baseline_eligible,
        )
        rows = [r for r in rows if r.gate_status != Status.OVERRIDDEN.value]
        seen = {r.run_id for r in rows}
        rows += [
            r
            for r in store.profiles_of_runs(key=key, kind=kind, run_ids=expected - seen - {run_id})
            if _before(r.run_after, run_after)
        ]
        parse = MetricsProfile.from_dict if kind == "metrics" else DatasetProfile.from_dict
        return [(r.run_after, parse(r.profile)) for r in rows if not _in_windows(r.run_after, windows)]

    def _evaluate(
        self,
        current: Any,
        baseline: Any,
        rows: list[Any],
        policy: BaselinePolicy,
        key: str,
        history: list[tuple[Any, Any]],
        run_after: Any,
        facts: Mapping[str, Any],
    ) -> list[CheckResult]:
        learning = {
            check.name: check.evaluate_history(current, history, run_after, baseline=baseline, facts=facts)  # type: ignore[attr-defined]
            for check in self.checks
            if getattr(check, "learns_from_history", False)
        }
        fixed = [check for check in self.checks if check.name not in learning]
        decided = {r.name: r for r in self._evaluate_fixed(current, baseline, fixed, policy, key)}
        return [learning.get(check.name) or decided[check.name] for check in self.checks]

    def _evaluate_fixed(
        self, current: Any, baseline: Any, checks: list[BaselineCheck], policy: BaselinePolicy, key: str
    ) -> list[CheckResult]:
        if baseline is not None:
            return [check.evaluate(current, baseline) for check in checks]
        severity = {"pass": Severity.INFO, "warn": Severity.WARN, "fail": Severity.FAIL}[
            self.on_missing_baseline
        ]
        status = Status.FAILED if self.on_missing_baseline == "fail" else Status.NO_BASELINE
        message = (
            f"no baseline for key '{key}' with policy {policy}: this run's profile was recorded "
            f"(on_missing_baseline={self.on_missing_baseline!r})"
        )
        if policy.kind == "pinned":
            message += (
                f"; pin one with `airflow-mlops baseline pin --key {key} --label {policy.label} --latest`"
            )
        return [
            CheckResult(
                name=check.name,
                check_type=type(check).__name__,
                column=getattr(check, "column", None),
                status=status,
                severity=severity,
                threshold=check.thresholds(),
                message=message,
            )
            for check in checks
        ]

    def _outcome(
        self,
        results: list[CheckResult],
        record: ProfileRecord,
        source: str,
        rows: list[Any],
        policy: BaselinePolicy,
        key: str,
    ) -> CheckOutcome:
        baseline_info = {
            "key": key,
            "policy": str(policy),
            "eligible": self.baseline_eligible,
            "why": _why_this_baseline(policy, self.baseline_eligible, rows),
            "profile_ids": [r.id for r in rows],
            "run_ids": [r.run_id for r in rows],
        }
        primary = primary_metric(self.checks)
        extra: dict[str, Any] = {"baseline": baseline_info}
        if primary is not None:  # the model leaderboard of the key ranks by it
            extra["primary_metric"] = {"name": primary.name, "higher_is_better": primary.higher_is_better}
        return CheckOutcome(
            results=results,
            data_source=source,
            extra_summary=extra,
            profile=record,
            baseline_key=key,
        )


def _before(moment: Any, limit: Any) -> bool:
    """Whether a run at ``moment`` came before ``limit`` (either unknown: yes); naive times are UTC."""
    from airflow_mlops.core.handoff import utc_moment

    if moment is None or limit is None:
        return True
    return bool(utc_moment(moment, name="run_after") < utc_moment(limit, name="run_after"))  # type: ignore[operator]


def _in_windows(moment: Any, windows: list[tuple[Any, Any]]) -> bool:
    """Whether a run at ``moment`` lies in a declared exclusion window (``[from, to)``)."""
    from airflow_mlops.core.handoff import utc_moment

    at = utc_moment(moment, name="run_after") if moment is not None else None
    return at is not None and any(start <= at < end for start, end in windows)


def _why_this_baseline(policy: BaselinePolicy, eligible: str, rows: list[Any]) -> str:
    """One sentence for the report: which run(s) the comparison used and why those."""
    statuses = "passed or warned" if eligible == "warned" else "passed (warned runs left out)"
    if policy.kind == "pinned":
        return (
            f"the profile pinned as '{policy.label}'" if rows else f"no profile is pinned as '{policy.label}'"
        )
    if not rows:
        return f"no earlier run whose checks or gate {statuses}: this run's profile was recorded"
    if policy.kind == "rolling":
        return f"the median of the latest {len(rows)} earlier runs whose checks or gate {statuses}"
    return f"the latest earlier run ({rows[0].run_id}) whose checks or gate {statuses}"


def _profile_record(
    key: str, kind: str, profile: dict[str, Any], rows: int | None, source: str
) -> ProfileRecord:
    from airflow_mlops.store import ProfileRecord

    return ProfileRecord(baseline_key=key, kind=kind, profile=profile, row_count=rows, source=source)


def _describe_metrics(metrics: Any) -> str:
    if callable(metrics):
        return f"metrics callable {getattr(metrics, '__qualname__', repr(metrics))}()"
    return "metrics"


def _literal(value: Any, source: str) -> Any:
    """A rendered XCom/template value: a dict already, or its JSON / Python-literal text."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        for parse in (json.loads, ast.literal_eval):
            try:
                return parse(value)
            except (ValueError, SyntaxError):
                continue
    raise InputError(f"{source} must be a dict of metric name -> number (or its JSON); got {value!r:.200}.")


def _is_template(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value
