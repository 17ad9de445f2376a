"""Helpers every command group shares: the store, the table printer, the acting user."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

__all__ = ["print_rows", "store_for", "unknown_key_hint", "user"]


def store_for(args: argparse.Namespace) -> Any:
    """The results store of ``--url``, else the configured one."""
    from airflow_mlops.config import get_store

    return get_store(args.url)


def print_rows(rows: list[dict[str, Any]], *, as_json: bool, columns: Sequence[str]) -> None:
    """``rows`` as a fixed-width table of ``columns``, or as JSON for scripts."""
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def user(args: argparse.Namespace) -> str:
    """``--user``, else the OS user."""
    import getpass

    return args.user or getpass.getuser()


def unknown_key_hint(store: Any, key: str) -> str:
    """``; known keys near it: a.b, a.c`` (or every key when none is near), for an error about ``key``."""
    import difflib

    known = sorted({k["baseline_key"] for k in store.baseline_keys(limit=1000)})
    near = difflib.get_close_matches(key, known, n=5, cutoff=0.5) or known[:5]
    return (
        f"; known keys{' near it' if near and near != known[:5] else ''}: {', '.join(near)}" if near else ""
    )
