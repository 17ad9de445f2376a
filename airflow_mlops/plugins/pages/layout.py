"""The pages' layout and pieces: the stylesheet and script (:data:`ASSETS`), the page frame, and the
small renderers every page uses (badges, cells, links, action buttons, audit lists).

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
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from airflow_mlops.core.numbers import full, human
from airflow_mlops.core.results import GATE_STATUSES
from airflow_mlops.urls import allowed_url, report_path

__all__ = [
    "ASSETS",
    "GATE_STATUSES",
    "SNOOZE_CHOICES",
    "SNOOZE_SELECT",
    "action",
    "age",
    "audit_list",
    "badge",
    "cell",
    "data_and_run",
    "e",
    "external_link",
    "incident_link",
    "page",
    "q",
    "report_href",
    "when",
]

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
SNOOZE_SELECT = (
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
.sw.band-fail{background:var(--band-fail)}
button[disabled]{cursor:not-allowed;opacity:.5} .note{font-style:italic}
.baseline{border-left:3px solid var(--line);padding:2px 10px;margin:6px 0} .key{overflow-wrap:anywhere}
section.key-card{border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:12px 0}
section.key-card h2{margin:0 0 4px;font-size:14px;word-break:normal;overflow-wrap:anywhere}
.evidence{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start;margin:6px 0 16px}
.evidence table{width:auto}
table.board tr.champion{background:var(--panel)} table.board tr.beats td:nth-child(2){color:#38a169}
.beats{color:#38a169}.sw.limit-warn{border-top:2px dashed #d69e2e;height:0}.sw.limit-fail{border-top:2px dashed #e53e3e;height:0}
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


def cell(value: Any, limit: int = 300, *, rate: bool = False) -> str:
    """A value for people (:func:`~airflow_mlops.core.numbers.human`: ``39.7 %``, ``0.21``), its full
    precision on hover; cut at ``limit`` characters."""
    if value is None:
        return ""
    text = human(value, rate=rate)
    if len(text) > limit:
        text = text[:limit] + "…"
    return f'<code title="{e(full(value)[:2000])}">{e(text)}</code>'


def data_and_run(data_date: str | None, run_id: str) -> str:
    """The data's date on the first line (what a person looks for), the run id on the second."""
    run = f'<code class="muted">{e(run_id)}</code>'
    return f"<b>{e(data_date)}</b><br>{run}" if data_date else run


def page(root: str, title: str, body: str, *, active: str = "", dag_id: str | None = None) -> str:
    """The page around ``body``: the app's tabs (filtered to ``dag_id`` when the page is a DAG's)."""
    scope = f"?{urlencode({'dag_id': dag_id})}" if dag_id else ""
    tabs = "".join(
        f'<a href="{e(root)}/{href}{e(scope)}" class="{"active" if key == active else ""}">{label}</a>'
        for key, href, label in (
            ("overview", "", "Overview"),
            ("triage", "triage", "Triage"),
            ("baselines", "baselines", "Baselines"),
            ("models", "models", "Models"),
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


def action(
    url: str, label: str, *, fields: str = "", primary: bool = False, disabled: str | None = None
) -> str:
    """A button that POSTs its form's fields as JSON to ``url``; ``disabled``: why it cannot be used now
    (shown on hover; the button is greyed out and sends nothing)."""
    css = ' class="primary"' if primary and not disabled else ""
    off = f' disabled title="{e(disabled)}"' if disabled else ""
    return (
        f'<form class="action" data-post="{e(url)}">{fields}<button type="submit"{css}{off}>{e(label)}</button>'
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
