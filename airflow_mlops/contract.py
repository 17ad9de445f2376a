"""The notebook-to-production contract: what a data scientist hands to the pipeline, in one versioned file.

A notebook ends with one call::

    from airflow_mlops.contract import export_contract

    export_contract(
        "dags/contracts/wine_quality.yaml",
        model="wine_quality",
        owner="ml-platform",
        suite=expectations,            # GX suite dict, list of expectation dicts, or a suite file
        training_data=train_frame,     # profiled here; pinned as baseline "notebook"
        metrics={"accuracy": 0.96},    # pinned as baseline "champion"
    )

which writes the contract (YAML) and, next to it, the suite in GX's own JSON format
(``wine_quality.suite.json``, which DataValidationOperator reads as any suite file). A DAG reads the
contract at run time with :func:`load_contract` (validated against ``contract.schema.json``) and
:func:`register_contract` pins its profile and metrics in the results store, once per contract content.
The same functions work in a notebook and in a task. Importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_mlops.exceptions import ContractError, InputError

if TYPE_CHECKING:
    from airflow_mlops.core.profile import DatasetProfile
    from airflow_mlops.store import ResultsStore

__all__ = [
    "CONTRACT_VERSION",
    "SCHEMA_PATH",
    "SEVERITIES",
    "Contract",
    "ContractError",
    "export_contract",
    "load_contract",
    "register_contract",
]

CONTRACT_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("contract.schema.json")
SEVERITIES = ("fail", "warn")


@dataclass(frozen=True, kw_only=True)
class Contract:
    """A loaded contract. ``path`` is where it was read from (the suite file is relative to it).

    :param data_key: baseline key of the training-data profile (pinned as ``notebook``).
    :param metrics_key: baseline key of the model metrics (pinned as ``champion`` when none is yet).
    :param severity: what a failed data check of this model means: ``fail`` blocks, ``warn`` reports.
    """

    model: str
    owner: str
    severity: str
    data_key: str
    metrics_key: str
    suite_file: str
    suite_sha256: str
    profile: dict[str, Any]
    metrics: dict[str, float]
    created_at: str
    created_by: str | None = None
    source: str | None = None
    version: int = CONTRACT_VERSION
    path: Path | None = field(default=None, compare=False)

    @property
    def suite_path(self) -> Path:
        base = self.path.parent if self.path is not None else Path.cwd()
        return base / self.suite_file

    def dataset_profile(self) -> DatasetProfile:
        from airflow_mlops.core.profile import DatasetProfile

        return DatasetProfile.from_dict(self.profile)

    @property
    def sha256(self) -> str:
        """A digest of the contract's content (not of where it lives): registration is idempotent on it."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "model": self.model,
            "owner": self.owner,
            "severity": self.severity,
            "data_key": self.data_key,
            "metrics_key": self.metrics_key,
            "suite_file": self.suite_file,
            "suite_sha256": self.suite_sha256,
            "metrics": dict(self.metrics),
            "profile": self.profile,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "source": self.source,
        }


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_name(argument: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "/\\\n"):
        raise ContractError(
            f"{argument}= must be a non-empty name without slashes or newlines; got {value!r}."
        )
    return value.strip()


def export_contract(
    path: str | os.PathLike[str],
    *,
    model: str,
    owner: str,
    suite: Any,
    metrics: dict[str, float],
    training_data: Any = None,
    profile: DatasetProfile | None = None,
    severity: str = "fail",
    data_key: str | None = None,
    metrics_key: str | None = None,
    source: str | None = None,
    created_by: str | None = None,
) -> Contract:
    """Write the contract of ``model`` to ``path`` (YAML) and its suite next to it (GX suite JSON).

    :param suite: a GX suite dict, a list of expectation dicts, a suite file or a ``gx.ExpectationSuite``.
    :param metrics: the model's evaluation metrics, finite numbers.
    :param training_data: the training DataFrame, profiled here; or give ``profile=``.
    :param data_key: default ``"{model}.features"``; ``metrics_key`` default ``"{model}.model"``.
    :returns: the contract as written (loadable back with :func:`load_contract`).
    """
    import yaml

    from airflow_mlops.config import cap, metrics_caps
    from airflow_mlops.core.metrics import MetricsProfile
    from airflow_mlops.core.profile import profile_frame
    from airflow_mlops.core.suite import load_suite

    model = _check_name("model", model)
    owner = _check_name("owner", owner)
    if severity not in SEVERITIES:
        raise ContractError(
            f"severity={severity!r} is not allowed; use one of {', '.join(map(repr, SEVERITIES))}."
        )
    if (training_data is None) == (profile is None):
        raise ContractError("give exactly one of training_data= (a DataFrame, profiled here) or profile=.")
    try:
        checked_metrics = MetricsProfile.from_value(metrics, source="metrics=", **metrics_caps()).metrics
        spec = load_suite(suite, max_expectations=cap("max_expectations_per_suite"))
    except InputError as exc:
        raise ContractError(f"contract of '{model}': {exc}") from None
    if profile is None:
        profile = profile_frame(training_data)
    target = Path(path)
    if target.suffix not in (".yaml", ".yml"):
        raise ContractError(f"path='{target}' must end in .yaml or .yml (the contract is YAML).")
    target.parent.mkdir(parents=True, exist_ok=True)
    suite_path = target.with_name(f"{target.stem}.suite.json")
    _write_atomically(suite_path, json.dumps(_suite_document(spec, model, owner), indent=2) + "\n")
    contract = Contract(
        model=model,
        owner=owner,
        severity=severity,
        data_key=data_key or f"{model}.features",
        metrics_key=metrics_key or f"{model}.model",
        suite_file=suite_path.name,
        suite_sha256=_sha256(suite_path),
        profile=profile.to_dict(),
        metrics={k: float(v) for k, v in checked_metrics.items()},
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        created_by=created_by,
        source=source,
        path=target,
    )
    header = (
        f"# Contract of model '{model}', written by airflow_mlops.contract.export_contract.\n"
        "# Regenerate it from the notebook rather than editing it: the suite digest below must match.\n"
    )
    _write_atomically(
        target, header + yaml.safe_dump(contract.to_dict(), sort_keys=False, allow_unicode=True)
    )
    return contract


