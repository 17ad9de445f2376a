"""The bad-input matrix: every entry is a wrong input somewhere a user can give one (operators, sensor,
checks, data, owners.yaml, contracts, the CLI, the API bodies), and each must fail with a clear message
that names the input. docs/reliability.md lists the matrix. Run-time cases that record an ERRORED check
run with a real DAG run live next to their operator (tests/operators/test_validation.py and friends);
here each is checked at the function that raises, so the whole matrix runs in seconds. The API's bad
requests (API_MATRIX, bodies over the limit, a large report's pages) go to a real ``airflow api-server``,
one per store (SQLite and PostgreSQL) for the whole module."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
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


def _trigger(**kwargs: Any) -> Any:
    from airflow_mlops.triggers import QualityGateTrigger

    return QualityGateTrigger(external_dag_id="d", gate_task_id="gate", **kwargs)


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
    from airflow_mlops.plugins import schemas

    return getattr(schemas, model)(**fields)


def _suite(entries: list[dict[str, Any]]) -> Any:
    from airflow_mlops.core.suite import load_suite

    return load_suite(entries)


def _cap(key: str, value: str) -> Any:
    """``[mlops] key`` read while its environment variable holds ``value``."""
    from airflow_mlops.config import cap

    variable = f"AIRFLOW__MLOPS__{key.upper()}"
    saved = os.environ.get(variable)
    os.environ[variable] = value
    try:
        return cap(key)
    finally:
        if saved is None:
            os.environ.pop(variable)
        else:
            os.environ[variable] = saved


def _duration(value: str) -> Any:
    from airflow_mlops.core.owners import parse_duration

    return parse_duration(value, where="renotify_after")


def _drift_on_text(method: str) -> Any:
    import pandas as pd

    from airflow_mlops.core.profile import profile_frame

    profile = profile_frame(pd.DataFrame({"country": ["FR", "DE", "FR"]}))
    result = _check("Drift", "country", method=method, fail=0.1).evaluate(profile, profile)
    raise ValueError(f"{result.status.value}: {result.message}")  # surfaced as the case's error


# (id, what is bad, a callable taking tmp_path, exception type name, message regex)
MATRIX: list[tuple[str, str, Callable[[Path], Any], str, str]] = [
    ("validation-data-type", "data=42", lambda t: _validation(data=42), "ArgumentError", "data= must be a callable"),
    ("validation-suite-type", "suite=3.5", lambda t: _validation(suite=3.5), "ArgumentError", "suite= must be a path"),
    ("validation-severity", "severity='fatal'", lambda t: _validation(severity="fatal"), "ArgumentError", "severity= must be one of 'fail', 'warn'; got 'fatal'"),
    ("validation-result-format", "result_format='FULL'", lambda t: _validation(result_format="FULL"), "ArgumentError", "result_format= must be one of .*; got 'FULL'"),
    ("validation-fail-task", "fail_task='yes'", lambda t: _validation(fail_task="yes"), "ArgumentError", "fail_task= must be True or False"),
    ("comparison-no-checks", "checks=[]", lambda t: _comparison(checks=[]), "ArgumentError", "non-empty list"),
    ("comparison-policy", "baseline='yesterday'", lambda t: _comparison(baseline="yesterday"), "InputError", "yesterday"),
    ("comparison-missing-baseline", "on_missing_baseline='ignore'", lambda t: _comparison(on_missing_baseline="ignore"), "ArgumentError", "on_missing_baseline= must be one of 'pass', 'warn', 'fail'; got 'ignore'"),
    ("comparison-both-sources", "data= and metrics=", lambda t: _comparison(metrics={"auc": 1.0}), "ArgumentError", "exactly one of data="),
    ("check-drift-method", "Drift(method='mmd')", lambda t: _check("Drift", "x", method="mmd", fail=0.1), "InputError", "mmd"),
    ("check-warn-above-fail", "RowCount(warn=0.5, fail=0.2)", lambda t: _check("RowCount", warn=0.5, fail=0.2), "InputError", "warn=0.5 is above fail=0.2"),
    ("check-nan-threshold", "RowCount(warn=nan)", lambda t: _check("RowCount", warn=float("nan")), "InputError", "warn=nan must be a finite number"),
    ("check-no-threshold", "NullRate('x')", lambda t: _check("NullRate", "x"), "InputError", "give warn=, fail= or both"),
    ("check-empty-column", "NullRate('')", lambda t: _check("NullRate", "", fail=0.1), "InputError", "column must be a non-empty column name"),
    ("check-mean-all-infinite", "Mean('x') on a column of ±inf only", lambda t: _mean_on_infinities(), "ValueError", "ERRORED: .*the current column has only infinite values"),
    ("check-numeric-method-on-text", "Drift('country', method='ks') on text", lambda t: _drift_on_text("ks"), "ValueError", "ERRORED: .*country"),
    ("gate-on-fail", "on_fail='explode'", lambda t: _gate(on_fail="explode"), "ArgumentError", "g: on_fail= must be one of 'fail', 'skip', 'approve'; got 'explode'"),
    ("gate-runbook-javascript", "runbook_url='javascript:...'", lambda t: _gate(runbook_url=JS), "UrlError", "g: runbook_url=.javascript:.* is not allowed: it has scheme javascript:"),
    ("gate-runbook-list", "runbook_url=[1, 2]", lambda t: _gate(runbook_url=[1, 2]), "UrlError", r"g: runbook_url=\[1, 2\] is not allowed: it is list, not a string"),
    ("gate-runbook-relative", "runbook_url='//evil.example.com'", lambda t: _gate(runbook_url="//evil.example.com"), "UrlError", "give an absolute http:// or https:// URL"),
    ("sensor-empty-dag", "external_dag_id=''", lambda t: _sensor(external_dag_id=""), "ArgumentError", "external_dag_id= must be a non-empty string"),
    ("sensor-run-and-date", "run_id= and logical_date=", lambda t: _sensor(run_id="r", logical_date="2026-01-01"), "ArgumentError", "give run_id= or logical_date=, not both"),
    ("sensor-store-errors", "max_store_errors=0", lambda t: _sensor(max_store_errors=0), "ArgumentError", "max_store_errors= must be an integer >= 1"),
    ("trigger-bad-moment", "QualityGateTrigger(at_or_before='yesterday')", lambda t: _trigger(at_or_before="yesterday"), "InputError", "at_or_before='yesterday' is not a date-time"),
    ("sql-empty-conn", "SqlSource(conn_id='')", lambda t: _sql(conn_id=""), "ArgumentError", "must be a non-empty connection id"),
    ("sql-table-and-query", "table= and query=", lambda t: _sql(query="select 1"), "ArgumentError", "exactly one of table= or query="),
    ("sql-parallel", "SqlSource(parallel=0)", lambda t: _sql(parallel=0), "ArgumentError", r"parallel=\.\.\.\) must be an integer from 1 to 16"),
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
    ("suite-over-cap", "a suite of 1001 expectations", lambda t: _suite(SUITE * 1001), "SuiteError", r"suite list has 1001 expectations, over the cap of 1000 \(\[mlops\] max_expectations_per_suite\)"),
    ("metrics-over-cap", "1001 metrics", lambda t: _metrics({f"m{i}": 1.0 for i in range(1001)}), "InputError", r"metrics= has 1001 metrics, over the cap of 1000 \(\[mlops\] max_metrics\)"),
    ("metrics-long-name", "a 201-character metric name", lambda t: _metrics({"m" * 201: 1.0}), "InputError", r"metric 'm+…' has 201 characters, over the cap of 200 \(\[mlops\] max_metric_name_length\)"),
    ("config-cap-not-a-number", "[mlops] max_metrics = lots", lambda t: _cap("max_metrics", "lots"), "InputError", r"\[mlops\] max_metrics='lots' must be an integer >= 1"),
    ("duration-forever", "renotify_after: 99999999d", lambda t: _duration("99999999d"), "OwnersError", r"renotify_after='99999999d' is longer than 3650 days"),
]  # fmt: skip


def test_the_matrix_has_at_least_30_bad_inputs() -> None:
    ids = [case[0] for case in MATRIX + API_MATRIX]
    assert len(MATRIX) >= 30 and len(API_MATRIX) >= 15 and len(set(ids)) == len(ids)


@pytest.mark.parametrize(("case", "what", "call", "error", "message"), MATRIX, ids=[c[0] for c in MATRIX])
def test_a_bad_input_fails_with_a_message_naming_it(case, what, call, error, message, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception) as raised:
        call(tmp_path)
    assert type(raised.value).__name__ == error, (
        f"{case} ({what}): {type(raised.value).__name__}: {raised.value}"
    )
    assert re.search(message, str(raised.value)), f"{case} ({what}): {raised.value}"


def test_unicode_spaces_and_huge_cardinality_are_not_errors() -> None:
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


# -- the API of a real `airflow api-server`, on a SQLite and a PostgreSQL store --------------------------
# Each request gave a 500 (or was read whole) before issue 19; each must be a 4xx, JSON, whose text names
# the parameter. ``{incident}`` is an open incident of BAD_DAG; BAD_RUN holds a failed gate.
BAD_DAG = "mlops_test_bad_inputs"
BAD_RUN = "bad-run"
V1 = "/mlops/api/v1"
OVER_64_BITS = str(2**64)
OVER_INT32 = str(2**31)  # past PostgreSQL's INTEGER ids
GATE = f'"dag_id": "{BAD_DAG}", "run_id": "{BAD_RUN}", "task_id": "gate"'
UNKNOWN_KEYS = json.dumps({f"key{i}": 1 for i in range(1000)})  # 13 KB: under the body limit

# (id, what is bad, method, path, JSON body or None, status, regex over the response's text)
API_MATRIX: list[tuple[str, str, str, str, str | None, int, str]] = [
    ("api-offset-64-bit", "offset=2**64", "GET", f"{V1}/gates?offset={OVER_64_BITS}", None, 422, r'"offset".*less than or equal to 2147483647'),
    ("api-page-offset-64-bit", "the overview page's offset=2**64", "GET", f"/mlops/?offset={OVER_64_BITS}", None, 422, r'"offset"'),
    ("api-incident-id-64-bit", "incident id 2**64", "POST", f"{V1}/incidents/{OVER_64_BITS}/ack", "{}", 422, r'"incident_id".*less than or equal to 2147483647'),
    ("api-incident-id-int32", "incident id 2**31 (past PostgreSQL's INTEGER)", "POST", f"{V1}/incidents/{OVER_INT32}/snooze", '{"duration": "1h"}', 422, r'"incident_id"'),
    ("api-resolve-id-64-bit", "resolve incident 2**64", "POST", f"{V1}/incidents/{OVER_64_BITS}/resolve", "{}", 422, r'"incident_id"'),
    ("api-snooze-forever", "a snooze of 99999999d", "POST", f"{V1}/incidents/{{incident}}/snooze", '{"duration": "99999999d"}', 422, r"duration='99999999d' is longer than 3650 days"),
    ("api-blank-reason", "an override reason of one space", "POST", f"{V1}/overrides", f'{{{GATE}, "reason": " "}}', 422, r"override needs a reason"),
    ("api-surrogate-reason", "a lone surrogate in a reason", "POST", f"{V1}/overrides", f'{{{GATE}, "reason": "ok \\ud800"}}', 422, r'"reason".*lone surrogate'),
    ("api-surrogate-note", "a lone surrogate in a note", "POST", f"{V1}/incidents/{{incident}}/ack", '{"note": "\\udfff"}', 422, r'"note".*lone surrogate'),
    ("api-nul-query", "NUL in a query parameter", "GET", f"{V1}/gates?owner=a%00b", None, 422, r'"owner".*NUL'),
    ("api-nul-query-page", "NUL in a page's query parameter", "GET", "/mlops/triage?owner=%00", None, 422, r'"owner".*NUL'),
    ("api-nul-path", "NUL in a path parameter", "GET", f"{V1}/reports/{BAD_DAG}/bad%00run/gate", None, 422, r'"run_id".*NUL'),
    ("api-nul-path-page", "NUL in a page's path parameter", "GET", f"/mlops/report/{BAD_DAG}/{BAD_RUN}/ga%00te", None, 422, r'"task_id".*NUL'),
    ("api-nul-json-key", "NUL in a JSON string (baseline key)", "POST", f"{V1}/baselines/pin", '{"key": "k\\u0000", "reason": "x"}', 422, r'"key".*NUL'),
    ("api-nul-json-reason", "NUL in a JSON string (reason)", "POST", f"{V1}/overrides", f'{{{GATE}, "reason": "a\\u0000b"}}', 422, r'"reason".*NUL'),
    ("api-nul-json-note", "NUL in a JSON string (note)", "POST", f"{V1}/incidents/{{incident}}/ack", '{"note": "\\u0000"}', 422, r'"note".*NUL'),
    ("api-not-json", "a body that is not JSON", "POST", f"{V1}/incidents/{{incident}}/ack", '{"note": ', 422, r'"body".*not valid JSON'),
    ("api-deep-json", "a JSON body nested 8,000 deep", "POST", f"{V1}/incidents/{{incident}}/ack", "[" * 8000 + "]" * 8000, 422, r'"body".*not valid JSON'),
    ("api-unknown-keys", "1,000 unknown keys (one error each)", "POST", f"{V1}/incidents/{{incident}}/ack", UNKNOWN_KEYS, 422, r'"key0".*"error_count":1000'),
    ("api-oversized-value", "a 3,000-character note", "POST", f"{V1}/incidents/{{incident}}/ack", json.dumps({"note": "n" * 3000}), 422, r'"note".*at most 2000 characters'),
]  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Api:
    """A real ``airflow api-server`` with the plugin, on a store of its own (``store_url``)."""

    base: str
    store_url: str
    token: str
    incident: int

    def call(self, method: str, path: str, body: str | None = None, *, auth: bool = True) -> Any:
        import httpx

        headers = {"Authorization": f"Bearer {self.token}"} if auth else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return httpx.request(method, self.base + path, headers=headers, content=body, timeout=60)

    def raw(self, head: list[str], body: list[bytes]) -> tuple[int, dict[str, Any]]:
        """Send a request head and body parts on a plain socket, never finishing the body it declares,
        and read the answer: only a server that refuses the body without waiting for it answers."""
        host, port = self.base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as conn:
            conn.sendall(("\r\n".join([*head, f"Host: {host}", "", ""])).encode() + b"".join(body))
            answer = b""
            while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
                chunk = conn.recv(65536)
                assert chunk, f"the server closed the connection without answering: {answer!r}"
                answer += chunk
        status_line, _, rest = answer.partition(b"\r\n")
        return int(status_line.split()[1]), json.loads(rest.split(b"\r\n\r\n", 1)[1])


def _length(answer: bytes) -> int:
    found = re.search(rb"(?im)^content-length: *(\d+)", answer.split(b"\r\n\r\n", 1)[0])
    return int(found.group(1)) if found else 0


def _register_dag(dag_id: str) -> None:
    """A row for ``dag_id`` in Airflow's metadata DB, so the auth manager lets users read and edit it."""
    from airflow.models.dag import DagModel
    from airflow.models.dagbundle import DagBundleModel
    from airflow.utils.session import create_session

    with create_session() as session:
        if session.get(DagBundleModel, "dags-folder") is None:
            session.add(DagBundleModel(name="dags-folder"))
            session.flush()
        if session.get(DagModel, dag_id) is None:
            session.add(
                DagModel(dag_id=dag_id, bundle_name="dags-folder", is_stale=False, max_active_tasks=16,
                         max_consecutive_failed_dag_runs=0, has_task_concurrency_limits=False)
            )  # fmt: skip


