"""The Baselines page (keys, pins, pinning from the recorded profiles, the learned bands' training
rules) and the backtest page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from airflow_mlops.core.numbers import human
from airflow_mlops.plugins.pages.layout import action, badge, cell, e, page, when

__all__ = ["backtest_link", "render_backtest", "render_baselines", "training_forms"]


def training_forms(root: str, key: str) -> str:
    """The Baselines page's two actions on what a key's learned bands train on (both audited)."""
    hidden = f'<input type="hidden" name="key" value="{e(key)}">'
    reason = '<input name="reason" required maxlength="2000" placeholder="reason" size="16">'
    expected = action(
        f"{root}/api/v1/baselines/expected",
        "Was expected",
        fields=hidden
        + '<input name="run_id" required placeholder="run id" size="18" aria-label="run id">'
        + reason,
    )
    window = action(
        f"{root}/api/v1/baselines/exclude",
        "Exclude window",
        fields=hidden
        + '<input type="datetime-local" name="starts_at" required aria-label="from">'
        + '<input type="datetime-local" name="ends_at" required aria-label="to">'
        + reason,
    )
    return expected + window


def backtest_link(root: str, key: Any, result: Mapping[str, Any]) -> str:
    """A link from a compared check's row to its backtest, prefilled with its thresholds."""
    raw = result.get("threshold")
    threshold: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    if not key or result.get("statistic") is None:
        return ""
    params = {"key": key, "check": result["name"]}
    params |= {k: v for k, v in threshold.items() if k in ("warn", "fail") and v is not None}
    return f' <a class="muted" href="{e(root)}/backtest?{e(urlencode(params))}">backtest</a>'


def render_backtest(
    root: str, params: Mapping[str, Any], result: Mapping[str, Any] | None, error: str
) -> str:
    """The backtest page: the settings form (a GET form), what the recorded days would have given under
    them, day by day, next to what was recorded."""

    def field(name: str, label: str, size: int = 6) -> str:
        value = "" if params.get(name) is None else str(params[name])
        return f'<label>{e(label)} <input name="{e(name)}" value="{e(value)}" size="{size}"></label> '

    def choice(name: str, options: Sequence[str]) -> str:
        chosen = params.get(name)
        opts = "".join(f"<option{' selected' if o == chosen else ''}>{e(o)}</option>" for o in options)
        return f'<label>{e(name)} <select name="{e(name)}">{opts}</select></label> '

    band = " checked" if params.get("band") else ""
    form = (
        f'<form method="get" action="{e(root)}/backtest">'
        f'<input type="hidden" name="key" value="{e(params.get("key", ""))}">'
        f'<input type="hidden" name="check" value="{e(params.get("check", ""))}">'
        + field("warn", "warn")
        + field("fail", "fail")
        + f'<label><input type="checkbox" name="band" value="true"{band}> learned band (warn/fail in robust stds)</label> '
        + choice("seasonality", ("none", "day_of_week", "hour_of_day", "day_of_month", "auto"))
        + choice("direction", ("both", "up", "down"))
        + field("last_days", "last days", 4)
        + '<button type="submit">Replay</button></form>'
    )
    body = f"<h1>Backtest <code>{e(params.get('check', ''))}</code> of <code>{e(params.get('key', ''))}</code></h1>"
    body += (
        "<p class='muted'>The recorded results replayed under other thresholds (a learned band: from the "
        "observed values of the earlier days it lets pass). Nothing is re-run on the data.</p>" + form
    )
    if error:
        return page(root, "Backtest", body + f'<p class="result error">{e(error)}</p>', active="baselines")
    if result is None:
        return page(root, "Backtest", body, active="baselines")
    summary = "".join(
        f"<li><b>{e(label)}</b>: {s['warned']} warned, {s['failed']} failed, {s['errored']} errored, "
        f"{s['incidents']} incidents in {s['days']} days</li>"
        for label, s in (("recorded", result["recorded"]), ("replayed", result["replayed"]))
    )
    rows = "".join(
        f"<tr><td class=nowrap>{e(d['date'])}</td><td><code>{e(d['run_id'])}</code></td><td>{cell(d['observed'])}</td>"
        f"<td>{cell(d['statistic'])}</td><td>{badge(d['recorded'])}</td><td>{badge(d['replayed'])}</td></tr>"
        for d in result["days"]
    )
    table = (
        "<table><tr><th>date</th><th>run</th><th>observed</th><th>statistic</th><th>recorded</th>"
        f"<th>replayed</th></tr>{rows}</table>"
    )
    return page(root, "Backtest", body + f"<ul>{summary}</ul>" + table, active="baselines")