def _suite_document(spec: Any, model: str, owner: str) -> dict[str, Any]:
    """The contract's suite as a GX suite document (its name, owner, expectations with severities)."""
    return {
        "name": spec.name if spec.name not in ("suite", "") else model,
        "meta": {"owner": owner, "exported_by": "airflow_mlops.contract.export_contract"},
        "expectations": [
            {"type": e.type, "kwargs": dict(e.kwargs), "meta": dict(e.meta)}
            | ({"severity": e.severity.value} if e.severity is not None else {})
            for e in spec.expectations
        ],
    }


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file, then rename: a reader never sees half a contract."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def load_contract(path: str | os.PathLike[str]) -> Contract:
    """Read and validate a contract (schema, metric values, suite file and its digest)."""
    import jsonschema
    import yaml

    where = Path(path)
    if not where.is_file():
        raise ContractError(
            f"contract file '{where}' does not exist; export it from the notebook with export_contract()."
        )
    try:
        data = yaml.safe_load(where.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ContractError(f"contract file '{where}' is not valid YAML: {exc}") from None
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda err: list(err.absolute_path))
    if errors:
        first = errors[0]
        at = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise ContractError(
            f"contract file '{where}' does not match the contract schema at {at}: {first.message} "
            f"({len(errors)} problem(s); schema: {SCHEMA_PATH.name})."
        )
    if data["version"] > CONTRACT_VERSION:
        raise ContractError(
            f"contract file '{where}' has version {data['version']}; this airflow-mlops reads up to "
            f"{CONTRACT_VERSION}: upgrade airflow-mlops."
        )
    bad = sorted(k for k, v in data["metrics"].items() if not math.isfinite(float(v)))
    if bad:
        raise ContractError(f"contract file '{where}': metrics {', '.join(bad)} are not finite numbers.")
    fields = {k: data[k] for k in data if k != "version"}
    contract = Contract(version=int(data["version"]), path=where, **fields)
    if not contract.suite_path.is_file():
        raise ContractError(
            f"contract file '{where}' names suite file '{contract.suite_file}', which does not exist next to it."
        )
    if _sha256(contract.suite_path) != contract.suite_sha256:
        raise ContractError(
            f"suite file '{contract.suite_path}' changed after contract '{where}' was exported (digest differs); "
            "re-export the contract from the notebook."
        )
    try:
        contract.dataset_profile()
    except (InputError, KeyError, TypeError, ValueError) as exc:
        raise ContractError(f"contract file '{where}': its profile is malformed: {exc}") from None
    return contract


def _notebook_candidate(contract: Contract, store: ResultsStore, *, source: str) -> int:
    """The contract's model as a candidate of its metrics key (recorded once per contract), with the
    contract's export time for the leaderboard's velocity; its profile id."""
    from airflow_mlops.core.metrics import MetricsProfile
    from airflow_mlops.store import ProfileRecord

    recorded = [
        p for p in store.profiles(key=contract.metrics_key, kind="metrics", limit=500) if p.source == source
    ]
    if recorded:
        return int(recorded[0].id)
    profile = MetricsProfile(metrics=dict(contract.metrics)).to_dict()
    profile["contract"] = {
        "model": contract.model,
        "created_at": contract.created_at,
        "created_by": contract.created_by,
    }
    return store.add_profile(
        ProfileRecord(baseline_key=contract.metrics_key, kind="metrics", profile=profile, source=source)
    )


def register_contract(contract: Contract, store: ResultsStore, *, user: str) -> dict[str, Any]:
    """Pin the contract's training-data profile as ``notebook`` and, when the model has no champion yet,
    its metrics as ``champion``; the contract's model is recorded as a candidate of the model's
    leaderboard either way. Idempotent: a contract already registered changes nothing.

    :returns: ``{"notebook": "pinned" | "unchanged", "champion": "pinned" | "kept" | "unchanged"}``.
    """
    from airflow_mlops.store import ProfileRecord

    digest = contract.sha256
    source = f"contract:{contract.model}:{digest[:16]}"
    done: dict[str, Any] = {}
    pinned = store.pinned_profile(key=contract.data_key, label="notebook")
    if pinned is not None and pinned.source == source:
        done["notebook"] = "unchanged"
    else:
        profile = contract.dataset_profile()
        profile_id = store.add_profile(
            ProfileRecord(baseline_key=contract.data_key, kind="data", profile=profile.to_dict(),
                          row_count=profile.row_count, source=source)
        )  # fmt: skip
        store.pin(key=contract.data_key, label="notebook", profile_id=profile_id, user=user,
                  reason=f"training data of contract {contract.model} ({digest[:12]}, {contract.created_at})")  # fmt: skip
        done["notebook"] = "pinned"
    champion = store.pinned_profile(key=contract.metrics_key, label="champion")
    metrics_id = _notebook_candidate(contract, store, source=source)
    if champion is not None:
        done["champion"] = "unchanged" if champion.source == source else "kept"
    else:
        store.pin(key=contract.metrics_key, label="champion", profile_id=metrics_id, user=user,
                  reason=f"first champion: the notebook model of contract {contract.model} ({digest[:12]})")  # fmt: skip
        done["champion"] = "pinned"
    return done
