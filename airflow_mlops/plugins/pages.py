"""Server-rendered pages of the /mlops app: overview, triage, DAG, report and baselines.

Every data-derived value goes through :func:`html.escape` (attributes too) and every URL part through
:func:`urllib.parse.quote`; a link drawn from data (a runbook) is rendered only when it is an http(s)
URL, whole. The pages follow the Airflow 3 UI's look (Inter/system font, its blue, its light or dark
color mode, read from the host page's own setting) and need no build step. Mutations are ``fetch`` POSTs
with a JSON body from the one small script below (a cross-site HTML form cannot send JSON, which is the
CSRF defence the API enforces). That script and the stylesheet are served as files of the app
(:data:`ASSETS`), never inline, so the pages' Content-Security-Policy runs no inline script at all.
Pure Python: no Airflow import.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from airflow_mlops.plugins.charts import HistoryPoint, history_chart
from airflow_mlops.urls import allowed_url, report_path

__all__ = [
    "ASSETS",
    "render_baselines",
    "render_dag",
    "render_overview",
    "render_report",
    "render_triage",
]

GATE_STATUSES = ("PASSED", "WARNED", "FAILED", "ERRORED", "OVERRIDDEN")
_BADGE_CLASSES = {
    *GATE_STATUSES,
    "INFO",
    "NO_BASELINE",
    "open",
    "acknowledged",
    "snoozed",
    "resolved",
    "fail",
    "warn",
}
SNOOZE_CHOICES = ("30m", "1h", "4h", "1d", "3d")
_SNOOZE_SELECT = (
    '<select name="duration" aria-label="snooze for">'
    + "".join(f"<option>{d}</option>" for d in SNOOZE_CHOICES)
    + "</select>"
)


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def q(value: Any) -> str:
    return quote(str(value), safe="")


_CSS = """
:root{--fg:#1a202c;--muted:#4a5568;--bg:#fff;--panel:#f7fafc;--line:#e2e8f0;--link:#0174d9;
--band-warn:rgba(56,161,105,.18);--band-fail:rgba(214,158,46,.18)}
:root[data-theme=dark]{--fg:#e2e8f0;--muted:#a0aec0;--bg:#1a202c;--panel:#2d3748;--line:#4a5568;--link:#63b3ed;
--band-warn:rgba(72,187,120,.22);--band-fail:rgba(236,201,75,.2)}
@media (prefers-color-scheme: dark){:root:not([data-theme=light]){--fg:#e2e8f0;--muted:#a0aec0;--bg:#1a202c;
--panel:#2d3748;--line:#4a5568;--link:#63b3ed}}
body{font-family:Inter,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:16px 24px;
color:var(--fg);background:var(--bg);font-size:14px;line-height:1.45}
a{color:var(--link);text-decoration:none} a:hover{text-decoration:underline}
nav.tabs{display:flex;gap:16px;border-bottom:1px solid var(--line);margin-bottom:16px}
nav.tabs a{padding:8px 2px;color:var(--muted)} nav.tabs a.active{color:var(--fg);border-bottom:2px solid var(--link);font-weight:600}
h1{font-size:20px;font-weight:600;margin:8px 0} h2{font-size:16px;font-weight:600;margin:24px 0 8px}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{color:var(--muted);font-weight:600}
.badge{display:inline-block;border-radius:4px;padding:1px 8px;font-size:12px;font-weight:600;color:#fff;background:#718096}
.PASSED,.resolved{background:#38a169}.WARNED,.snoozed{background:#d69e2e}.FAILED,.ERRORED,.open{background:#e53e3e}
.OVERRIDDEN{background:#805ad5}.acknowledged{background:#3182ce}.fail{background:#e53e3e}.warn{background:#d69e2e}
.nowrap{white-space:nowrap}
.counts{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}
.count{border:1px solid var(--line);border-radius:6px;padding:6px 12px;background:var(--panel);color:var(--fg)}
.count b{font-size:18px;margin-right:6px}
.muted{color:var(--muted)} code{font-size:12px;word-break:break-word}
form.filters,form.action{display:inline-flex;gap:6px;align-items:center;margin:0}
input,select,button{font:inherit;font-size:13px;padding:3px 8px;border:1px solid var(--line);border-radius:4px;
background:var(--bg);color:var(--fg)}
button{cursor:pointer;background:var(--panel)} button.primary{background:#017cee;color:#fff;border-color:#017cee}
.owner{margin-top:20px;border:1px solid var(--line);border-radius:8px;padding:8px 12px}
.error{color:#e53e3e} .charts{display:flex;flex-wrap:wrap;gap:12px}
.chart-box{margin:0;border:1px solid var(--line);border-radius:8px;padding:6px;background:var(--panel)}
.chart text{fill:var(--muted);font-size:11px;font-family:inherit} .chart .chart-title{fill:var(--fg);font-weight:600}
.chart .series{fill:none;stroke:#017cee;stroke-width:2} .chart .baseline{fill:none;stroke:var(--fg);stroke-dasharray:4 3}
.chart .band-warn{fill:var(--band-warn)} .chart .band-fail{fill:var(--band-fail)}
.chart .limit-warn{stroke:#d69e2e;stroke-dasharray:5 3} .chart .limit-fail{stroke:#e53e3e;stroke-dasharray:5 3}
.chart .axis-line{stroke:var(--line)} .chart circle.current{stroke:var(--fg);stroke-width:2}
.legend{font-size:11px;color:var(--muted)} .sw{display:inline-block;width:14px;height:8px;margin:0 4px 0 8px;vertical-align:middle}
.sw.series{background:#017cee}.sw.baseline{border-top:2px dashed var(--fg);height:0}.sw.band-warn{background:var(--band-warn)}
.sw.band-fail{background:var(--band-fail)}.sw.limit-warn{border-top:2px dashed #d69e2e;height:0}.sw.limit-fail{border-top:2px dashed #e53e3e;height:0}
"""

# The host UI's color mode (same origin: the page is shown in the Airflow UI's iframe), then the actions.
_SCRIPT = """
try{var m=localStorage.getItem('chakra-ui-color-mode');if(m)document.documentElement.dataset.theme=m;}catch(_){}
document.addEventListener('submit',async function(ev){
  var f=ev.target; if(!f.dataset.post)return; ev.preventDefault();
  var body={}; new FormData(f).forEach(function(v,k){if(v!=='')body[k]=v;});
  var out=f.querySelector('.result'); if(out)out.textContent='…';
  var r=await fetch(f.dataset.post,{method:'POST',credentials:'same-origin',
    headers:{'Content-Type':'application/json'},body:JSON.stringify(body)});
  if(r.ok){location.reload();return;}
  var d=await r.json().catch(function(){return {detail:r.statusText};});
  if(out){out.textContent=typeof d.detail==='string'?d.detail:JSON.stringify(d.detail);out.className='result error';}
});
"""


#: The pages' static files, served by the app under ``{root}/static/``: name -> (media type, content).
ASSETS: dict[str, tuple[str, str]] = {
    "mlops.css": ("text/css", _CSS),
    "mlops.js": ("text/javascript", _SCRIPT),
}


def badge(status: Any) -> str:
    text = str(status)
    css = text if text in _BADGE_CLASSES else ""
    return f'<span class="badge {css}">{e(text)}</span>'


def _compact(value: Any) -> str:
    """A value as a reader wants it: 6 significant digits, dicts as ``key: value`` pairs."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_compact(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    return str(value)


def cell(value: Any, limit: int = 300) -> str:
    if value is None:
        return ""
    text = _compact(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"<code>{e(text)}</code>"


def page(root: str, title: str, body: str, *, active: str = "") -> str:
    tabs = "".join(
        f'<a href="{e(root)}/{href}" class="{"active" if key == active else ""}">{label}</a>'
        for key, href, label in (
            ("overview", "", "Overview"),
            ("triage", "triage", "Triage"),
            ("baselines", "baselines", "Baselines"),
        )
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'><title>{e(title)}</title>"
        f'<link rel="stylesheet" href="{e(root)}/static/mlops.css"><script src="{e(root)}/static/mlops.js">'
        "</script></head><body>"
        f'<nav class="tabs">{tabs}</nav>{body}</body></html>'
    )


def when(iso: str | None) -> str:
    """``2026-11-27 05:46:31`` (UTC) with the full ISO time as the tooltip."""
    if not iso:
        return ""
    return f'<time datetime="{e(iso)}" title="{e(iso)}">{e(iso[:19].replace("T", " "))}</time>'


def report_href(root: str, dag_id: str, run_id: str, task_id: str) -> str:
    return report_path(dag_id, run_id, task_id, root=root)


def age(then: str | None, now: datetime | None = None) -> str:
    if not then:
        return ""
    moment = datetime.fromisoformat(then)
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def external_link(url: Any, label: str) -> str:
    """A link to ``url`` when it is an http(s) URL (the whole URL; only ``label`` is shown), else ``""``."""
    href = allowed_url(url)
    if href is None:
        return ""
    return f'<a href="{e(href)}" title="{e(href)}" rel="noopener noreferrer" target="_blank">{e(label)}</a>'


def action(url: str, label: str, *, fields: str = "", primary: bool = False) -> str:
    css = ' class="primary"' if primary else ""
    return (
        f'<form class="action" data-post="{e(url)}">{fields}<button type="submit"{css}>{e(label)}</button>'
        '<span class="result"></span></form>'
    )


def audit_list(events: Sequence[Mapping[str, Any]]) -> str:
    """Audit events, newest first: when, who, what (and on which label or run), and their note."""
    if not events:
        return '<p class="muted">No one has acted on it yet.</p>'
    items = []
    for ev in events:
        target = f" <code>{e(ev['label'])}</code>" if ev.get("label") else ""
        if ev["action"] == "override" and ev.get("run_id"):
            target = f" run <code>{e(ev['run_id'])}</code>"
        note = f": {e(ev['note'])}" if ev.get("note") else ""
        items.append(f"<li>{when(ev['at'])} <b>{e(ev['actor'])}</b> {e(ev['action'])}{target}{note}</li>")
    return f'<ul class="audit">{"".join(items)}</ul>'


def incident_link(root: str, incident_id: Any) -> str:
    return f'<a href="{e(root)}/triage">#{e(incident_id)}</a>' if incident_id else ""


def _gates_table(root: str, gates: Sequence[Mapping[str, Any]]) -> str:
    if not gates:
        return '<p class="muted">No gate decisions match.</p>'
    rows = "".join(
        "<tr>"
        f"<td>{badge(g['status'])}</td>"
        f'<td><a href="{e(root)}/dag/{q(g["dag_id"])}">{e(g["dag_id"])}</a></td>'
        f'<td><a href="{e(report_href(root, g["dag_id"], g["run_id"], g["task_id"]))}">{e(g["task_id"])}</a></td>'
        f"<td class=nowrap>{e(g['owner'])}</td><td class=nowrap>{when(g['decided_at'])}</td><td>{e(g['message'])}</td>"
        f"<td>{incident_link(root, g.get('incident_id'))}</td>"
        "</tr>"
        for g in gates
    )
    return (
        "<table><tr><th>status</th><th>DAG</th><th>gate</th><th>owner</th><th>decided</th><th>why</th>"
        f"<th>incident</th></tr>{rows}</table>"
    )


def render_overview(
    root: str,
    listing: Mapping[str, Any],
    *,
    owner: str | None,
    dag_id: str | None,
    status: str | None,
) -> str:
    counts: Mapping[str, int] = listing["counts"]
    filters = {k: v for k, v in (("owner", owner), ("dag_id", dag_id)) if v}
    chips = "".join(
        f'<a class="count" href="{e(root)}/?{e(urlencode({**filters, "status": s}))}"><b>{counts.get(s, 0)}</b>'
        f"{badge(s)}</a>"
        for s in GATE_STATUSES
    )
    options = "".join(
        f'<option value="{s}"{" selected" if s == status else ""}>{s}</option>' for s in GATE_STATUSES
    )
    form = (
        f'<form class="filters" method="get" action="{e(root)}/">'
        f'<input name="owner" placeholder="owner" value="{e(owner or "")}">'
        f'<input name="dag_id" placeholder="DAG id" value="{e(dag_id or "")}">'
        f'<select name="status"><option value="">any status</option>{options}</select>'
        '<button type="submit">Filter</button></form>'
    )
    limit, offset = listing["limit"], listing["offset"]
    params = {**filters, **({"status": status} if status else {})}
    pager = []
    if offset > 0:
        pager.append(
            f'<a href="{e(root)}/?{e(urlencode({**params, "offset": max(0, offset - limit)}))}">← newer</a>'
        )
    if len(listing["gates"]) == limit:
        pager.append(f'<a href="{e(root)}/?{e(urlencode({**params, "offset": offset + limit}))}">older →</a>')
    total = sum(counts.values())
    body = (
        f"<h1>Quality gates</h1><p class='muted'>Latest decision of each of {total} gate(s), failing first.</p>"
        f'<div class="counts">{chips}</div>{form}{_gates_table(root, listing["gates"])}'
        f"<p>{' · '.join(pager)}</p>"
    )
    return page(root, "Quality gates", body, active="overview")


def _incident_rows(root: str, incidents: Sequence[Mapping[str, Any]], now: datetime) -> str:
    rows = []
    for i in incidents:
        base = f"{root}/api/v1/incidents/{i['id']}"
        actions = (
            action(f"{base}/ack", "Acknowledge", primary=True)
            + action(f"{base}/snooze", "Snooze", fields=_SNOOZE_SELECT)
            + action(f"{base}/resolve", "Resolve")
        )
        state = badge(i["status"])
        if i.get("acked_by"):
            state += f' <span class="muted">by {e(i["acked_by"])}</span>'
        if i.get("snoozed_until"):
            state += f' <span class="muted">until {e(i["snoozed_until"])}</span>'
        if i.get("audit"):
            state += (
                f"<details><summary>history ({len(i['audit'])})</summary>{audit_list(i['audit'])}</details>"
            )
        runbook = external_link(i.get("runbook_url"), "runbook")
        report = (
            f'<a href="{e(report_href(root, i["dag_id"], i["last_run_id"], i["gate_task_id"]))}">report</a>'
            if i.get("last_run_id")
            else ""
        )
        failing = ", ".join(str(c) for c in (i.get("failing_checks") or [])[:8])
        rows.append(
            f'<tr data-incident="{e(i["id"])}"><td>#{e(i["id"])}</td><td>{badge(i["severity"])}</td>'
            f"<td>{e(i['dag_id'])}.{e(i['gate_task_id'])}</td><td>{state}</td>"
            f"<td>{age(i['first_seen'], now)}</td><td>{e(i['count'])}</td>"
            f"<td class=nowrap>{when(i['first_seen'])}<br>{when(i['last_seen'])}</td><td>{cell(failing)}</td>"
            f"<td>{report} {runbook}</td><td>{actions}</td></tr>"
        )
    return (
        "<table><tr><th>id</th><th>severity</th><th>gate</th><th>state</th><th>age</th><th>count</th>"
        "<th>first / last seen</th><th>failing checks</th><th>links</th><th>actions</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def render_triage(root: str, incidents: Sequence[Mapping[str, Any]], *, owner: str | None) -> str:
    now = datetime.now(UTC)
    by_owner: dict[str, list[Mapping[str, Any]]] = {}
    for incident in incidents:
        by_owner.setdefault(str(incident["owner"]), []).append(incident)
    sections = "".join(
        f'<section class="owner" data-owner="{e(name)}"><h2>{e(name)} '
        f'<span class="muted">({len(items)} open)</span></h2>{_incident_rows(root, items, now)}</section>'
        for name, items in sorted(by_owner.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    )
    form = (
        f'<form class="filters" method="get" action="{e(root)}/triage">'
        f'<input name="owner" placeholder="owner" value="{e(owner or "")}"><button type="submit">Filter</button></form>'
    )
    body = (
        "<h1>Triage</h1><p class='muted'>Open, acknowledged and snoozed incidents by owning team. Acknowledge "
        "keeps repeats quiet; snooze silences until the time; resolve closes (a new failure opens a new "
        f"incident).</p>{form}" + (sections or '<p class="muted">No open incidents. 🎉</p>')
    )
    return page(root, "Triage", body, active="triage")


def render_dag(
    root: str, dag_id: str, gates: Sequence[Mapping[str, Any]], incidents: Sequence[Mapping[str, Any]],
    recent: Sequence[Mapping[str, Any]],
) -> str:  # fmt: skip
    now = datetime.now(UTC)
    runs = "".join(
        f"<tr><td>{badge(r['status'])}</td><td>{e(r['kind'])}</td>"
        f'<td><a href="{e(report_href(root, dag_id, r["run_id"], r["task_id"]))}">{e(r["task_id"])}</a></td>'
        f"<td>{e(r['run_id'])}</td><td class=nowrap>{when(r['finished_at'])}</td><td>{e(r['message'])}</td></tr>"
        for r in recent
    )
    body = (
        f"<h1>Quality of {e(dag_id)}</h1><h2>Gates</h2>{_gates_table(root, gates)}"
        "<h2>Open incidents</h2>"
        + (_incident_rows(root, incidents, now) if incidents else '<p class="muted">None.</p>')
        + "<h2>Recent check and gate runs</h2><table><tr><th>status</th><th>kind</th><th>task</th><th>run</th>"
        f"<th>finished</th><th>message</th></tr>{runs}</table>"
    )
    return page(root, f"Quality of {dag_id}", body, active="overview")


def _history_points(history: Iterable[Mapping[str, Any]], current_run: str) -> list[HistoryPoint]:
    return [
        HistoryPoint(
            run_id=str(h["run_id"]),
            status=str(h["status"]),
            observed=h.get("observed") if isinstance(h.get("observed"), int | float) else None,
            baseline=h.get("baseline") if isinstance(h.get("baseline"), int | float) else None,
            statistic=h.get("statistic"),
            band=h.get("band"),
            threshold=dict(h["threshold"]) if isinstance(h.get("threshold"), dict) else {},
            current=h["run_id"] == current_run,
            label=str(h.get("finished_at") or "")[:16].replace("T", " "),
        )
        for h in history
    ]


def _results_pager(root: str, report: Mapping[str, Any], default_limit: int) -> str:
    """Where this page is among the report's results, with links to the others ("results 201–400 of
    450 · ← previous · next →"); nothing when they fit on one page."""
    page = report.get("results_page") or {}
    offset, limit, total = page.get("offset", 0), page.get("limit", default_limit), page.get("total", 0)
    if offset == 0 and total <= limit:
        return ""
    href = report_href(root, report["dag_id"], report["run_id"], report["task_id"])

    def link(to: int, label: str) -> str:
        params = {"offset": to, **({"limit": limit} if limit != default_limit else {})}
        return f'<a href="{e(href)}?{e(urlencode(params))}">{label}</a>'

    parts = [
        f"results {offset + 1}–{min(offset + limit, total)} of {total}"
        if offset < total
        else f"no results from {offset + 1} on ({total} in all)"
    ]
    if offset > 0:
        parts.append(link(max(0, min(offset, total) - limit), "← previous"))
    if offset + limit < total:
        parts.append(link(offset + limit, "next →"))
    return f'<p class="pager">{" · ".join(parts)}</p>'


def render_report(root: str, report: Mapping[str, Any], *, default_limit: int = 200) -> str:
    """The report page; with ``results_page`` in ``report``, links to its other pages of results
    (``default_limit`` results per page unless ``?limit=`` says otherwise)."""
    is_gate = report["kind"] == "gate"
    title = f"{report['dag_id']}.{report['task_id']}"
    reasons = "".join(f"<li>{e(r)}</li>" for r in report.get("reasons") or [])
    if is_gate and not reasons:
        reasons = "<li>all upstream checks passed</li>"
    rows, charts = [], []
    for check in report["checks"]:
        task_label = check["task_id"] + (f"[{check['map_index']}]" if check["map_index"] >= 0 else "")
        for r in check["results"]:
            expected = r["expected"] if r["expected"] is not None else r["threshold"]
            rows.append(
                "<tr>"
                f'<td><a href="{e(report_href(root, report["dag_id"], report["run_id"], check["task_id"]))}">'
                f"{e(task_label)}</a></td><td>{e(r['name'])}</td><td>{badge(r['status'])}</td>"
                f"<td>{cell(r['observed'])}</td><td>{cell(expected)}</td><td>{cell(r['baseline'])}</td>"
                f"<td>{cell(r['statistic'])}</td><td>{cell(r['unexpected_sample'])}</td><td>{e(r['message'])}"
                f"{backtest_link(root, check.get('baseline_key'), r)}</td></tr>"
            )
            if r.get("history"):
                charts.append(
                    history_chart(
                        _history_points(r["history"], report["run_id"]), title=f"{task_label} · {r['name']}"
                    )
                )
    overrides = "".join(
        f"<li>{e(o['by'])} at {e(o['at'])}{' (active)' if o['active'] else ''}: {e(o['reason'])}</li>"
        for o in report.get("overrides") or []
    )
    runbook = external_link(report.get("runbook_url"), "runbook")
    header = f"<h1>{'Quality gate' if is_gate else 'Checks'} {e(title)} {badge(report['status'])}</h1>"
    meta = [f"run <code>{e(report['run_id'])}</code>"]
    if report.get("owner"):
        meta.append(f"owner <b>{e(report['owner'])}</b>")
    if report.get("incident_id"):
        meta.append(f'<a href="{e(root)}/triage">incident #{e(report["incident_id"])}</a>')
    if runbook:
        meta.append(runbook)
    if report.get("data_source"):
        meta.append(f"data {cell(report['data_source'], 120)}")
    body = header + f"<p>{' · '.join(meta)}</p>"
    if is_gate:
        body += f"<h2>Why</h2><ul>{reasons}</ul>"
    elif report.get("message"):
        body += f"<p>{e(report['message'])}</p>"
    pager = _results_pager(root, report, default_limit)
    body += (
        f"<h2>Checks</h2>{pager}<table><tr><th>task</th><th>check</th><th>status</th><th>observed</th>"
        "<th>expected / threshold</th><th>baseline</th><th>statistic</th><th>unexpected sample</th>"
        f"<th>message</th></tr>{''.join(rows)}</table>{pager}"
    )
    if charts:
        body += (
            "<h2>History versus the baseline</h2><p class='muted'>Last runs of each check, this run ringed. "
            "Shaded: the band each threshold allows around the baseline.</p>"
            f'<div class="charts">{"".join(charts)}</div>'
        )
    body += f"<h2>Audit trail</h2>{audit_list(report.get('audit') or [])}"
    if is_gate:
        body += f"<h2>Overrides</h2><ul>{overrides or '<li>none</li>'}</ul>"
        if report["status"] in ("FAILED", "ERRORED"):
            reason = (
                '<input name="reason" required maxlength="2000" placeholder="reason (audited)" size="40">'
            )
            fields = (
                f'<input type="hidden" name="dag_id" value="{e(report["dag_id"])}">'
                f'<input type="hidden" name="run_id" value="{e(report["run_id"])}">'
                f'<input type="hidden" name="task_id" value="{e(report["task_id"])}">{reason}'
            )
            body += (
                action(f"{root}/api/v1/overrides", "Override this gate", fields=fields)
                + "<p class='muted'>Then clear the gate task in Airflow: it re-runs and decides OVERRIDDEN.</p>"
            )
    return page(root, f"Report {title}", body, active="overview")


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


def render_baselines(root: str, keys: Sequence[Mapping[str, Any]], pins: Sequence[Mapping[str, Any]]) -> str:
    pins_by_key: dict[str, list[Mapping[str, Any]]] = {}
    for pin in pins:
        pins_by_key.setdefault(str(pin["key"]), []).append(pin)
    rows = []
    for k in keys:
        key = str(k["key"])
        pinned = "".join(
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
            for p in pins_by_key.get(key, [])
        )
        pin_form = action(
            f"{root}/api/v1/baselines/pin",
            "Pin",
            fields=f'<input type="hidden" name="key" value="{e(key)}">'
            '<input name="label" value="default" size="9" aria-label="label">'
            '<input name="run_id" placeholder="run id (empty: latest)" size="22" aria-label="run id">'
            '<input name="reason" required maxlength="2000" placeholder="reason" size="22">',
        )
        rows.append(
            f'<tr data-key="{e(key)}"><td><code>{e(key)}</code></td><td>{e(k["dag_id"])}</td><td>{e(k["kind"])}</td>'
            f"<td>{e(k['profiles'])}</td><td class=nowrap>{when(k['latest'])}</td><td>{pinned or '<span class=muted>none</span>'}"
            f"</td><td>{pin_form}</td><td>{training_forms(root, key)}</td></tr>"
        )
    body = (
        "<h1>Baselines</h1><p class='muted'>Each baseline key's recorded profiles and pins. A pinned profile "
        "is the baseline of <code>pinned</code> / <code>pinned:LABEL</code> policies; pinning and unpinning "
        "need edit permission on the DAG and are audited.</p>"
        "<table><tr><th>key</th><th>DAG</th><th>kind</th><th>profiles</th><th>latest</th><th>pins</th>"
        f"<th>pin a run</th><th>learned bands</th></tr>{''.join(rows)}</table>"
    )
    return page(root, "Baselines", body, active="baselines")