def _pin_choices(key: Mapping[str, Any]) -> str:
    """The key's recorded profiles to pin from (data date, status, rows), newest first; "latest" first."""
    options = ['<option value="">latest profile</option>'] + [
        f'<option value="{e(p["run_id"])}">{e(p.get("date") or "")} · {e(p["status"])}'
        f"{' · ' + human(p['row_count']) + ' rows' if p.get('row_count') is not None else ''} · {e(p['run_id'])}</option>"
        for p in key.get("recent_profiles") or []
    ]
    return f'<select name="run_id" aria-label="profile to pin">{"".join(options)}</select>'


def _pins(root: str, key: str, pins: Sequence[Mapping[str, Any]]) -> str:
    return "".join(
        f'<div class="pin" data-label="{e(p["label"])}"><b>{e(p["label"])}</b>: run <code>{e(p["run_id"])}</code> '
        f"by {e(p['pinned_by'])} at {when(p['pinned_at'])} — {e(p['reason'])} "
        + action(
            f"{root}/api/v1/baselines/unpin",
            "Unpin",
            fields=f'<input type="hidden" name="key" value="{e(key)}">'
            f'<input type="hidden" name="label" value="{e(p["label"])}">'
            '<input name="reason" required maxlength="2000" placeholder="reason">',
        )
        + "</div>"
        for p in pins
    )


def _key_card(root: str, k: Mapping[str, Any], pins: Sequence[Mapping[str, Any]]) -> str:
    key = str(k["key"])
    pin_form = action(
        f"{root}/api/v1/baselines/pin",
        "Pin",
        fields=f'<input type="hidden" name="key" value="{e(key)}">'
        '<input name="label" value="default" size="9" aria-label="label">'
        + _pin_choices(k)
        + '<input name="reason" required maxlength="2000" placeholder="reason" size="22">',
    )
    return (
        f'<section class="key-card" data-key="{e(key)}"><h2><code class=key>{e(key)}</code></h2>'
        f"<p class=muted>DAG {e(k['dag_id'])} · {e(k['kind'])} · {human(k['profiles'])} profile(s) · latest "
        f"{when(k['latest'])}</p><div><b>Pins</b>: {_pins(root, key, pins) or '<span class=muted>none</span>'}</div>"
        f"<div><b>Pin a profile</b> {pin_form}</div><div><b>Learned bands</b> {training_forms(root, key)}</div>"
        "</section>"
    )


def render_baselines(
    root: str,
    keys: Sequence[Mapping[str, Any]],
    pins: Sequence[Mapping[str, Any]],
    *,
    dag_id: str | None = None,
) -> str:
    """The Baselines page: one card per key with its pins, a pin form choosing from the key's recorded
    profiles, and the learned bands' training actions; ``dag_id``: only that DAG's keys (the DAG tab)."""
    pins_by_key: dict[str, list[Mapping[str, Any]]] = {}
    for pin in pins:
        pins_by_key.setdefault(str(pin["key"]), []).append(pin)
    cards = "".join(_key_card(root, k, pins_by_key.get(str(k["key"]), [])) for k in keys)
    scope = f" of DAG <code>{e(dag_id)}</code>" if dag_id else ""
    body = (
        f"<h1>Baselines{scope}</h1><p class='muted'>Each baseline key's recorded profiles and pins. A pinned "
        "profile is the baseline of <code>pinned</code> / <code>pinned:LABEL</code> policies; pinning and "
        "unpinning need edit permission on the DAG and are audited.</p>"
        + (cards or '<p class="muted">No baseline keys yet.</p>')
    )
    return page(root, "Baselines", body, active="baselines", dag_id=dag_id)
