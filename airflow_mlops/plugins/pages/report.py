"""The report page of a gate (its decision and upstream checks) or of a check task: which data, which
baseline and why, every check failing first, the evidence, the history, the audit trail and overrides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from airflow_mlops.core.numbers import RATE_CHECK_TYPES, expected_text, human
from airflow_mlops.plugins.charts import HistoryPoint, history_chart
from airflow_mlops.plugins.evidence import render_evidence
from airflow_mlops.plugins.pages.baselines import backtest_link
from airflow_mlops.plugins.pages.layout import (
    action,
    audit_list,
    badge,
    cell,
    e,
    external_link,
    page,
    report_href,
    when,
)

__all__ = ["baseline_block", "render_report"]


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
            label=str(h.get("data_date") or str(h.get("finished_at") or "")[:16].replace("T", " ")),
        )
        for h in history
    ]


def _results_pager(root: str, report: Mapping[str, Any], default_limit: int) -> str:
    """Where this page is among the report's results, with links to the others ("results 201–400 of
    450 · ← previous · next →"); nothing when they fit on one page."""
    page_ = report.get("results_page") or {}
    offset, limit, total = page_.get("offset", 0), page_.get("limit", default_limit), page_.get("total", 0)
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


def _baseline_run(root: str, run: Mapping[str, Any]) -> str:
    rows = f", {human(run['row_count'])} rows" if run.get("row_count") is not None else ""
    link = f' <a href="{e(root)}{e(run["report"])}">report</a>' if run.get("report") else ""
    date = f"<b>{e(run['date'])}</b> " if run.get("date") else ""
    return f"<li>{date}<code>{e(run.get('run_id') or run.get('source'))}</code> {badge(run['status'])}{rows}{link}</li>"


def baseline_block(root: str, baseline: Mapping[str, Any] | None) -> str:
    """ "Compared with": the pin (label, who, why) or the run(s), and why those were chosen."""
    if not baseline:
        return ""
    pin = baseline.get("pin")
    head = f"<b>Compared with</b> <code>{e(baseline.get('policy'))}</code> of key <code class=key>{e(baseline.get('key'))}</code>"
    parts = [f"<div>{head}: {e(baseline.get('why'))}.</div>"]
    if pin:
        parts.append(
            f"<div>pinned as <b>{e(pin['label'])}</b> by {e(pin['pinned_by'])} at {when(pin['pinned_at'])}: "
            f"<span class=note>“{e(pin['reason'])}”</span></div>"
        )
    runs = baseline.get("runs") or []
    if runs:
        more = f"<li class=muted>and {baseline['more_runs']} more</li>" if baseline.get("more_runs") else ""
        parts.append(f"<ul>{''.join(_baseline_run(root, r) for r in runs)}{more}</ul>")
    return f'<div class="baseline">{"".join(parts)}</div>'


def _task_label(check: Mapping[str, Any]) -> str:
    """A check task as the report names it: ``validate``, or ``validate[3]`` for a mapped one."""
    return check["task_id"] + (f"[{check['map_index']}]" if check["map_index"] >= 0 else "")


def _engine(result: Mapping[str, Any]) -> str:
    """Which engine evaluated a validation result (``native`` or ``gx``), when it was recorded."""
    engine = result.get("engine")
    return (
        f' <span class="muted engine" title="evaluated by the {e(engine)} engine">{e(engine)}</span>'
        if engine
        else ""
    )


