"""The Models page: a metrics key's leaderboard (the champion first, candidates by the primary metric),
its chart over time with the champion's line and each promotion, promote and rollback, velocity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from airflow_mlops.core.leaderboard import row_notes
from airflow_mlops.core.numbers import duration, human
from airflow_mlops.plugins.charts import MetricPoint, metric_chart
from airflow_mlops.plugins.pages.layout import action, badge, e, page, report_href, when

__all__ = ["render_models"]

_NOTE_HTML = {
    "champion": "<b>{}</b>",
    "beats": "<b class=beats>{}</b>",
    "was": "{}",
    "failed": '<span class="error">{}</span>',
}
_REASON = '<input name="reason" required maxlength="2000" placeholder="reason (audited)" size="18">'


def _chart(board: Mapping[str, Any]) -> str:
    """Candidates oldest first, each with the champion's value at its time (from the promotions)."""
    by_id = {r["profile_id"]: r for r in board["rows"]}
    promotions = sorted(board["promotions"], key=lambda p: p["at"])
    points = []
    for row in sorted(board["rows"], key=lambda r: r["recorded_at"] or ""):
        then = [p for p in promotions if p["at"] <= (row["recorded_at"] or "")]
        champ = by_id.get(then[-1]["profile_id"]) if then else None
        promoted = any(p["profile_id"] == row["profile_id"] for p in promotions)
        tip = f"{(row['recorded_at'] or '')[:10]} {row['run_id'] or row['source']}: {human(row['primary'])} ({row['gate_status'] or '-'})"
        points.append(MetricPoint(label=(row["recorded_at"] or "")[:10], value=row["primary"],
                                  champion=champ["primary"] if champ else None,
                                  status=row["gate_status"] or "NO_BASELINE", tip=tip, promoted=promoted))  # fmt: skip
    return metric_chart(points, title=f"{board['primary_metric']['name']} per candidate")


def _row(root: str, board: Mapping[str, Any], row: Mapping[str, Any], others: Sequence[str]) -> str:
    key = board["key"]
    notes = [_NOTE_HTML[kind].format(e(text)) for kind, text in row_notes(row)]
    run = row["run_id"]
    link = e(run or "")
    if run and row["dag_id"] and row.get("gate_task_id"):
        link = f'<a href="{e(report_href(root, row["dag_id"], run, row["gate_task_id"]))}">{e(run)}</a>'
    if run and row["dag_id"] and row.get("data_task_id"):
        link += (
            f' · <a href="{e(report_href(root, row["dag_id"], run, row["data_task_id"]))}">data profile</a>'
        )
    promote = "" if row["champion"] else action(
        f"{root}/api/v1/models/promote", "Promote",
        fields=f'<input type="hidden" name="key" value="{e(key)}">'
        f'<input type="hidden" name="profile_id" value="{e(row["profile_id"])}">{_REASON}',
    )  # fmt: skip
    css = "champion" if row["champion"] else ("beats" if row["beats_champion"] else "")
    cells = "".join(f"<td>{e(human(row['metrics'].get(m)))}</td>" for m in others)
    return (
        f'<tr class="{css}" data-profile="{e(row["profile_id"])}"><td>{e(row["rank"])}</td>'
        f"<td><b>{e(human(row['primary']))}</b></td>{cells}<td>{e(row['source'])}</td>"
        f"<td>{badge(row['gate_status'] or '-')}</td><td class=nowrap><b>{e(row.get('data_date') or '')}</b><br>{link}</td>"
        f"<td>{' · '.join(notes)}</td><td>{promote}</td></tr>"
    )


def _board(root: str, board: Mapping[str, Any]) -> str:
    primary = board["primary_metric"]
    others = [m for m in board["metrics"] if m != primary["name"]][:6]
    head = "".join(f"<th>{e(m)}</th>" for m in others)
    rows = "".join(_row(root, board, r, others) for r in board["rows"])
    direction = "higher is better" if primary["higher_is_better"] else "lower is better"
    v = board["velocity"]
    per = v["candidates_per_promotion"]
    velocity = (
        f"<p><b>Velocity</b>: export → first production run {duration(v['export_to_production_s'])}; "
        f"export → first promotion {duration(v['export_to_promotion_s'])}; {v['candidates']} candidates, "
        f"{v['promotions']} promotions"
        + (f" ({human(per)} candidates per promotion)" if per is not None else "")
        + "</p>"
    )
    promotions = "".join(
        f"<li>{when(p['at'])} profile {e(p['profile_id'])} by <b>{e(p['by'])}</b>: {e(p['reason'])}"
        + (" (current)" if p["active"] else "") + "</li>"
        for p in reversed(board["promotions"])
    )  # fmt: skip
    rollback = action(
        f"{root}/api/v1/models/rollback", "Roll back to the previous champion",
        fields=f'<input type="hidden" name="key" value="{e(board["key"])}">{_REASON}',
    )  # fmt: skip
    return (
        f"<h2>{e(board['key'])}</h2><p class=muted>ranked by <b>{e(primary['name'])}</b> ({direction}); "
        "the champion first, candidates that beat it highlighted.</p>"
        f"{velocity}{_chart(board)}<table class=board><tr><th>rank</th><th>{e(primary['name'])}</th>{head}"
        f"<th>source</th><th>gate</th><th>data / run</th><th>note</th><th>action</th></tr>{rows}</table>"
        f"<h3>Promotions</h3><ul>{promotions or '<li>none yet</li>'}</ul>{rollback}"
    )


def render_models(
    root: str, keys: Sequence[Mapping[str, Any]], board: Mapping[str, Any] | None, error: str, *,
    dag_id: str | None = None,
) -> str:  # fmt: skip
    """The Models page: the metrics keys (of ``dag_id``), and the chosen key's board (or why there is none)."""
    links = " · ".join(
        f'<a href="{e(root)}/models?{e(urlencode({"key": k["key"], **({"dag_id": dag_id} if dag_id else {})}))}">'
        f"{e(k['key'])}</a>"
        for k in keys
    )
    scope = f" of DAG <code>{e(dag_id)}</code>" if dag_id else ""
    body = (
        f"<h1>Models{scope}</h1><p>{links or '<span class=muted>No model metrics recorded (yet).</span>'}</p>"
    )
    if error:
        body += f'<p class="result error">{e(error)}</p>'
    if board is not None:
        body += _board(root, board)
    return page(root, "Models", body, active="models", dag_id=dag_id)
