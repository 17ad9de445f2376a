"""Baseline checks: each compares one statistic of the current profile with the baseline's.

Every check has a ``warn=`` and a ``fail=`` threshold on its statistic, in the manner of dbt's
``warn_if``/``error_if``: the statistic is "how bad" (higher is worse); above ``fail`` → FAILED, else above
``warn`` → WARNED, else PASSED. Either threshold may be omitted, not both. Importing this module is cheap.
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from airflow_mlops.core.results import CheckResult, Severity, Status, json_safe
from airflow_mlops.exceptions import InputError

if TYPE_CHECKING:
    from airflow_mlops.core.metrics import MetricsProfile
    from airflow_mlops.core.profile import DatasetProfile

__all__ = [
    "DRIFT_METHODS",
    "THRESHOLD_ATOL",
    "THRESHOLD_RTOL",
    "BaselineCheck",
    "Drift",
    "Mean",
    "MetricRegression",
    "NullRate",
    "RowCount",
    "Schema",
    "check_thresholds",
    "crosses",
    "grade",
]

DRIFT_METHODS: tuple[str, ...] = ("psi", "ks", "chi2", "js", "wasserstein")


#: A statistic within this relative distance of a threshold equals it (does not cross it): 0.55 − 0.5 is
#: 0.05000000000000004, a sketch's KS can be 0.05000000000000002; neither crosses ``0.05``.
THRESHOLD_RTOL = 1e-9
#: ... and within this absolute distance, for thresholds at or near 0.
THRESHOLD_ATOL = 1e-15


def crosses(statistic: float, threshold: float) -> bool:
    """``statistic > threshold`` by more than floating-point noise (see :data:`THRESHOLD_RTOL`)."""
    if statistic <= threshold:
        return False
    return not math.isclose(statistic, threshold, rel_tol=THRESHOLD_RTOL, abs_tol=THRESHOLD_ATOL)


def grade(statistic: float, *, warn: float | None, fail: float | None) -> Status:
    """FAILED above ``fail``, WARNED above ``warn``, else PASSED (:func:`crosses`: a statistic equal to a
    threshold up to rounding noise does not cross it). A NaN statistic is never a pass."""
    if math.isnan(statistic):
        return Status.ERRORED
    if fail is not None and crosses(statistic, fail):
        return Status.FAILED
    if warn is not None and crosses(statistic, warn):
        return Status.WARNED
    return Status.PASSED


def _check_threshold(owner: str, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InputError(f"{owner}: {name}={value!r} must be a finite number >= 0 (or omitted).")


def check_thresholds(label: str, warn: Any, fail: Any) -> None:
    """Finite numbers >= 0, at least one, ``warn <= fail``; :class:`InputError` naming ``label`` otherwise."""
    _check_threshold(label, "warn", warn)
    _check_threshold(label, "fail", fail)
    if warn is None and fail is None:
        raise InputError(f"{label}: give warn=, fail= or both; a check without thresholds checks nothing.")
    if warn is not None and fail is not None and warn > fail:
        raise InputError(
            f"{label}: warn={warn!r} is above fail={fail!r}; the statistic is 'how bad' (higher is worse), "
            "so warn must be <= fail."
        )


@dataclass(frozen=True)
class BaselineCheck:
    """Base class. ``target`` says whether the check reads a data profile or model metrics."""

    target: ClassVar[Literal["data", "metrics"]] = "data"
    uses_thresholds: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.uses_thresholds:
            check_thresholds(self.name, getattr(self, "warn", None), getattr(self, "fail", None))

    @property
    def name(self) -> str:
        raise NotImplementedError

    def thresholds(self) -> dict[str, float | None]:
        return {"warn": getattr(self, "warn", None), "fail": getattr(self, "fail", None)}

    def evaluate(self, current: Any, baseline: Any) -> CheckResult:
        """Compare ``current`` with ``baseline`` (both profiles of this check's target)."""
        try:
            return self._evaluate(current, baseline)
        except InputError as exc:
            return self.result(Status.ERRORED, message=str(exc))

    def _evaluate(self, current: Any, baseline: Any) -> CheckResult:
        raise NotImplementedError

    def no_baseline(self, current: Any) -> CheckResult:
        return self.result(Status.NO_BASELINE, message="no baseline yet: this run's profile was recorded")

    def result(self, status: Status, **kwargs: Any) -> CheckResult:
        kwargs.setdefault("threshold", self.thresholds())
        kwargs.setdefault(
            "severity", Severity.FAIL if getattr(self, "fail", 1) is not None else Severity.WARN
        )
        return CheckResult(
            name=self.name,
            check_type=type(self).__name__,
            column=getattr(self, "column", None),
            status=status,
            **kwargs,
        )

    def bounds(self, baseline: float, limit: float) -> tuple[float | None, float | None] | None:
        """The observed values whose statistic stays within ``limit`` against ``baseline`` (``None`` for an
        open side), or ``None`` when the statistic is not a scalar comparison (drift, schema)."""
        return None

    def band(self, baseline: Any) -> dict[str, list[float | None]] | None:
        """``{"warn": [low, high], "fail": [low, high]}`` in observed units: what the report charts draw
        around the baseline. Only the given thresholds appear."""
        if not isinstance(baseline, int | float) or isinstance(baseline, bool) or not math.isfinite(baseline):
            return None
        band: dict[str, list[float | None]] = {}
        for level, limit in self.thresholds().items():
            if limit is None:
                continue
            bounds = self.bounds(float(baseline), float(limit))
            if bounds is None:
                return None
            band[level] = [json_safe(bounds[0]), json_safe(bounds[1])]
        return band or None

    def graded(
        self, statistic: float, *, observed: Any, baseline: Any, message: str, **kwargs: Any
    ) -> CheckResult:
        status = grade(statistic, warn=getattr(self, "warn", None), fail=getattr(self, "fail", None))
        band = self.band(baseline)
        if band is not None:
            kwargs["details"] = {**kwargs.get("details", {}), "band": band}
        return self.result(
            status,
            observed=json_safe(observed),
            baseline=json_safe(baseline),
            statistic=statistic,
            message=message,
            **kwargs,
        )


def _column(profile: DatasetProfile, column: str, *, side: str) -> Any:
    try:
        return profile.columns[column]
    except KeyError:
        listed = ", ".join(list(profile.columns)[:10])
        raise InputError(f"column '{column}' is not in the {side} data (columns: {listed}).") from None


def _check_column_arg(check: str, column: Any) -> None:
    if not isinstance(column, str) or not column:
        raise InputError(f"{check}: column must be a non-empty column name; got {column!r}.")


@dataclass(frozen=True)
class RowCount(BaselineCheck):
    """Relative change in row count: ``|current − baseline| / baseline``."""

    _: KW_ONLY
    warn: float | None = None
    fail: float | None = None

    @property
    def name(self) -> str:
        return "row_count"

    def _evaluate(self, current: DatasetProfile, baseline: DatasetProfile) -> CheckResult:
        base, cur = baseline.row_count, current.row_count
        statistic = (0.0 if cur == 0 else math.inf) if base == 0 else abs(cur - base) / base
        change = "n/a" if base == 0 else f"{(cur - base) / base:+.1%}"
        return self.graded(statistic, observed=cur, baseline=base, message=f"{cur} rows vs {base} ({change})")

    def bounds(self, baseline: float, limit: float) -> tuple[float | None, float | None] | None:
        return (baseline * (1 - limit), baseline * (1 + limit)) if baseline > 0 else None


@dataclass(frozen=True)
class Schema(BaselineCheck):
    """Columns removed, retyped or (unless ``allow_added``) added. Any change fails.

    ``details["diff"]`` lists the changes as lines: ``removed: sex``, ``retyped: bill_length_mm float64 -> string``.
    """

    _: KW_ONLY
    allow_added: bool = False
    uses_thresholds: ClassVar[bool] = False

    @property
    def name(self) -> str:
        return "schema"

    def thresholds(self) -> dict[str, float | None]:
        return {"warn": None, "fail": 0}

    def _evaluate(self, current: DatasetProfile, baseline: DatasetProfile) -> CheckResult:
        from airflow_mlops.core.evidence import schema_diff_lines

        cur, base = current.schema, baseline.schema
        removed = [c for c in base if c not in cur]
        added = [c for c in cur if c not in base]
        retyped = {c: f"{base[c]} -> {cur[c]}" for c in base if c in cur and cur[c] != base[c]}
        changes = len(removed) + len(retyped) + (0 if self.allow_added else len(added))
        details = {"removed": removed, "added": added, "retyped": retyped}
        parts = []
        if removed:
            parts.append(f"removed {', '.join(removed[:10])}")
        if retyped:
            parts.append("retyped " + ", ".join(f"{c} ({t})" for c, t in list(retyped.items())[:10]))
        if added:
            parts.append(f"added {', '.join(added[:10])}" + (" (allowed)" if self.allow_added else ""))
        return self.result(
            Status.FAILED if changes else Status.PASSED,
            observed=json_safe(cur),
            baseline=json_safe(base),
            statistic=float(changes),
            message="; ".join(parts) if parts else "schema unchanged",
            details={**details, "diff": schema_diff_lines(details)},
        )


@dataclass(frozen=True)
class NullRate(BaselineCheck):
    """Absolute increase of the column's null fraction: ``current − baseline`` (a decrease is 0)."""

    column: str
    _: KW_ONLY
    warn: float | None = None
    fail: float | None = None

    def __post_init__(self) -> None:
        _check_column_arg("NullRate", self.column)
        super().__post_init__()

    @property
    def name(self) -> str:
        return f"null_rate({self.column})"

    def _evaluate(self, current: DatasetProfile, baseline: DatasetProfile) -> CheckResult:
        cur = _column(current, self.column, side="current").null_rate
        base = _column(baseline, self.column, side="baseline").null_rate
        increase = max(0.0, cur - base)
        return self.graded(
            increase,
            observed=cur,
            baseline=base,
            message=f"null rate {cur:.2%} vs {base:.2%} (+{increase:.2%})",
        )

    def bounds(self, baseline: float, limit: float) -> tuple[float | None, float | None] | None:
        return (None, baseline + limit)


@dataclass(frozen=True)
class Mean(BaselineCheck):
    """Relative change of the mean: ``|current − baseline| / |baseline|`` (absolute change when the
    baseline mean is 0)."""

    column: str
    _: KW_ONLY
    warn: float | None = None
    fail: float | None = None

    def __post_init__(self) -> None:
        _check_column_arg("Mean", self.column)
        super().__post_init__()

    @property
    def name(self) -> str:
        return f"mean({self.column})"

    def _evaluate(self, current: DatasetProfile, baseline: DatasetProfile) -> CheckResult:
        cur_col = _column(current, self.column, side="current")
        base_col = _column(baseline, self.column, side="baseline")
        if cur_col.kind != "numeric" or base_col.kind != "numeric":
            side, bad = ("current", cur_col) if cur_col.kind != "numeric" else ("baseline", base_col)
            raise InputError(
                f"Mean('{self.column}'): the {side} column is {bad.dtype}, not numeric; use Drift(method='psi') "
                "or 'chi2' for categorical columns."
            )
        cur, base = cur_col.mean, base_col.mean
        if cur is None or base is None:
            side, col = ("current", cur_col) if cur is None else ("baseline", base_col)
            infinite = col.inf_count and not col.finite_count
            what = f"only infinite values ({col.inf_count} ±inf)" if infinite else "no non-null values"
            raise InputError(f"Mean('{self.column}'): the {side} column has {what}.")
        statistic = abs(cur - base) / abs(base) if base != 0 else abs(cur - base)
        return self.graded(statistic, observed=cur, baseline=base, message=f"mean {cur:.6g} vs {base:.6g}")

    def bounds(self, baseline: float, limit: float) -> tuple[float | None, float | None] | None:
        spread = limit * abs(baseline) if baseline != 0 else limit
        return (baseline - spread, baseline + spread)


@dataclass(frozen=True)
class Drift(BaselineCheck):
    """Distribution drift of one column. ``method``: psi, ks, chi2, js or wasserstein (higher = more drift).

    PSI, chi-square and JS compare histograms on the baseline's bins (categories for categorical
    columns); KS and Wasserstein compare the quantile sketches and need numeric columns. Whatever the
    method, the result's ``details["evidence"]`` shows what changed (``airflow_mlops.core.evidence``): both
    histograms on the baseline's bins and the quantiles side by side, or the categories that moved most
    and the new and vanished ones.
    """

    column: str
    _: KW_ONLY
    method: str = "psi"
    warn: float | None = None
    fail: float | None = None

    def __post_init__(self) -> None:
        _check_column_arg("Drift", self.column)
        if self.method not in DRIFT_METHODS:
            raise InputError(
                f"Drift('{self.column}'): method={self.method!r} is not known; use one of "
                + ", ".join(repr(m) for m in DRIFT_METHODS)
                + "."
            )
        super().__post_init__()

    @property
    def name(self) -> str:
        return f"drift_{self.method}({self.column})"

    def _evaluate(self, current: DatasetProfile, baseline: DatasetProfile) -> CheckResult:
        from airflow_mlops.core.drift import drift_statistic
        from airflow_mlops.core.evidence import column_evidence

        cur_col = _column(current, self.column, side="current")
        base_col = _column(baseline, self.column, side="baseline")
        drift = drift_statistic(self.method, base_col, cur_col)  # type: ignore[arg-type]
        return self.graded(
            float(drift.statistic),
            observed={"method": self.method, "statistic": drift.statistic},
            baseline=None,
            message=f"{self.method} = {drift.statistic:.4g}",
            details={**drift.details, "evidence": column_evidence(cur_col, base_col)},
        )


@dataclass(frozen=True)
class MetricRegression(BaselineCheck):
    """The drop of a model metric from the baseline's (e.g. the champion's).

    With ``higher_is_better`` the drop is ``baseline − current`` (else ``current − baseline``); with
    ``relative`` it is divided by ``|baseline|``. An improvement is a negative drop and passes.
    ``primary=True``: the metric the key's model leaderboard ranks by (at most one per comparison; without
    one, the first ``MetricRegression`` is).
    """

    metric: str
    _: KW_ONLY
    warn: float | None = None
    fail: float | None = None
    relative: bool = False
    higher_is_better: bool = True
    primary: bool = False
    target: ClassVar[Literal["data", "metrics"]] = "metrics"

    def __post_init__(self) -> None:
        if not isinstance(self.metric, str) or not self.metric:
            raise InputError(f"MetricRegression: metric must be a metric name; got {self.metric!r}.")
        for flag in ("relative", "higher_is_better", "primary"):
            if not isinstance(getattr(self, flag), bool):
                raise InputError(
                    f"MetricRegression: {flag} must be True or False; got {getattr(self, flag)!r}."
                )
        super().__post_init__()

    @property
    def name(self) -> str:
        return f"metric_regression({self.metric})"

    def _evaluate(self, current: MetricsProfile, baseline: MetricsProfile) -> CheckResult:
        for side, profile in (("current", current), ("baseline", baseline)):
            if self.metric not in profile.metrics:
                listed = ", ".join(sorted(profile.metrics)[:10]) or "none"
                raise InputError(f"metric '{self.metric}' is not in the {side} metrics (metrics: {listed}).")
        cur, base = current.metrics[self.metric], baseline.metrics[self.metric]
        drop = (base - cur) if self.higher_is_better else (cur - base)
        if self.relative:
            drop = drop / abs(base) if base != 0 else (0.0 if drop == 0 else math.copysign(math.inf, drop))
        unit = f"{drop:+.2%}" if self.relative else f"{drop:+.6g}"
        return self.graded(
            drop,
            observed=cur,
            baseline=base,
            message=f"{self.metric} {cur:.6g} vs baseline {base:.6g} (drop {unit})",
        )

    def bounds(self, baseline: float, limit: float) -> tuple[float | None, float | None] | None:
        drop = limit * abs(baseline) if self.relative else limit
        return (baseline - drop, None) if self.higher_is_better else (None, baseline + drop)
