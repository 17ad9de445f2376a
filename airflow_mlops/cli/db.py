"""``airflow-mlops db``: the results store's schema and retention."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC
from typing import Any

from airflow_mlops.cli._common import store_for

__all__ = ["add_db_parser"]


def add_db_parser(sub: Any) -> None:
    """Register ``db upgrade|current|prune``."""
    db = sub.add_parser("db", help="manage the results store schema").add_subparsers(
        dest="db_command", required=True
    )
    upgrade = db.add_parser("upgrade", help="apply migrations (never drops data)")
    upgrade.add_argument("--revision", default="head")
    upgrade.set_defaults(func=_cmd_db_upgrade)
    db.add_parser("current", help="show the schema revision").set_defaults(func=_cmd_db_current)
    prune = db.add_parser(
        "prune",
        help="delete check runs, profiles, resolved incidents older than an age; keeps pinned baselines, "
        "the newest profile of each key, open incidents and what they reference",
    )
    prune.add_argument("--older-than", required=True, help="an age: 90d, 12h, 2w")
    prune.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    prune.set_defaults(func=_cmd_db_prune)


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    store = store_for(args)
    before = store.current_revision()
    store.upgrade(args.revision)
    after = store.current_revision()
    print(f"results store {store.safe_url}: {before or 'empty'} -> {after}")
    return 0


def _cmd_db_current(args: argparse.Namespace) -> int:
    from airflow_mlops.store.engine import head_revision

    store = store_for(args)
    current = store.current_revision()
    print(f"results store {store.safe_url}: revision {current or 'empty'} (head {head_revision()})")
    return 0 if current == head_revision() else 1


def _cmd_db_prune(args: argparse.Namespace) -> int:
    from datetime import datetime

    from airflow_mlops.core.owners import OwnersError, parse_duration

    try:
        cutoff = datetime.now(UTC) - parse_duration(args.older_than, where="--older-than")
    except OwnersError as exc:
        print(f"airflow-mlops: {exc}", file=sys.stderr)
        return 2
    store = store_for(args)
    counts = store.prune(older_than=cutoff, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    listed = ", ".join(f"{n} {table.replace('_', ' ')}" for table, n in counts.items())
    print(f"results store {store.safe_url}: {verb} {listed} older than {cutoff:%Y-%m-%d %H:%M} UTC")
    return 0
