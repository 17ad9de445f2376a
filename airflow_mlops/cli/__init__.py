"""The ``airflow-mlops`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, one module per command group."""
    from airflow_mlops.cli.backtest import add_backtest_parser
    from airflow_mlops.cli.baseline import add_baseline_parser
    from airflow_mlops.cli.db import add_db_parser
    from airflow_mlops.cli.incidents import add_gate_parser, add_incidents_parser
    from airflow_mlops.cli.models import add_models_parser
    from airflow_mlops.cli.report import add_report_parser
    from airflow_mlops.cli.runs import add_audit_parser, add_digest_parser, add_runs_parser

    parser = argparse.ArgumentParser(prog="airflow-mlops", description=__doc__)
    parser.add_argument("--url", help="results store URL (default: [mlops] results_db_url)")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (
        add_db_parser,
        add_runs_parser,
        add_baseline_parser,
        add_incidents_parser,
        add_gate_parser,
        add_audit_parser,
        add_digest_parser,
        add_backtest_parser,
        add_models_parser,
        add_report_parser,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from airflow_mlops.exceptions import MlopsError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except MlopsError as exc:
        print(f"airflow-mlops: error: {exc}", file=sys.stderr)
        return 2
