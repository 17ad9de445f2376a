"""``make demo``: the notebook-to-production handoff, for real, on the embedded defaults.

1. starts a local SMTP sink (aiosmtpd on 127.0.0.1) that receives the alert emails;
2. runs ``example_notebook_training`` once: papermill executes the notebook, which exports a contract;
3. runs ``example_wine_production`` for ten days (``dag.test``: real DAG runs, SQLite everywhere) with
   faults on some days: a drifted batch two days running (one incident, a repeat, then its resolution),
   a model that regresses, a smaller batch (a warning), a broken schema, then drift again (left open);
4. prints a summary per day (decision, failing checks, owner, incident, emails) and checks it against
   what each day should give (exit status 1 otherwise);
5. unless ``DEMO_UI=0``, starts the Airflow UI (``airflow api-server``) on 127.0.0.1:8080 and prints
   the login.

``python -m airflow_mlops.demo --check`` only checks the results store of an earlier run.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DAG_ID",
    "DAYS",
    "Day",
    "main",
    "summarize",
]

DAG_ID = "example_wine_production"


@dataclass(frozen=True)
class Day:
    date: str
    fault: str | None
    expected: str  # the gate's decision
    note: str


DAYS = [
    Day("2026-11-01", None, "PASSED", "first day: contract registered, the notebook's model is champion"),
    Day("2026-11-02", None, "PASSED", "clean: the day's model becomes champion"),
    Day("2026-11-03", "drift", "FAILED", "drift: an incident opens, one email to ml-platform"),
    Day("2026-11-04", "drift", "FAILED", "drift again: the same incident, seen 2x, no new email"),
    Day("2026-11-05", None, "PASSED", "clean: the incident is resolved, one 'resolved' email"),
    Day("2026-11-06", "regress", "FAILED", "the retrained model regressed against the champion"),
    Day("2026-11-07", None, "PASSED", "clean: resolved"),
    Day("2026-11-08", "volume", "WARNED", "30 % fewer rows: a warning for the digest, no page"),
    Day("2026-11-09", "schema", "FAILED", "a column disappeared"),
    Day("2026-11-10", "drift", "FAILED", "drift: left open for you to triage in the UI"),
]


def _load(dags_folder: Path, module: str, attribute: str) -> Any:
    spec = importlib.util.spec_from_file_location(module, dags_folder / f"{module}.py")
    assert spec is not None and spec.loader is not None
    namespace = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(namespace)
    return getattr(namespace, attribute)


def _start_smtp_sink() -> tuple[Any, list[Any]]:
    """aiosmtpd on a free loopback port; the connection ``mlops_smtp`` points at it."""
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    os.environ["AIRFLOW_CONN_MLOPS_SMTP"] = json.dumps(
        {"conn_type": "smtp", "host": "127.0.0.1", "port": port,
         "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "airflow-mlops@demo.local"}}
    )  # fmt: skip
    return controller, received


def _reset_store() -> None:
    """A fresh store per demo: only a SQLite file inside the Airflow home is ever removed."""
    from airflow_mlops.config import airflow_home, results_db_url

    url = results_db_url()
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///")).resolve()
        if path.is_relative_to(Path(airflow_home()).resolve()) and path.exists():
            path.unlink()


def summarize(store: Any, runs: dict[str, str], mails: dict[str, int] | None = None) -> list[str]:
    """One line per day (and a detail line), and the problems: days whose decision is not the expected."""
    problems: list[str] = []
    print(f"\n=== airflow-mlops demo: {DAG_ID}, {len(DAYS)} days ===")
    for day in DAYS:
        run_id = runs.get(day.date)
        gate = store.latest_check_run(dag_id=DAG_ID, task_id="gate", run_id=run_id) if run_id else None
        status = gate.status if gate is not None else "NOT RECORDED"
        summary = (gate.summary or {}) if gate is not None else {}
        incident = store.incident(summary["incident_id"]) if summary.get("incident_id") else None
        label = day.fault or "clean"
        mark = "" if status == day.expected else f"   <-- expected {day.expected}"
        print(f"{day.date} ({label}): {status:8} owner {gate.owner if gate else '-'}{mark}")
        reasons = summary.get("reasons") or []
        if reasons:
            print(
                "    failing: " + "; ".join(str(r) for r in reasons[:3]) + (" …" if len(reasons) > 3 else "")
            )
        if incident is not None:
            print(f"    incident #{incident.id} {incident.status}, seen {incident.count}x")
        if mails is not None:
            print(f"    emails: {mails.get(day.date, 0)}   ({day.note})")
        if status != day.expected:
            problems.append(f"{day.date}: {status}, expected {day.expected}")
    return problems


def _serve_ui() -> int:
    passwords = Path(os.environ.get("AIRFLOW_HOME", ".")) / "demo_passwords.json"
    users = {"admin": secrets.token_urlsafe(9), "oncall": secrets.token_urlsafe(9)}
    passwords.write_text(json.dumps(users))
    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = "admin:admin,oncall:op"
    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] = str(passwords)
    print(
        "\nStarting the Airflow UI on http://127.0.0.1:8080  (Ctrl-C to stop)\n"
        f"  log in as oncall / {users['oncall']}   (or admin / {users['admin']})\n"
        "  then click 'Quality Gates' in the left navigation: Overview, Triage, Baselines;\n"
        f"  the gate report of a day: DAG {DAG_ID} > a run > task 'gate' > tab 'Quality report'.\n",
        flush=True,
    )
    try:
        return subprocess.call([sys.executable, "-m", "airflow", "api-server", "--port", "8080"])
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    from airflow_mlops.config import get_store

    dags_folder = Path(os.environ.get("AIRFLOW__CORE__DAGS_FOLDER", "dags")).resolve()
    if "--check" in args:
        store = get_store()
        recorded = {
            row.logical_date.date().isoformat(): row.run_id
            for row in reversed(store.check_runs(dag_id=DAG_ID, task_id="gate", limit=500))
            if row.logical_date is not None
        }
        problems = summarize(store, recorded)
        print("demo check: " + ("; ".join(problems) if problems else f"all {len(DAYS)} days as expected"))
        return 1 if problems else 0

    import pendulum

    logging.getLogger("airflow").setLevel(logging.WARNING)
    _reset_store()
    controller, received = _start_smtp_sink()
    store = get_store()
    print(f"results store: {store.safe_url}; SMTP sink on {controller.hostname}:{controller.port}")
    try:
        notebook_dag = _load(dags_folder, "example_notebook_training", "notebook_training")
        print("running the notebook with papermill (example_notebook_training) ...", flush=True)
        notebook_run = notebook_dag.test(logical_date=pendulum.parse("2026-10-31"))
        print(f"  notebook DAG run {notebook_run.state}")
        production = _load(dags_folder, DAG_ID, "production")
        runs: dict[str, str] = {}
        mails: dict[str, int] = {}
        for number, day in enumerate(DAYS, start=1):
            before = len(received)
            print(f"day {number}/{len(DAYS)}: {day.date} ({day.fault or 'clean'}) ...", flush=True)
            dag_run = production.test(
                logical_date=pendulum.parse(day.date), run_conf={"seed": number, "fault": day.fault}
            )
            runs[day.date] = dag_run.run_id
            mails[day.date] = len(received) - before
    finally:
        controller.stop()
    problems = summarize(store, runs, mails)
    _print_board(store, "wine_quality.model")
    print(f"emails received by the SMTP sink: {len(received)}")
    print("demo check: " + ("; ".join(problems) if problems else f"all {len(DAYS)} days as expected"))
    if problems:
        return 1
    if os.environ.get("DEMO_UI", "1") != "0":
        return _serve_ui()
    return 0


def _print_board(store: Any, key: str) -> None:
    """The model's leaderboard after the demo's days (``airflow-mlops models board --key KEY``)."""
    from airflow_mlops.cli.models import render_board_text
    from airflow_mlops.exceptions import InputError
    from airflow_mlops.leaderboard import load_board

    try:
        print("\n" + render_board_text(load_board(store, key).to_dict()))
    except InputError as exc:
        print(f"\nno leaderboard: {exc}")


if __name__ == "__main__":
    sys.exit(main())
