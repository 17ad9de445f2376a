"""``airflow-mlops backtest``: replay a check's recorded history under other thresholds or a learned band."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from airflow_mlops.exceptions import InputError

__all__ = ["add_backtest_parser"]


def add_backtest_parser(sub: Any) -> None:
    """Register ``backtest`` on the CLI's subparsers."""
    from airflow_mlops.core.anomaly import DIRECTIONS, SEASONALITIES

    parser = sub.add_parser(
        "backtest",
        help="replay a check's recorded history under other thresholds or a learned band",
        description="Re-grade the recorded results of one check of a baseline key, day by day, and count "
        "the warnings, failures and incidents the other thresholds (or a learned band) would have produced.",
    )
    parser.add_argument("--key", required=True, help="the baseline key (default key: DAG_ID.TASK_ID)")
    parser.add_argument("--check", required=True, help="the check's name, e.g. row_count or drift_psi(x)")
    parser.add_argument("--warn", type=float, help="warn threshold (with --band: robust stds)")
    parser.add_argument("--fail", type=float, help="fail threshold (with --band: robust stds)")
    parser.add_argument(
        "--band", action="store_true", help="learn a median ± MAD band from the observed values"
    )
    parser.add_argument("--seasonality", default="none", choices=SEASONALITIES)
    parser.add_argument("--direction", default="both", choices=DIRECTIONS)
    parser.add_argument("--min-history", type=int, default=7)
    parser.add_argument("--window", type=int, default=60)
    parser.add_argument("--ignore-small-changes", type=float, default=0.0)
    parser.add_argument("--last", default="90d", help="how far back: 90d, 12w (default 90d)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=_cmd_backtest)


def _cmd_backtest(args: argparse.Namespace) -> int:
    from airflow_mlops.cli._common import print_rows, store_for
    from airflow_mlops.core.backtest import backtest, recorded_days
    from airflow_mlops.core.owners import parse_duration

    since = datetime.now(UTC) - parse_duration(args.last, where="--last")
    rows = store_for(args).check_series(key=args.key, name=args.check, since=since)
    if not rows:
        from airflow_mlops.cli._common import unknown_key_hint

        hint = (
            ""
            if store_for(args).profiles(key=args.key, limit=1)
            else unknown_key_hint(store_for(args), args.key)
        )
        raise InputError(
            f"no recorded results of check '{args.check}' for baseline key '{args.key}' in the last {args.last}"
            f"{hint}; list the keys with `airflow-mlops baseline keys` and the check names with "
            "`airflow-mlops runs list`."
        )
    days = recorded_days(rows)
    report = backtest(
        days, warn=args.warn, fail=args.fail, band=args.band, seasonality=args.seasonality,
        direction=args.direction, min_history=args.min_history, window=args.window,
        ignore_small_changes=args.ignore_small_changes,
    )  # fmt: skip
    table, recorded, again = report["days"], report["recorded"], report["replayed"]
    if args.json:
        print(json.dumps({"days": table, "recorded": recorded, "replayed": again}, indent=2, default=str))
        return 0
    print_rows(
        table, as_json=False, columns=("date", "run_id", "observed", "statistic", "recorded", "replayed")
    )
    for label, counts in (("recorded", recorded), ("replayed", again)):
        print(
            f"{label}: {counts['days']} days, {counts['warned']} warned, {counts['failed']} failed, "
            f"{counts['errored']} errored, {counts['incidents']} incidents"
        )
    return 0