def _seed(url: str) -> int:
    """A failed gate of BAD_DAG in BAD_RUN with its incident, and a gate on a 450-result check run (for
    the report's pages); returns the incident's id."""
    from airflow_mlops.config import get_store
    from airflow_mlops.core.results import CheckResult, Status
    from airflow_mlops.store import CheckRunRecord
    from airflow_mlops.store.models import IncidentRow

    store, now = get_store(url), datetime.now(UTC)
    for run_id, results in ((BAD_RUN, 1), ("paged-run", 450)):
        common = {"dag_id": BAD_DAG, "run_id": run_id, "try_number": 1, "run_after": now, "started_at": now,
                  "finished_at": now}  # fmt: skip
        store.record_check_run(
            CheckRunRecord(task_id="validate", kind="validation", status="FAILED", **common),
            [CheckResult(name=f"check {i}", check_type="x", status=Status.FAILED) for i in range(results)],
        )
        store.record_check_run(
            CheckRunRecord(task_id="gate", kind="gate", status="FAILED", summary={"upstream": ["validate"]},
                           **common),
            [],
        )  # fmt: skip
    from sqlalchemy.orm import Session

    with Session(store.engine) as session, session.begin():
        incident = IncidentRow(
            fingerprint="bad-inputs", dag_id=BAD_DAG, gate_task_id="gate", owner="ml-platform", status="open",
            severity="fail", failing_checks=["check 0"], first_seen=now, last_seen=now, first_run_id=BAD_RUN,
            last_run_id=BAD_RUN,
        )  # fmt: skip
        session.add(incident)
        session.flush()
        return int(incident.id)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def api(request, airflow_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:  # type: ignore[no-untyped-def]
    """One real ``airflow api-server`` per store for the whole module (user ``op``, role op)."""
    import httpx

    from tests.conftest import fresh_pg_database
    from tests.helpers import free_port, wait_for_api_server

    home = tmp_path_factory.mktemp(f"bad-inputs-{request.param}")
    with contextlib.ExitStack() as stack:
        url = (
            f"sqlite:///{home / 'store.db'}"
            if request.param == "sqlite"
            else stack.enter_context(fresh_pg_database())
        )
        incident = _seed(url)
        _register_dag(BAD_DAG)
        (home / "passwords.json").write_text(json.dumps({"op": "op-password"}))
        port = free_port()
        env = {
            **os.environ, "AIRFLOW__MLOPS__RESULTS_DB_URL": url, "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port), "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "op:op",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        }  # fmt: skip
        log = stack.enter_context((home / "api-server.log").open("w"))
        process = subprocess.Popen(
            [sys.executable, "-m", "airflow", "api-server", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        stack.callback(_stop, process)
        base = f"http://127.0.0.1:{port}"
        wait_for_api_server(base, process=process, log=home / "api-server.log")
        login = httpx.post(f"{base}/auth/token", json={"username": "op", "password": "op-password"})
        yield Api(base=base, store_url=url, token=login.json()["access_token"], incident=incident)


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, 15)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)


@pytest.mark.parametrize(
    ("case", "what", "method", "path", "body", "status", "message"),
    API_MATRIX,
    ids=[c[0] for c in API_MATRIX],
)
def test_a_bad_api_input_is_a_4xx_naming_it(
    api: Api, case, what, method, path, body, status, message
) -> None:  # type: ignore[no-untyped-def]
    response = api.call(method, path.format(incident=api.incident), body)
    assert response.status_code == status, f"{case} ({what}): {response.status_code} {response.text[:500]}"
    assert response.headers["content-type"] == "application/json", f"{case}: {response.headers}"
    assert re.search(message, response.text), f"{case} ({what}): {response.text[:500]}"
    assert len(response.content) < 2000, f"{case}: {len(response.content)} bytes echoed"


def test_nothing_of_a_refused_input_was_written(api: Api) -> None:
    from airflow_mlops.config import get_store

    store = get_store(api.store_url)
    assert store.overrides(dag_id=BAD_DAG) == []
    assert store.incident(api.incident).status == "open" and store.incident(api.incident).note is None


def test_a_body_over_the_limit_is_refused_before_it_is_read_and_after_authentication(api: Api) -> None:
    ack = f"POST /mlops/api/v1/incidents/{api.incident}/ack HTTP/1.1"
    json_head = [ack, "Content-Type: application/json"]
    auth = f"Authorization: Bearer {api.token}"
    # a declared 40 MB body: refused from its Content-Length, after 10 bytes of it
    status, answer = api.raw([*json_head, auth, "Content-Length: 40000000"], [b'{"note": "'])
    assert (status, answer["detail"]) == (413, "the request body is over the 16384-byte limit of this "
                                               "endpoint (Content-Length: 40000000); send a small JSON object")  # fmt: skip
    # no user: 401 before a byte of the body is read
    status, answer = api.raw([*json_head, "Content-Length: 40000000"], [])
    assert (status, answer["detail"]) == (401, "Not authenticated")
    # a chunked body without Content-Length: cut at the limit while it streams
    chunk = b"400\r\n" + b"x" * 1024 + b"\r\n"
    status, answer = api.raw([*json_head, auth, "Transfer-Encoding: chunked"], [chunk] * 20)
    assert status == 413 and "over the 16384-byte limit" in answer["detail"], answer
    # within the limit, the same route works
    assert api.call("POST", f"{V1}/incidents/{api.incident}/ack", '{"note": "on it"}').status_code == 200
    assert api.call("POST", f"{V1}/incidents/{api.incident}/snooze", '{"duration": "1h"}').status_code == 200


def test_validation_errors_list_a_few_and_truncate_what_they_echo(api: Api) -> None:
    answer = api.call("POST", f"{V1}/incidents/{api.incident}/ack", UNKNOWN_KEYS).json()
    assert answer["error_count"] == 1000 and len(answer["detail"]) == 5
    assert answer["detail"][0] == {"loc": ["body", "key0"], "msg": "Extra inputs are not permitted",
                                   "type": "extra_forbidden", "input": 1}  # fmt: skip
    long_note = api.call(
        "POST", f"{V1}/incidents/{api.incident}/ack", json.dumps({"note": "n" * 3000})
    ).json()
    [error] = long_note["detail"]
    assert error["loc"] == ["body", "note"] and error["input"] == "n" * 80 + "… (3000 characters)"


def test_a_large_report_is_served_in_pages(api: Api) -> None:
    report = f"{V1}/reports/{BAD_DAG}/paged-run/gate"
    first = api.call("GET", report).json()
    assert first["results_page"] == {"offset": 0, "limit": 200, "total": 450}
    [check] = first["checks"]
    assert check["results_total"] == 450 and [r["name"] for r in check["results"]][:2] == [
        "check 0",
        "check 1",
    ]
    assert len(check["results"]) == 200
    last = api.call("GET", report + "?offset=400&limit=200").json()
    assert [r["name"] for r in last["checks"][0]["results"]] == [f"check {i}" for i in range(400, 450)]
    beyond = api.call("GET", report + "?offset=1000").json()
    assert beyond["checks"][0]["results"] == [] and beyond["results_page"]["total"] == 450
    assert api.call("GET", report + "?limit=1001").status_code == 422
    page = api.call("GET", f"/mlops/report/{BAD_DAG}/paged-run/gate?offset=200").text
    assert "results 201–400 of 450" in page and page.count("<tr>") == 201  # a header row and 200 results
    assert f'href="/mlops/report/{BAD_DAG}/paged-run/gate?offset=0"' in page  # ← previous
    assert f'href="/mlops/report/{BAD_DAG}/paged-run/gate?offset=400"' in page  # next →


def test_every_route_bounds_its_inputs() -> None:
    """Enumerated from the app: a new route whose body FastAPI reads before authentication, or whose
    integer parameter has no upper bound (ids are INTEGER columns on PostgreSQL), fails this test."""
    from fastapi.dependencies.utils import get_flat_dependant
    from fastapi.routing import APIRoute

    from airflow_mlops.plugins.api import create_app
    from airflow_mlops.plugins.limits import MAX_INT, body_model

    routes = [r for r in create_app().routes if isinstance(r, APIRoute)]
    for route in routes:
        assert route.body_field is None, f"{route.path}: FastAPI reads this body before authentication"
        assert (body_model(route) is not None) == ("POST" in route.methods), route.path
        flat = get_flat_dependant(route.dependant)
        for param in flat.path_params + flat.query_params:
            if param.field_info.annotation is int:
                bounds = [getattr(m, "le", None) for m in param.field_info.metadata]
                assert any(b is not None and b <= MAX_INT for b in bounds), (route.path, param.name)
    openapi = create_app().openapi()["paths"]["/api/v1/incidents/{incident_id}/ack"]["post"]
    assert "note" in openapi["requestBody"]["content"]["application/json"]["schema"]["properties"]