def _result_row(root: str, report: Mapping[str, Any], check: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    task_label = _task_label(check)
    rate = r.get("check_type") in RATE_CHECK_TYPES
    message = f"<b>{e(r['message'])}</b>" if r["status"] == "ERRORED" else e(r["message"])
    return (
        "<tr>"
        f'<td><a href="{e(report_href(root, report["dag_id"], report["run_id"], check["task_id"]))}">'
        f"{e(task_label)}</a></td><td>{e(r['name'])}{_engine(r)}</td><td>{badge(r['status'])}</td>"
        f"<td>{cell(r['observed'], rate=rate)}</td><td>{e(expected_text(r))}</td>"
        f"<td>{cell(r['baseline'], rate=rate)}</td><td>{cell(r['statistic'])}</td>"
        f"<td>{cell(r['unexpected_sample'])}</td><td>{message}"
        f"{backtest_link(root, check.get('baseline_key'), r)}</td></tr>"
    )


def _evidence_of(task_label: str, result: Mapping[str, Any]) -> str:
    """A result's evidence under its name: open for a failed or warned check, folded for the rest."""
    html = render_evidence(result)
    if not html:
        return ""
    title = f"{e(task_label)} · {e(result['name'])} {badge(result['status'])}"
    opened = " open" if result["status"] in ("FAILED", "WARNED", "ERRORED") else ""
    return f'<details class="evidence-of"{opened}><summary>{title}</summary>{html}</details>'


def _checks_section(root: str, report: Mapping[str, Any], default_limit: int) -> tuple[str, list[str]]:
    rows, charts, compared, evidence = [], [], [], []
    for check in report["checks"]:
        task_label = _task_label(check)
        if check.get("baseline"):
            compared.append(f"<h3>{e(task_label)}</h3>{baseline_block(root, check['baseline'])}")
        for r in check["results"]:
            rows.append(_result_row(root, report, check, r))
            evidence.append(_evidence_of(task_label, r))
            if r.get("history"):
                points = _history_points(r["history"], report["run_id"])
                charts.append(history_chart(points, title=f"{task_label} · {r['name']}"))
    pager = _results_pager(root, report, default_limit)
    shown = "".join(evidence)
    html = (
        (f"<h2>Baselines</h2>{''.join(compared)}" if compared else "")
        + (f"<h2>What changed versus the baseline</h2>{shown}" if shown else "")
        + f"<h2>Checks</h2><p class='muted'>Failing first, then warned, then the rest.</p>{pager}"
        "<table><tr><th>task</th><th>check</th><th>status</th><th>observed</th><th>expected / threshold</th>"
        "<th>baseline</th><th>statistic</th><th>unexpected sample</th><th>message</th></tr>"
        f"{''.join(rows)}</table>{pager}"
    )
    return html, charts


def _header(root: str, report: Mapping[str, Any]) -> str:
    is_gate = report["kind"] == "gate"
    title = f"{report['dag_id']}.{report['task_id']}"
    header = f"<h1>{'Quality gate' if is_gate else 'Checks'} {e(title)} {badge(report['status'])}</h1>"
    data = (
        f"data of <b>{e(report['data_date'])}</b>" if report.get("data_date") else "data of an unknown date"
    )
    meta = []
    if report.get("owner"):
        meta.append(f"owner <b>{e(report['owner'])}</b>")
    meta.append(_incident_note(root, report))
    runbook = external_link(report.get("runbook_url"), "runbook")
    if runbook:
        meta.append(runbook)
    if report.get("data_source"):
        meta.append(f"source {cell(report['data_source'], 120)}")
    lines = f"<p class=data-date>{data}</p><p class=muted>run <code>{e(report['run_id'])}</code></p>"
    return header + lines + f"<p>{' · '.join(m for m in meta if m)}</p>"


def _incident_note(root: str, report: Mapping[str, Any]) -> str:
    incident = report.get("incident")
    if not report.get("incident_id"):
        return ""
    link = f'<a href="{e(root)}/triage?{e(urlencode({"dag_id": report["dag_id"]}))}">incident #{e(report["incident_id"])}</a>'
    if not incident:
        return link
    state = f" {badge(incident['status'])}"
    if incident.get("acked_by") and incident["status"] == "acknowledged":
        state += f" by {e(incident['acked_by'])}"
    if incident.get("note"):
        state += f' <span class="note">“{e(incident["note"])}”</span>'
    return link + state


def _override_section(root: str, report: Mapping[str, Any]) -> str:
    overrides = "".join(
        f"<li>{e(o['by'])} at {e(o['at'])}{' (active)' if o['active'] else ''}: {e(o['reason'])}</li>"
        for o in report.get("overrides") or []
    )
    body = f"<h2>Overrides</h2><ul>{overrides or '<li>none</li>'}</ul>"
    if report["status"] not in ("FAILED", "ERRORED"):
        return body
    fields = (
        f'<input type="hidden" name="dag_id" value="{e(report["dag_id"])}">'
        f'<input type="hidden" name="run_id" value="{e(report["run_id"])}">'
        f'<input type="hidden" name="task_id" value="{e(report["task_id"])}">'
        '<input name="reason" required maxlength="2000" placeholder="reason (audited)" size="40">'
    )
    return (
        body
        + action(f"{root}/api/v1/overrides", "Override this gate", fields=fields)
        + "<p class='muted'>Then clear the gate task in Airflow: it re-runs and decides OVERRIDDEN.</p>"
    )


def render_report(root: str, report: Mapping[str, Any], *, default_limit: int = 200) -> str:
    """The report page; with ``results_page`` in ``report``, links to its other pages of results
    (``default_limit`` results per page unless ``?limit=`` says otherwise)."""
    is_gate = report["kind"] == "gate"
    body = _header(root, report)
    if is_gate:
        reasons = "".join(f"<li>{e(r)}</li>" for r in report.get("reasons") or [])
        body += f"<h2>Why</h2><ul>{reasons or '<li>all upstream checks passed</li>'}</ul>"
    elif report.get("message"):
        body += f"<p>{e(report['message'])}</p>"
    checks, charts = _checks_section(root, report, default_limit)
    body += checks
    if charts:
        body += (
            "<h2>History versus the baseline</h2><p class='muted'>Last runs of each check by the data's date, "
            "this run ringed. Shaded: the band each threshold allows around the baseline.</p>"
            f'<div class="charts">{"".join(charts)}</div>'
        )
    body += f"<h2>Audit trail</h2>{audit_list(report.get('audit') or [])}"
    if is_gate:
        body += _override_section(root, report)
    title = f"{report['dag_id']}.{report['task_id']}"
    return page(root, f"Report {title}", body, active="overview", dag_id=report["dag_id"])
