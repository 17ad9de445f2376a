"""The notebook-to-production contract: export, load (schema-checked), register (idempotent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from airflow_mlops.contract import ContractError, export_contract, load_contract, register_contract
from tests.helpers import load_wine

REPO = Path(__file__).resolve().parent.parent
SUITE = [
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "alcohol"}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "alcohol", "min_value": 10},
     "severity": "warning"},
]  # fmt: skip


def export(path: Path, **overrides):  # type: ignore[no-untyped-def]
    arguments = {"model": "wine", "owner": "ml-platform", "suite": SUITE, "training_data": load_wine(),
                 "metrics": {"accuracy": 0.95}}  # fmt: skip
    return export_contract(path, **{**arguments, **overrides})


def test_export_then_load_round_trips_with_the_suite_in_gx_format(tmp_path: Path) -> None:
    written = export(tmp_path / "contracts" / "wine.yaml", source="notebooks/x.ipynb", created_by="ds")
    loaded = load_contract(tmp_path / "contracts" / "wine.yaml")
    assert loaded == written and loaded.sha256 == written.sha256
    assert (loaded.model, loaded.owner, loaded.severity, loaded.metrics) == (
        "wine",
        "ml-platform",
        "fail",
        {"accuracy": 0.95},
    )
    assert (loaded.data_key, loaded.metrics_key) == ("wine.features", "wine.model")
    assert loaded.dataset_profile().row_count == 178 and "alcohol" in loaded.dataset_profile().columns
    suite = json.loads((tmp_path / "contracts" / "wine.suite.json").read_text())
    assert [e["type"] for e in suite["expectations"]] == [s["type"] for s in SUITE]
    assert suite["expectations"][1]["severity"] == "warn"
    from airflow_mlops.core.suite import load_suite

    assert len(load_suite(loaded.suite_path).expectations) == 2  # what DataValidationOperator reads


def test_the_committed_contract_matches_the_schema_and_its_suite() -> None:
    contract = load_contract(REPO / "dags" / "contracts" / "wine_quality.yaml")
    assert contract.model == "wine_quality" and contract.owner == "ml-platform"
    assert set(contract.metrics) == {"accuracy", "f1_macro"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("owner"), "'owner' is a required property"),
        (lambda d: d.update(severity="panic"), "at severity: 'panic' is not one of"),
        (lambda d: d.update(metrics={"accuracy": "high"}), "at metrics/accuracy"),
        (lambda d: d.update(metrics={}), "at metrics"),
        (lambda d: d.update(extra=1), "Additional properties are not allowed"),
        (lambda d: d.update(version=99), "has version 99"),
        (lambda d: d.update(suite_file="../elsewhere.json"), "at suite_file"),
        (lambda d: d.update(suite_sha256="0" * 64), "changed after contract"),
        (lambda d: d.update(metrics={"accuracy": float("nan")}), "not finite"),
        (lambda d: d["profile"].update(columns="x"), "at profile/columns"),
    ],
    ids=[
        "missing-key",
        "bad-severity",
        "metric-type",
        "no-metrics",
        "extra-key",
        "newer-version",
        "path-traversal",
        "suite-tampered",
        "nan-metric",
        "bad-profile",
    ],  # fmt: skip
)
def test_a_bad_contract_file_names_the_file_and_what_is_wrong(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "wine.yaml"
    export(path)
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ContractError, match="wine.yaml") as raised:
        load_contract(path)
    assert message in str(raised.value)


def test_bad_files_and_bad_exports(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match="does not exist; export it"):
        load_contract(tmp_path / "missing.yaml")
    (tmp_path / "broken.yaml").write_text("model: [unclosed")
    with pytest.raises(ContractError, match="not valid YAML"):
        load_contract(tmp_path / "broken.yaml")
    (tmp_path / "latin1.yaml").write_bytes("model: caf\xe9".encode("latin-1"))
    with pytest.raises(ContractError, match="not valid YAML"):
        load_contract(tmp_path / "latin1.yaml")
    for overrides, message in [
        ({"owner": ""}, "owner= must be a non-empty name"),
        ({"model": "a/b"}, "model= must be a non-empty name"),
        ({"severity": "loud"}, "severity='loud' is not allowed"),
        ({"metrics": {"auc": float("inf")}}, "contract of 'wine'"),
        ({"suite": []}, "holds no expectations"),
        ({"training_data": None}, "exactly one of training_data="),
    ]:
        with pytest.raises(ContractError, match=message):
            export(tmp_path / "c.yaml", **overrides)
    with pytest.raises(ContractError, match="must end in .yaml"):
        export(tmp_path / "c.json")


def test_register_pins_once_and_never_replaces_a_production_champion(tmp_path: Path, sqlite_url: str) -> None:
    from airflow_mlops.store import ResultsStore

    store = ResultsStore(sqlite_url)
    contract = export(tmp_path / "wine.yaml")
    assert register_contract(contract, store, user="dag") == {"notebook": "pinned", "champion": "pinned"}
    assert register_contract(load_contract(tmp_path / "wine.yaml"), store, user="dag") == {
        "notebook": "unchanged", "champion": "unchanged"}  # fmt: skip
    assert len(store.profiles(key="wine.features")) == 1  # registering again added nothing
    pinned = store.pinned_profile(key="wine.features", label="notebook")
    assert pinned.kind == "data" and pinned.row_count == 178
    assert store.pinned_profile(key="wine.model", label="champion").profile["metrics"] == {"accuracy": 0.95}
    # a new notebook export re-pins the training profile but keeps the champion production promoted
    newer = export(tmp_path / "wine.yaml", metrics={"accuracy": 0.97}, training_data=load_wine().head(100))
    assert register_contract(newer, store, user="dag") == {"notebook": "pinned", "champion": "kept"}
    assert store.pinned_profile(key="wine.features", label="notebook").row_count == 100
    assert store.pinned_profile(key="wine.model", label="champion").profile["metrics"] == {"accuracy": 0.95}
