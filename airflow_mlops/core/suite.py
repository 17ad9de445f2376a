"""Reading expectation suites in Great Expectations' own JSON/YAML format (pure Python, no GX import)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow_mlops.core.limits import CAPS, check_cap
from airflow_mlops.core.results import Severity
from airflow_mlops.exceptions import SuiteError

__all__ = ["ExpectationSpec", "SuiteSpec", "describe_suite", "load_suite"]

_SUITE_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True, kw_only=True)
class ExpectationSpec:
    """One expectation as written by the user.

    :param severity: the expectation's own severity, or ``None`` when it carries none (then the
        operator's ``severity`` applies).
    :param source: where it came from, for error messages (``suite.json, expectation #3``).
    """

    type: str
    kwargs: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None
    source: str = ""

    def to_gx_dict(self, default_severity: Severity) -> dict[str, Any]:
        severity = self.severity or default_severity
        gx_severity = {Severity.FAIL: "critical", Severity.WARN: "warning", Severity.INFO: "info"}[severity]
        return {
            "type": self.type,
            "kwargs": dict(self.kwargs),
            "meta": dict(self.meta),
            "severity": gx_severity,
        }


@dataclass(frozen=True, kw_only=True)
class SuiteSpec:
    name: str
    expectations: Sequence[ExpectationSpec]
    source: str


def describe_suite(suite: Any) -> str:
    if isinstance(suite, str | os.PathLike):
        return f"suite file '{os.fspath(suite)}'"
    if isinstance(suite, Sequence):
        return f"suite list of {len(suite)} expectations"
    return f"suite {getattr(suite, 'name', type(suite).__name__)!r}"


def _parse_file(path: Path) -> Any:
    if path.suffix.lower() not in _SUITE_SUFFIXES:
        raise SuiteError(
            f"suite file '{path}' must end in .json, .yaml or .yml (GX suite format); got '{path.suffix}'."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SuiteError(f"suite file '{path}' does not exist; check the `suite=` path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"suite file '{path}' cannot be read: {exc}") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SuiteError(
                f"suite file '{path}' is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SuiteError(f"suite file '{path}' is not valid YAML: {problem}{where}.") from None


def _spec_from_dict(entry: Any, *, source: str) -> ExpectationSpec:
    if not isinstance(entry, Mapping):
        raise SuiteError(f"{source} must be a mapping with 'type' and 'kwargs'; got {type(entry).__name__}.")
    etype = entry.get("type", entry.get("expectation_type"))
    if not isinstance(etype, str) or not etype:
        raise SuiteError(f'{source} has no \'type\' (e.g. "type": "expect_column_values_to_not_be_null").')
    kwargs = entry.get("kwargs", {})
    if not isinstance(kwargs, Mapping):
        raise SuiteError(f"{source} ({etype}): 'kwargs' must be a mapping; got {type(kwargs).__name__}.")
    meta = entry.get("meta") or {}
    if not isinstance(meta, Mapping):
        raise SuiteError(f"{source} ({etype}): 'meta' must be a mapping; got {type(meta).__name__}.")
    raw_severity = entry.get("severity", meta.get("severity"))
    try:
        severity = Severity.parse(raw_severity, argument=f"{source} severity") if raw_severity else None
    except ValueError as exc:
        raise SuiteError(str(exc)) from None
    return ExpectationSpec(type=etype, kwargs=dict(kwargs), meta=dict(meta), severity=severity, source=source)


def _from_gx_suite(suite: Any) -> SuiteSpec:
    specs = []
    for i, expectation in enumerate(suite.expectations, start=1):
        config = expectation.configuration.to_json_dict()
        # GX fills in "critical" when no severity was given; only an explicit one overrides ours.
        fields_set = getattr(expectation, "__fields_set__", None)  # GX models are pydantic v1
        if fields_set is not None and "severity" not in fields_set:
            config.pop("severity", None)
        config["kwargs"] = {k: v for k, v in config.get("kwargs", {}).items() if k != "batch_id"}
        specs.append(_spec_from_dict(config, source=f"suite {suite.name!r}, expectation #{i}"))
    return SuiteSpec(name=str(suite.name), expectations=specs, source=f"suite {suite.name!r}")


def load_suite(
    suite: Any,
    *,
    base_dir: str | os.PathLike[str] | None = None,
    max_expectations: int = CAPS["max_expectations_per_suite"].default,
) -> SuiteSpec:
    """Read a suite given as a GX suite file, a suite dict, a list of expectation dicts or a ``gx.ExpectationSuite``.

    Entries are validated for shape only; whether a type exists is decided by GX when the suite runs, so
    one bad expectation is reported as ERRORED without hiding the others.

    :param max_expectations: ``[mlops] max_expectations_per_suite``: a larger suite is a SuiteError (it
        would record a result row per expectation).
    """
    if hasattr(suite, "expectations") and hasattr(suite, "name") and not isinstance(suite, Mapping):
        _check_size(f"suite {suite.name!r}", len(suite.expectations), max_expectations)
        return _from_gx_suite(suite)
    if isinstance(suite, str | os.PathLike):
        path = Path(suite)
        if not path.is_absolute() and base_dir is not None and (Path(base_dir) / path).exists():
            path = Path(base_dir) / path
        source = str(path)
        data = _parse_file(path)
        if isinstance(data, Mapping) and "expectations" in data:
            name = str(data.get("name") or data.get("expectation_suite_name") or path.stem)
            entries = data["expectations"]
        elif isinstance(data, list):
            name, entries = path.stem, data
        else:
            raise SuiteError(
                f'suite file \'{path}\' must hold a GX suite ({{"name": ..., "expectations": [...]}}) '
                f"or a list of expectations; got {type(data).__name__}."
            )
    elif isinstance(suite, Mapping):
        if "expectations" not in suite:
            raise SuiteError("suite dict must have an 'expectations' list (GX suite format).")
        name, entries, source = str(suite.get("name") or "suite"), suite["expectations"], "suite dict"
    elif isinstance(suite, Sequence):
        name, entries, source = "suite", suite, "suite list"
    else:
        raise SuiteError(
            "suite must be a path to a GX suite JSON/YAML file, a list of expectation dicts or a "
            f"gx.ExpectationSuite; got {type(suite).__name__}."
        )
    if not isinstance(entries, list):
        raise SuiteError(f"{source}: 'expectations' must be a list; got {type(entries).__name__}.")
    if not entries:
        raise SuiteError(f"{source} holds no expectations; a suite that checks nothing cannot pass a gate.")
    _check_size(source, len(entries), max_expectations)
    specs = [_spec_from_dict(e, source=f"{source}, expectation #{i}") for i, e in enumerate(entries, start=1)]
    return SuiteSpec(name=name, expectations=specs, source=source)


def _check_size(source: str, count: int, cap: int) -> None:
    check_cap(
        source, count, "expectations", key="max_expectations_per_suite", cap=cap,
        advice="split it into several suites (one task each)", error=SuiteError,
    )  # fmt: skip
