"""The bad-input matrix: every entry is a wrong input somewhere a user can give one (operators, sensor,
checks, data, owners.yaml, contracts, the CLI, the API bodies), and each must fail with a clear message
that names the input. docs/reliability.md lists the matrix. Run-time cases that record an ERRORED check
run with a real DAG run live next to their operator (tests/operators/test_validation.py and friends);
here each is checked at the function that raises, so the whole matrix runs in seconds."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SUITE = [{"type": "expect_column_to_exist", "kwargs": {"column": "a"}}]
JS = "javascript:fetch('/mlops/api/v1/incidents/2/resolve',{method:'POST'})"


def _validation(**kwargs: Any) -> Any:
    from airflow_mlops.operators import DataValidationOperator

    return DataValidationOperator(task_id="v", **{"data": "x.csv", "suite": SUITE, **kwargs})


def _comparison(**kwargs: Any) -> Any:
    from airflow_mlops.checks import RowCount
    from airflow_mlops.operators import BaselineComparisonOperator

    return BaselineComparisonOperator(
        task_id="c", **{"data": "x.csv", "checks": [RowCount(fail=0.5)], **kwargs}
    )


def _gate(**kwargs: Any) -> Any:
    from airflow_mlops.operators import QualityGateOperator

    return QualityGateOperator(task_id="g", **kwargs)


def _sensor(**kwargs: Any) -> Any:
    from airflow_mlops.sensors import QualityGateSensor

    return QualityGateSensor(task_id="s", **{"external_dag_id": "d", "gate_task_id": "gate", **kwargs})


def _sql(**kwargs: Any) -> Any:
    from airflow_mlops.operators import SqlSource

    return SqlSource(**{"conn_id": "warehouse", "table": "orders", **kwargs})


def _check(name: str, *args: Any, **kwargs: Any) -> Any:
    import airflow_mlops.checks as checks

    return getattr(checks, name)(*args, **kwargs)


def _file(tmp: Path, name: str, content: bytes) -> Any:
    from airflow_mlops.core.data import read_file

    (tmp / name).write_bytes(content)
    return read_file(str(tmp / name))


def _frame(value: Any) -> Any:
    from airflow_mlops.core.data import check_frame

    return check_frame(value, source="data= callable")


def _metrics(value: Any) -> Any:
    from airflow_mlops.core.metrics import MetricsProfile

    return MetricsProfile.from_value(value, source="metrics=")


def _owners(data: Any) -> Any:
    from airflow_mlops.core.owners import parse_registry

    return parse_registry(data, source="owners.yaml")


def _owners_file(tmp: Path, text: str) -> Any:
    from airflow_mlops.core.owners import load_registry

    (tmp / "owners.yaml").write_text(text)
    return load_registry(tmp / "owners.yaml")


def _mean_on_infinities() -> Any:
    import numpy as np
    import pandas as pd

    from airflow_mlops.core.profile import profile_frame

    finite, infinite = (
        profile_frame(pd.DataFrame({"x": values})) for values in ([1.0, 2.0], [np.inf, -np.inf])
    )
    result = _check("Mean", "x", fail=0.1).evaluate(infinite, finite)
    raise ValueError(f"{result.status.value}: {result.message}")  # surfaced as the case's error


def _contract(tmp: Path, text: str) -> Any:
    from airflow_mlops.contract import load_contract

    (tmp / "c.yaml").write_text(text)
    return load_contract(tmp / "c.yaml")


def _body(model: str, **fields: Any) -> Any:
    from airflow_mlops.plugins import api

    return getattr(api, model)(**fields)


def _drift_on_text(method: str) -> Any:
    import pandas as pd

    from airflow_mlops.core.profile import profile_frame

    profile = profile_frame(pd.DataFrame({"country": ["FR", "DE", "FR"]}))
    result = _check("Drift", "country", method=method, fail=0.1).evaluate(profile, profile)
    raise ValueError(f"{result.status.value}: {result.message}")  # surfaced as the case's error


# (id, what is bad, a callable taking tmp_path, exception type name, message regex)
MATRIX: list[tuple[str, str, Callable[[Path], Any], str, str]] = [
    ("validation-data-type", "data=42", lambda t: _validation(data=42), "TypeError", "data= must be a callable"),
    ("validation-suite-type", "suite=3.5", lambda t: _validation(suite=3.5), "TypeError", "suite= must be a path"),
    ("validation-severity", "severity='fatal'", lambda t: _validation(severity="fatal"), "ValueError", "severity='fatal' is not allowed"),
    ("validation-result-format", "result_format='FULL'", lambda t: _validation(result_format="FULL"), "ValueError", "result_format='FULL'"),
    ("validation-fail-task", "fail_task='yes'", lambda t: _validation(fail_task="yes"), "TypeError", "fail_task= must be True or False"),
    ("comparison-no-checks", "checks=[]", lambda t: _comparison(checks=[]), "TypeError", "non-empty list"),
    ("comparison-policy", "baseline='yesterday'", lambda t: _comparison(baseline="yesterday"), "InputError", "yesterday"),
    ("comparison-missing-baseline", "on_missing_baseline='ignore'", lambda t: _comparison(on_missing_baseline="ignore"), "ValueError", "on_missing_baseline='ignore'"),
    ("comparison-both-sources", "data= and metrics=", lambda t: _comparison(metrics={"auc": 1.0}), "TypeError", "exactly one of data="),
    ("check-drift-method", "Drift(method='mmd')", lambda t: _check("Drift", "x", method="mmd", fail=0.1), "InputError", "mmd"),
    ("check-warn-above-fail", "RowCount(warn=0.5, fail=0.2)", lambda t: _check("RowCount", warn=0.5, fail=0.2), "InputError", "warn=0.5 is above fail=0.2"),
    ("check-nan-threshold", "RowCount(warn=nan)", lambda t: _check("RowCount", warn=float("nan")), "InputError", "warn=nan must be a finite number"),
    ("check-no-threshold", "NullRate('x')", lambda t: _check("NullRate", "x"), "InputError", "give warn=, fail= or both"),
    ("check-empty-column", "NullRate('')", lambda t: _check("NullRate", "", fail=0.1), "InputError", "column must be a non-empty column name"),
    ("check-mean-all-infinite", "Mean('x') on a column of ±inf only", lambda t: _mean_on_infinities(), "ValueError", "ERRORED: .*the current column has only infinite values"),
    ("check-numeric-method-on-text", "Drift('country', method='ks') on text", lambda t: _drift_on_text("ks"), "ValueError", "ERRORED: .*country"),
    ("gate-on-fail", "on_fail='explode'", lambda t: _gate(on_fail="explode"), "ValueError", "on_fail='explode'"),
    ("gate-runbook-javascript", "runbook_url='javascript:...'", lambda t: _gate(runbook_url=JS), "UrlError", "g: runbook_url=.javascript:.* is not allowed: it has scheme javascript:"),
    ("gate-runbook-list", "runbook_url=[1, 2]", lambda t: _gate(runbook_url=[1, 2]), "UrlError", r"g: runbook_url=\[1, 2\] is not allowed: it is list, not a string"),
    ("gate-runbook-relative", "runbook_url='//evil.example.com'", lambda t: _gate(runbook_url="//evil.example.com"), "UrlError", "give an absolute http:// or https:// URL"),
    ("sensor-empty-dag", "external_dag_id=''", lambda t: _sensor(external_dag_id=""), "TypeError", "external_dag_id= must be a non-empty string"),
    ("sensor-run-and-date", "run_id= and logical_date=", lambda t: _sensor(run_id="r", logical_date="2026-01-01"), "TypeError", "give run_id= or logical_date=, not both"),
    ("sensor-store-errors", "max_store_errors=0", lambda t: _sensor(max_store_errors=0), "TypeError", "max_store_errors= must be an integer >= 1"),
    ("sql-empty-conn", "SqlSource(conn_id='')", lambda t: _sql(conn_id=""), "TypeError", "must be a non-empty connection id"),
    ("sql-table-and-query", "table= and query=", lambda t: _sql(query="select 1"), "TypeError", "exactly one of table= or query="),
    ("sql-parallel", "SqlSource(parallel=0)", lambda t: _sql(parallel=0), "TypeError", r"parallel=\.\.\.\) must be an integer from 1 to 16"),
    ("sql-injection-identifier", "table='orders; DROP TABLE x'", lambda t: __import__("airflow_mlops.core.sql", fromlist=["x"]).split_table_name("orders; DROP TABLE x"), "DataSourceError", "contains ';'"),
    ("sql-injection-schema", "schema='public; DROP TABLE x'", lambda t: __import__("airflow_mlops.core.sql", fromlist=["x"]).split_table_name("orders", "public; DROP TABLE x"), "DataSourceError", "^schema='public; DROP TABLE x' contains ';'"),
    ("store-sqlite-uri", "results_db_url='sqlite:///file:x.db?mode=ro&uri=true'", lambda t: __import__("airflow_mlops.store", fromlist=["x"]).ResultsStore(f"sqlite:///file:{t}/x.db?mode=ro&uri=true"), "StoreUnavailableError", "SQLite URI mode .* is not supported"),
    ("data-non-utf8-csv", "a latin-1 CSV", lambda t: _file(t, "latin1.csv", "name\ncaf\xe9\n".encode("latin-1")), "DataSourceError", "latin1.csv' is not UTF-8"),
    ("data-empty-csv", "an empty CSV", lambda t: _file(t, "empty.csv", b""), "DataSourceError", "empty.csv' is empty"),
    ("data-truncated-parquet", "a truncated Parquet file", lambda t: _file(t, "cut.parquet", b"PAR1\x00\x01"), "DataSourceError", "cut.parquet' cannot be read as PARQUET"),
    ("data-path-traversal", "data='../../etc/none.csv'", lambda t: __import__("airflow_mlops.core.data", fromlist=["x"]).read_file("../../etc/none.csv", base_dir=t), "DataSourceError", "none.csv' does not exist"),
    ("data-empty-frame", "a DataFrame with 0 rows", lambda t: _frame(__import__("pandas").DataFrame({"a": []})), "DataSourceError", "data= callable has 0 rows"),
    ("data-not-a-frame", "a callable returning a list", lambda t: _frame([1, 2]), "DataSourceError", "returned list, expected a pandas DataFrame"),
    ("metrics-nan", "metrics={'auc': nan}", lambda t: _metrics({"auc": float("nan")}), "InputError", "metric 'auc' is nan"),
    ("metrics-empty", "metrics={}", lambda t: _metrics({}), "InputError", "non-empty dict"),
    ("metrics-text", "metrics={'auc': 'x'}", lambda t: _metrics({"auc": "x"}), "InputError", "metric 'auc' is 'x', not a number"),
    ("owners-channel-type", "channel type 'fax'", lambda t: _owners({"teams": {"a": {"channels": [{"type": "fax"}]}}}), "OwnersError", "team 'a', channel #1: type='fax'"),
    ("owners-duration", "renotify_after: soon", lambda t: __import__("airflow_mlops.core.owners", fromlist=["x"]).parse_duration("soon", where="renotify_after"), "OwnersError", "renotify_after='soon' is not a duration"),
    ("owners-runbook-javascript", "runbook_url: javascript:...", lambda t: _owners({"teams": {"a": {"runbook_url": JS}}}), "OwnersError", "team 'a': runbook_url=.javascript:.* is not allowed"),
    ("owners-runbook-list", "runbook_url: [1, 2]", lambda t: _owners_file(t, "teams:\n  a:\n    runbook_url: [1, 2]\n"), "OwnersError", r"owners.yaml', line 3: team 'a': runbook_url=\[1, 2\] is not allowed"),
    ("owners-display-name-type", "display_name: [a, b]", lambda t: _owners_file(t, "teams:\n  a:\n    display_name: [a, b]\n"), "OwnersError", r"line 3: team 'a': display_name=\['a', 'b'\] must be a string"),
    ("owners-alias-bomb", "a YAML alias bomb (billion laughs)", lambda t: _owners_file(t, "x: &a [lol, lol]\ny: &b [*a, *a]\nteams: {a: {display_name: *b}}\n"), "OwnersError", "line 1: YAML anchors and aliases .* are not allowed"),
    ("owners-mail-header-injection", "to: ['a@b.c\\r\\nBcc: x@y.z']", lambda t: _owners({"teams": {"a": {"channels": [{"type": "email", "to": ["a@b.c\r\nBcc: x@y.z"]}]}}}), "OwnersError", "must be a list of e-mail addresses"),
    ("contract-missing", "a contract path that does not exist", lambda t: __import__("airflow_mlops.contract", fromlist=["x"]).load_contract(t / "none.yaml"), "ContractError", "none.yaml' does not exist"),
    ("contract-not-a-mapping", "a contract that is a list", lambda t: _contract(t, "- 1\n- 2\n"), "ContractError", "does not match the contract schema"),
    ("api-oversized-note", "a 2001-character note", lambda t: _body("NoteBody", note="x" * 2001), "ValidationError", "note"),
    ("api-extra-key", "an unknown key in an action body", lambda t: _body("NoteBody", note="x", admin=True), "ValidationError", "admin"),
    ("api-empty-reason", "an override without a reason", lambda t: _body("OverrideBody", dag_id="d", run_id="r", task_id="g", reason=""), "ValidationError", "reason"),
    ("api-long-duration", "a 17-character snooze duration", lambda t: _body("SnoozeBody", duration="9" * 17), "ValidationError", "duration"),
]  # fmt: skip


def test_the_matrix_has_at_least_30_bad_inputs() -> None:
    assert len(MATRIX) >= 30 and len({case[0] for case in MATRIX}) == len(MATRIX)


@pytest.mark.parametrize(("case", "what", "call", "error", "message"), MATRIX, ids=[c[0] for c in MATRIX])
def test_a_bad_input_fails_with_a_message_naming_it(case, what, call, error, message, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception) as raised:
        call(tmp_path)
    assert type(raised.value).__name__ == error, (
        f"{case} ({what}): {type(raised.value).__name__}: {raised.value}"
    )
    import re

    assert re.search(message, str(raised.value)), f"{case} ({what}): {raised.value}"


def test_unicode_spaces_and_huge_cardinality_are_not_errors() -> None:
    import json

    import pandas as pd

    from airflow_mlops.core.profile import profile_frame

    frame = pd.DataFrame(
        {"prix unitaire (€)": [1.5, 2.5, 3.0] * 40_000, "client id": [f"c{i}" for i in range(120_000)]}
    )
    profile = profile_frame(frame)
    assert set(profile.columns) == {"prix unitaire (€)", "client id"}
    ids = profile.columns["client id"]
    assert ids.distinct_count == 120_000 and len(ids.top) == 50  # top-k and "other", not 120,000 categories
    assert len(json.dumps(profile.to_dict())) < 20_000  # KBs whatever the cardinality


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["db", "prune", "--older-than", "soon"], "--older-than='soon' is not a duration"),
        (["baseline", "pin", "--key", "k", "--latest", "--reason", " "], "pin needs a reason"),
        (["incidents", "ack", "999", "--user", "me"], "incident 999 does not exist"),
    ],
    ids=["cli-prune-age", "cli-pin-reason", "cli-unknown-incident"],
)
def test_the_cli_names_the_bad_input_and_exits_2(args: list[str], message: str, sqlite_url: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "airflow_mlops.cli", "--url", sqlite_url, *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2 and message in run.stderr, run.stdout + run.stderr
