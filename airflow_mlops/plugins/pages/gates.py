"""The overview (every gate's latest decision), triage (open incidents by owner) and a DAG's tab."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from airflow_mlops.plugins.pages.layout import (
    GATE_STATUSES,
    SNOOZE_SELECT,
    action,
    age,
    audit_list,
    badge,
    cell,
    data_and_run,
    e,
    external_link,
    incident_link,
    page,
    q,
    report_href,
    when,
)

__all__ = ["render_dag", "render_overview", "render_triage"]

_NOTE = (
    '<input name="note" maxlength="2000" placeholder="note or ticket (optional)" size="14" aria-label="note">'
)


def _gates_table(root: str, gates: Sequence[Mapping[str, Any]]) -> str:
    if not gates:
        return '<p class="muted">No gate decisions match.</p>'
    rows = "".join(
        "<tr>"
        f"<td>{badge(g['status'])}</td>"
        f'<td><a href="{e(root)}/dag/{q(g["dag_id"])}">{e(g["dag_id"])}</a></td>'
        f'<td><a href="{e(report_href(root, g["dag_id"], g["run_id"], g["task_id"]))}">{e(g["task_id"])}</a></td>'
        f"<td class=nowrap>{data_and_run(g.get('data_date'), g['run_id'])}</td>"
        f"<td class=nowrap>{e(g['owner'])}</td><td class=nowrap>{when(g['decided_at'])}</td><td>{e(g['message'])}</td>"
        f"<td>{incident_link(root, g.get('incident_id'))}</td>"
        "</tr>"
        for g in gates
    )
    return (
        "<table><tr><th>status</th><th>DAG</th><th>gate</th><th>data / run</th><th>owner</th><th>decided</th>"
        f"<th>why</th><th>incident</th></tr>{rows}</table>"
    )


def _pager(root: str, listing: Mapping[str, Any], params: Mapping[str, str]) -> str:
    limit, offset = listing["limit"], listing["offset"]
    links = []
    if offset > 0:
        links.append(
            f'<a href="{e(root)}/?{e(urlencode({**params, "offset": max(0, offset - limit)}))}">← newer</a>'
        )
    if len(listing["gates"]) == limit:
        links.append(f'<a href="{e(root)}/?{e(urlencode({**params, "offset": offset + limit}))}">older →</a>')
    return f"<p>{' · '.join(links)}</p>"


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
    params = {**filters, **({"status": status} if status else {})}
    total = sum(counts.values())
    body = (
        f"<h1>Quality gates</h1><p class='muted'>Latest decision of each of {total} gate(s), failing first.</p>"
        f'<div class="counts">{chips}</div>{form}{_gates_table(root, listing["gates"])}'
        + _pager(root, listing, params)
    )
    return page(root, "Quality gates", body, active="overview", dag_id=dag_id)


def _incident_actions(root: str, incident: Mapping[str, Any]) -> str:
    """Acknowledge, snooze and resolve, each with an optional note; a button that would change nothing
    is disabled and says why (an acknowledged incident cannot be acknowledged again)."""
    base = f"{root}/api/v1/incidents/{incident['id']}"
    acked = incident["status"] == "acknowledged"
    return (
        action(f"{base}/ack", "Acknowledge", fields=_NOTE, primary=True,
               disabled=f"acknowledged by {incident.get('acked_by')}" if acked else None)
        + action(f"{base}/snooze", "Snooze" if incident["status"] != "snoozed" else "Snooze again",
                 fields=SNOOZE_SELECT + _NOTE)
        + action(f"{base}/resolve", "Resolve", fields=_NOTE)
    )  # fmt: skip


def _incident_state(incident: Mapping[str, Any]) -> str:
    state = badge(incident["status"])
    if incident["status"] == "acknowledged" and incident.get("acked_by"):
        state += f' <span class="muted">by {e(incident["acked_by"])}</span>'
    if incident["status"] == "snoozed" and incident.get("snoozed_until"):
        who = f" by {e(incident['snoozed_by'])}" if incident.get("snoozed_by") else ""
        state += f' <span class="muted">until {when(incident["snoozed_until"])}{who}</span>'
    if incident.get("note"):
        state += f'<div class="note">“{e(incident["note"])}”</div>'
    if incident.get("audit"):
        state += f"<details><summary>history ({len(incident['audit'])})</summary>{audit_list(incident['audit'])}</details>"
    return state


def _incident_rows(root: str, incidents: Sequence[Mapping[str, Any]], now: datetime) -> str:
    rows = []
    for i in incidents:
        runbook = external_link(i.get("runbook_url"), "runbook")
        report = (
            f'<a href="{e(report_href(root, i["dag_id"], i["last_run_id"], i["gate_task_id"]))}">report</a>'
            if i.get("last_run_id")
            else ""
        )
        failing = cell(", ".join(str(c) for c in (i.get("failing_checks") or [])[:8]))
        failing += "".join(f'<div class="error">ERRORED {e(why)}</div>' for why in i.get("errored") or [])
        rows.append(
            f'<tr data-incident="{e(i["id"])}"><td>#{e(i["id"])}</td><td>{badge(i["severity"])}</td>'
            f"<td>{e(i['dag_id'])}.{e(i['gate_task_id'])}</td>"
            f"<td class=nowrap>{data_and_run(i.get('data_date'), i.get('last_run_id') or '')}</td>"
            f"<td>{_incident_state(i)}</td><td>{age(i['first_seen'], now)}</td><td>{e(i['count'])}</td>"
            f"<td class=nowrap>{when(i['first_seen'])}<br>{when(i['last_seen'])}</td><td>{failing}</td>"
            f"<td>{report} {runbook}</td><td>{_incident_actions(root, i)}</td></tr>"
        )
    return (
        "<table><tr><th>id</th><th>severity</th><th>gate</th><th>data / last run</th><th>state</th><th>age</th>"
        "<th>count</th><th>first / last seen</th><th>failing checks</th><th>links</th><th>actions</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def render_triage(
    root: str, incidents: Sequence[Mapping[str, Any]], *, owner: str | None, dag_id: str | None = None
) -> str:
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
        f'<input name="owner" placeholder="owner" value="{e(owner or "")}">'
        f'<input name="dag_id" placeholder="DAG id" value="{e(dag_id or "")}"><button type="submit">Filter</button></form>'
    )
    scope = f" of DAG <code>{e(dag_id)}</code>" if dag_id else ""
    body = (
        f"<h1>Triage{scope}</h1><p class='muted'>Open, acknowledged and snoozed incidents by owning team. "
        "Acknowledge keeps repeats quiet; snooze silences until the time; resolve closes (a new failure opens "
        f"a new incident). A note (a ticket id) is shown here, in the report and in the CLI.</p>{form}"
        + (sections or '<p class="muted">No open incidents. 🎉</p>')
    )
    return page(root, "Triage", body, active="triage", dag_id=dag_id)


def render_dag(
    root: str, dag_id: str, gates: Sequence[Mapping[str, Any]], incidents: Sequence[Mapping[str, Any]],
    recent: Sequence[Mapping[str, Any]],
) -> str:  # fmt: skip
    now = datetime.now(UTC)
    runs = "".join(
        f"<tr><td>{badge(r['status'])}</td><td>{e(r['kind'])}</td>"
        f'<td><a href="{e(report_href(root, dag_id, r["run_id"], r["task_id"]))}">{e(r["task_id"])}</a></td>'
        f"<td class=nowrap>{data_and_run(r.get('data_date'), r['run_id'])}</td>"
        f"<td class=nowrap>{when(r['finished_at'])}</td><td>{e(r['message'])}</td></tr>"
        for r in recent
    )
    scope = urlencode({"dag_id": dag_id})
    links = (
        f'<p><a href="{e(root)}/triage?{e(scope)}">Triage of this DAG</a> · '
        f'<a href="{e(root)}/baselines?{e(scope)}">Baselines of this DAG</a></p>'
    )
    body = (
        f"<h1>Quality of {e(dag_id)}</h1>{links}<h2>Gates</h2>{_gates_table(root, gates)}"
        "<h2>Open incidents</h2>"
        + (_incident_rows(root, incidents, now) if incidents else '<p class="muted">None.</p>')
        + "<h2>Recent check and gate runs</h2><table><tr><th>status</th><th>kind</th><th>task</th>"
        f"<th>data / run</th><th>finished</th><th>message</th></tr>{runs}</table>"
    )
    return page(root, f"Quality of {dag_id}", body, active="overview", dag_id=dag_id)
