"""``airflow-mlops models``: the model leaderboard of a metrics key, promotion and rollback."""

from __future__ import annotations

import argparse
import json
from typing import Any

from airflow_mlops.core.leaderboard import row_notes
from airflow_mlops.core.numbers import duration, human

__all__ = ["add_models_parser", "render_board_text"]


def add_models_parser(sub: Any) -> None:
    """Register ``models`` (``board``, ``promote``, ``rollback``) on the CLI's subparsers."""
    models = sub.add_parser("models", help="the model leaderboard: candidates, the champion, promotions")
    commands = models.add_subparsers(dest="models_command", required=True)
    board = commands.add_parser("board", help="every candidate of a model key against the champion")
    board.add_argument("--key", required=True, help="the metrics baseline key (airflow-mlops baseline keys)")
    board.add_argument("--metric", help="rank by this metric instead of the declared primary one")
    board.add_argument("--lower-is-better", action="store_true", help="with --metric: lower values win")
    board.add_argument("--json", action="store_true")
    board.set_defaults(func=_cmd_board)
    promote = commands.add_parser("promote", help="make a candidate the champion (audited)")
    promote.add_argument("--key", required=True)
    which = promote.add_mutually_exclusive_group(required=True)
    which.add_argument("--run-id", help="the candidate's run")
    which.add_argument(
        "--profile-id", type=int, help="the candidate's profile (the board's 'profile' column)"
    )
    promote.add_argument("--reason", required=True)
    promote.add_argument("--user")
    promote.set_defaults(func=_cmd_promote)
    rollback = commands.add_parser("rollback", help="make the previous champion champion again (audited)")
    rollback.add_argument("--key", required=True)
    rollback.add_argument("--reason", required=True)
    rollback.add_argument("--user")
    rollback.set_defaults(func=_cmd_rollback)


def _which(row: dict[str, Any]) -> str:
    """The candidate for people: its data's date, else its run id, else its profile id."""
    if row.get("data_date") or row.get("run_id"):
        return str(row.get("data_date") or row.get("run_id"))
    exported = f" of {row['exported_at'][:10]}" if row.get("exported_at") else ""
    return f"contract{exported}" if row["source"] == "notebook contract" else f"profile {row['profile_id']}"


def render_board_text(board: dict[str, Any]) -> str:
    """The board as text: the champion first, then the candidates by the primary metric; the promotions;
    the velocity."""
    primary = board["primary_metric"]
    direction = "higher is better" if primary["higher_is_better"] else "lower is better"
    others = [m for m in board["metrics"] if m != primary["name"]][:4]
    lines = [f"model {board['key']}: ranked by {primary['name']} ({direction})", ""]
    header = ["rank", primary["name"], *others, "source", "gate", "data / run", "note"]
    table = [header]
    for row in board["rows"]:
        note = "; ".join(text.upper() if kind == "champion" else text for kind, text in row_notes(row))
        table.append([
            str(row["rank"]), human(row["primary"]), *(human(row["metrics"].get(m)) for m in others),
            row["source"], row["gate_status"] or "-", _which(row), note[:90],
        ])  # fmt: skip
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table]
    lines += ["", "promotions (oldest first):"]
    for p in board["promotions"]:
        lines.append(
            f"  {p['at'][:16].replace('T', ' ')}  {p['by']}: {p['reason']}"
            + ("  (current)" if p["active"] else "")
        )
    v = board["velocity"]
    per = v["candidates_per_promotion"]
    lines += [
        "",
        f"velocity: export -> first production run {duration(v['export_to_production_s'])}; "
        f"export -> first promotion {duration(v['export_to_promotion_s'])}; "
        f"{v['candidates']} candidates, {v['promotions']} promotions"
        + (f" ({human(per)} candidates per promotion)" if per is not None else ""),
    ]
    return "\n".join(lines)


def _cmd_board(args: argparse.Namespace) -> int:
    from airflow_mlops.cli._common import store_for
    from airflow_mlops.leaderboard import load_board

    higher = (not args.lower_is_better) if args.metric else None
    board = load_board(store_for(args), args.key, metric=args.metric, higher_is_better=higher).to_dict()
    print(json.dumps(board, indent=2) if args.json else render_board_text(board))
    return 0


def _announce(pin: Any, key: str, by: str, reason: str) -> None:
    from airflow_mlops.leaderboard import emit_promotion_event

    print(f"champion of {key} is now profile {pin.profile_id} (pin {pin.id}, by {by})")
    try:
        print(emit_promotion_event(key, by=by, reason=reason))
    except Exception as exc:  # the metadata DB is not reachable from here: the pin stands, say so
        print(f"no asset event: Airflow's metadata DB is not reachable here ({type(exc).__name__}: {exc})")


def _cmd_promote(args: argparse.Namespace) -> int:
    from airflow_mlops.cli._common import store_for, user
    from airflow_mlops.leaderboard import promote

    who = user(args)
    pin = promote(
        store_for(args),
        args.key,
        run_id=args.run_id,
        profile_id=args.profile_id,
        user=who,
        reason=args.reason,
    )
    _announce(pin, args.key, who, args.reason)
    return 0


def _cmd_rollback(args: argparse.Namespace) -> int:
    from airflow_mlops.cli._common import store_for, user
    from airflow_mlops.leaderboard import rollback

    who = user(args)
    pin = rollback(store_for(args), args.key, user=who, reason=args.reason)
    _announce(pin, args.key, who, args.reason)
    return 0
