"""The ``airflow-mlops`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]


def _store(args: argparse.Namespace) -> Any:
    from airflow_mlops.config import get_store

    return get_store(args.url)


def _print(rows: list[dict[str, Any]], *, as_json: bool, columns: Sequence[str]) -> None:
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    store = _store(args)
    before = store.current_revision()
    store.upgrade(args.revision)
    after = store.current_revision()
    print(f"results store {store.safe_url}: {before or 'empty'} -> {after}")
    return 0


def _cmd_db_current(args: argparse.Namespace) -> int:
    from airflow_mlops.store.engine import head_revision

    store = _store(args)
    current = store.current_revision()
    print(f"results store {store.safe_url}: revision {current or 'empty'} (head {head_revision()})")
    return 0 if current == head_revision() else 1


def _cmd_runs_list(args: argparse.Namespace) -> int:
    store = _store(args)
    rows = [
        {
            "id": r.id,
            "dag_id": r.dag_id,
            "task_id": r.task_id,
            "run_id": r.run_id,
            "try": r.try_number,
            "kind": r.kind,
            "status": r.status,
            "owner": r.owner,
            "finished_at": r.finished_at.isoformat(timespec="seconds") if r.finished_at else "",
            "message": (r.message or "")[: 80 if not args.json else None],
        }
        for r in store.check_runs(dag_id=args.dag_id, run_id=args.run_id, limit=args.limit)
    ]
    _print(rows, as_json=args.json, columns=("id", "dag_id", "task_id", "run_id", "try", "status", "message"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="airflow-mlops", description=__doc__)
    parser.add_argument("--url", help="results store URL (default: [mlops] results_db_url)")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="manage the results store schema").add_subparsers(
        dest="db_command", required=True
    )
    upgrade = db.add_parser("upgrade", help="apply migrations (never drops data)")
    upgrade.add_argument("--revision", default="head")
    upgrade.set_defaults(func=_cmd_db_upgrade)
    db.add_parser("current", help="show the schema revision").set_defaults(func=_cmd_db_current)

    runs = sub.add_parser("runs", help="recorded check runs").add_subparsers(
        dest="runs_command", required=True
    )
    runs_list = runs.add_parser("list", help="list check runs, newest first")
    runs_list.add_argument("--dag-id")
    runs_list.add_argument("--run-id")
    runs_list.add_argument("--limit", type=int, default=50)
    runs_list.add_argument("--json", action="store_true", help="print JSON for scripts")
    runs_list.set_defaults(func=_cmd_runs_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from airflow_mlops.exceptions import MlopsError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except MlopsError as exc:
        print(f"airflow-mlops: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
