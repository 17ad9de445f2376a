"""Reading GX suites from files, dicts, lists and gx.ExpectationSuite objects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airflow_mlops.core.results import Severity
from airflow_mlops.core.suite import load_suite
from airflow_mlops.exceptions import SuiteError

SUITES = Path(__file__).resolve().parents[1] / "dags" / "suites"


def test_json_suite_file_keeps_order_and_explicit_severities() -> None:
    suite = load_suite(SUITES / "wine.json")
    assert suite.name == "wine"
    assert [e.severity for e in suite.expectations] == [None, None, None, None, Severity.WARN, Severity.INFO]
    assert suite.expectations[2].kwargs == {"column": "alcohol", "min_value": 10, "max_value": 16}


def test_relative_path_resolves_against_base_dir() -> None:
    assert load_suite("suites/wine.yaml", base_dir=SUITES.parent).name == "wine-yaml"


def test_list_of_dicts_and_meta_severity() -> None:
    suite = load_suite(
        [{"type": "expect_column_to_exist", "kwargs": {"column": "a"}, "meta": {"severity": "warning"}}]
    )
    assert suite.expectations[0].severity is Severity.WARN
    assert suite.expectations[0].to_gx_dict(Severity.FAIL)["severity"] == "warning"


def test_gx_suite_object_only_explicit_severity_overrides_operator_default() -> None:
    from airflow_mlops.core.gx import import_gx

    gx = import_gx()
    suite = gx.ExpectationSuite(
        name="objects",
        expectations=[
            gx.expectations.ExpectColumnValuesToNotBeNull(column="a"),
            gx.expectations.ExpectColumnValuesToNotBeNull(column="b", severity="info"),
        ],
    )
    spec = load_suite(suite)
    assert spec.name == "objects"
    assert [e.severity for e in spec.expectations] == [None, Severity.INFO]


@pytest.mark.parametrize(
    ("suite", "message"),
    [
        ([], "holds no expectations"),
        ([{"kwargs": {}}], "has no 'type'"),
        ([{"type": "expect_x", "kwargs": [1]}], "'kwargs' must be a mapping"),
        ([{"type": "expect_x", "severity": "fatal"}], "is not a severity"),
        ({"name": "x"}, "must have an 'expectations' list"),
        (42, "suite must be a path to a GX suite"),
    ],
)
def test_bad_suites_name_the_problem(suite, message: str) -> None:
    with pytest.raises(SuiteError, match=message):
        load_suite(suite)


def test_bad_files(tmp_path: Path) -> None:
    bad_json = tmp_path / "s.json"
    bad_json.write_text('{"expectations": [\n  {"type": }\n]}')
    with pytest.raises(SuiteError, match=r"s.json' is not valid JSON: .* at line 2, column 12"):
        load_suite(bad_json)
    with pytest.raises(SuiteError, match=r"must end in .json, .yaml or .yml"):
        load_suite(tmp_path / "s.txt")
    scalar = tmp_path / "s.yaml"
    scalar.write_text(json.dumps("just a string"))
    with pytest.raises(SuiteError, match="must hold a GX suite"):
        load_suite(scalar)
