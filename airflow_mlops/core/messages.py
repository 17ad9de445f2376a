"""The content of alerts: one subject, one JSON payload and one content (:class:`AlertContent`), worded
as the report page is, rendered as plain text, HTML (every data value escaped) and Slack blocks.

Links are checked again here, where they are sent: a report or runbook URL that is not http(s) (say, one
stored before the checks at parse and load time existed) is left out, never sent as a link.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airflow_mlops.core.numbers import RATE_CHECK_TYPES, expected_text, human
from airflow_mlops.core.results import MAX_LISTED, json_safe
from airflow_mlops.urls import allowed_url

__all__ = [
    "BASELINE_RUNS",
    "COLUMNS",
    "SUBJECT_CHECKS",
    "VALUE_LABELS",
    "VALUE_LIMIT",
    "AlertCheck",
    "AlertContent",
    "alert_content",
    "alert_payload",
    "alert_subject",
    "data_date",
    "render_html",
    "render_slack_blocks",
    "render_text",
    "slack_text",
    "with_allowed_links",
]

_TITLES = {
    "new": "FAILED",
    "reminder": "STILL FAILING",
    "escalation": "ESCALATED",
    "resolved": "RESOLVED",
    "digest": "WARNINGS DIGEST",
}


#: At most this many failing checks are named in a subject, then "+N more".
SUBJECT_CHECKS = 3


def alert_subject(
    kind: str,
    *,
    severity: str,
    dag_id: str,
    gate_task_id: str,
    owner: str | None,
    data_date: str | None = None,
    checks: Sequence[str] = (),
) -> str:
    """``[team] FAILED 2026-11-05 dag.gate: ks(flipper_length_mm), row_count``: a mail client tells
    incidents apart by the data's date and the failing checks. Without them (digests):
    ``[team] FAILED: quality gate dag.gate``."""
    title = _TITLES.get(kind, kind.upper())
    if kind in ("new", "reminder") and severity == "warn":
        title = "WARNING" if kind == "new" else "STILL WARNING"
    team = f"[{owner}] " if owner else ""
    if data_date is None and not checks:
        return f"{team}{title}: quality gate {dag_id}.{gate_task_id}"
    named = list(dict.fromkeys(checks))
    listed = ", ".join(named[:SUBJECT_CHECKS]) + (
        f" +{len(named) - SUBJECT_CHECKS} more" if len(named) > SUBJECT_CHECKS else ""
    )
    when = f" {data_date}" if data_date else ""
    return f"{team}{title}{when} {dag_id}.{gate_task_id}" + (f": {listed}" if listed else "")


def data_date(logical_date: datetime | None, run_after: datetime | None) -> str | None:
    """The data's date for people: the logical date, or a manual run's ``run_after`` labelled as such."""
    if logical_date is not None:
        return logical_date.date().isoformat()
    if run_after is not None:
        return f"{run_after.date().isoformat()} (manual run)"
    return None


def alert_payload(
    *,
    kind: str,
    incident_id: int | None,
    owner: str | None,
    team_name: str | None,
    dag_id: str,
    gate_task_id: str,
    run_id: str,
    severity: str,
    failing: Sequence[Mapping[str, Any]],
    first_seen: str | None,
    count: int,
    report_url: str | None,
    runbook_url: str | None,
    triage_url: str | None = None,
    data_date: str | None = None,
    decision: str | None = None,
    reasons: Sequence[str] = (),
    baselines: Sequence[Mapping[str, Any]] = (),
    results: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON every channel receives (webhooks get it as is, PagerDuty as its custom details).

    :param data_date: the data's date for people (:func:`data_date`).
    :param decision: the gate's status (``FAILED``, ``WARNED``, ``PASSED`` ...).
    :param reasons: the gate's reasons, as on the report page.
    :param baselines: one per upstream comparison: ``task_id`` with the ``baseline`` its summary
        recorded (``key``, ``policy``, ``why``, ``run_ids``).
    :param results: ``"task_id:check"`` -> ``check_type``, ``threshold`` and ``statistic`` of that result.
    """
    return json_safe(
        {
            "kind": kind,
            "incident_id": incident_id,
            "owner": owner,
            "team": team_name or owner,
            "dag_id": dag_id,
            "gate_task_id": gate_task_id,
            "run_id": run_id,
            "data_date": data_date,
            "decision": decision,
            "severity": severity,
            "reasons": list(reasons)[:MAX_LISTED],
            "more_reasons": max(0, len(reasons) - MAX_LISTED),
            "failing_checks": [_payload_check(f, results or {}) for f in list(failing)[:MAX_LISTED]],
            "more_failing_checks": max(0, len(failing) - MAX_LISTED),
            "baselines": [_payload_baseline(b) for b in list(baselines)[:MAX_LISTED]],
            "first_seen": first_seen,
            "count": count,
            "report_url": allowed_url(report_url),
            "triage_url": allowed_url(triage_url),
            "runbook_url": allowed_url(runbook_url),
        },
        max_str=300,
    )


def _payload_check(f: Mapping[str, Any], results: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A failing check as the payload carries it, with its result's type, threshold and statistic."""
    more = results.get(f"{f.get('task_id')}:{f.get('check')}", {})
    return {
        "task_id": f.get("task_id"),
        "check": f.get("check"),
        "check_type": more.get("check_type"),
        "status": f.get("status"),
        "observed": f.get("observed"),
        "expected": f.get("expected"),
        "threshold": more.get("threshold"),
        "baseline": f.get("baseline"),
        "statistic": more.get("statistic"),
        "message": f.get("message"),
    }


def _payload_baseline(b: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "task_id": b.get("task_id"),
        "key": b.get("key"),
        "policy": b.get("policy"),
        "why": b.get("why"),
        "run_ids": list(b.get("run_ids") or [])[:MAX_LISTED],
    }


def with_allowed_links(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` with every top-level ``*_url`` that is not an http(s) URL set to None: what a channel
    is given at delivery, whenever the payload was queued."""
    return {k: allowed_url(v) if str(k).endswith("_url") else v for k, v in payload.items()}


# -- one content, three renderings (text, HTML, Slack blocks) ------------------------------------------
#: A check's values, in the words of the CLI report's lines; :data:`COLUMNS` heads them as the report
#: page's table does (in the HTML part and on Slack).
VALUE_LABELS = ("observed", "expected", "baseline", "statistic")
COLUMNS = {"expected": "expected / threshold"}
#: A value shown in an alert is cut after this many characters (the report page has it whole).
VALUE_LIMIT = 200
#: At most this many of a rolling baseline's runs are named.
BASELINE_RUNS = 5


@dataclass(frozen=True, kw_only=True)
class AlertCheck:
    """One failing or warned check as an alert shows it: ``values`` are (label, text) pairs."""

    status: str
    label: str
    values: tuple[tuple[str, str], ...]
    message: str


@dataclass(frozen=True, kw_only=True)
class AlertContent:
    """What every rendering of an alert says, worded once (the report page's words), numbers for people.

    ``title`` is the first line (decision, gate, data date), ``run`` the second."""

    title: str
    run: str | None
    decision: str
    data_date: str | None
    owner: str
    incident: str | None
    reasons: tuple[str, ...]
    checks: tuple[AlertCheck, ...]
    more_checks: int
    baselines: tuple[str, ...]
    links: tuple[tuple[str, str], ...]


def _cut(text: str) -> str:
    return text if len(text) <= VALUE_LIMIT else text[: VALUE_LIMIT - 1] + "…"


def _check(f: Mapping[str, Any]) -> AlertCheck:
    rate = f.get("check_type") in RATE_CHECK_TYPES
    shown = {
        "observed": human(f.get("observed"), rate=rate),
        # a baseline check has no expected value: its thresholds are what it expects
        "expected": expected_text(f),
        "baseline": human(f.get("baseline"), rate=rate),
        "statistic": human(f.get("statistic")),  # as the report shows it
    }
    return AlertCheck(
        status=str(f.get("status") or ""),
        label=f"{f.get('task_id')} / {f.get('check')}",
        values=tuple((label, _cut(shown[label])) for label in VALUE_LABELS if shown[label]),
        message=str(f.get("message") or ""),
    )


def _baseline(b: Mapping[str, Any]) -> str:
    """``compare compared with previous_success of orders.compare: the latest earlier run (…) whose …``,
    as the CLI report says it; a rolling baseline's runs are named."""
    runs = [str(r) for r in b.get("run_ids") or []]
    named = ""
    if len(runs) > 1:
        named = "; runs " + ", ".join(runs[:BASELINE_RUNS])
        named += f" +{len(runs) - BASELINE_RUNS} more" if len(runs) > BASELINE_RUNS else ""
    why = f": {b['why']}" if b.get("why") else ""
    return f"{b.get('task_id')} compared with {b.get('policy')} of {b.get('key')}{why}{named}"


def _moment(value: Any) -> str:
    """An ISO timestamp as people read it (``2026-11-05 02:00 UTC``); anything else as it is."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if moment.tzinfo is not None else "")


def alert_content(payload: Mapping[str, Any]) -> AlertContent:
    """The content of an alert from its payload (a payload queued before a field existed lacks it: the
    line is left out). Links are checked again here."""
    decision = str(payload.get("decision") or _TITLES.get(str(payload.get("kind")), "")).upper()
    gate = f"{payload.get('dag_id')}.{payload.get('gate_task_id')}" if payload.get("dag_id") else ""
    # "data of an unknown date" only when the gate said so; a payload queued before the field, says nothing
    when = payload.get("data_date") or ("of an unknown date" if "data_date" in payload else None)
    incident = None
    if payload.get("incident_id") is not None:
        incident = (
            f"incident #{payload['incident_id']}: first seen {_moment(payload.get('first_seen'))}, "
            f"seen {payload.get('count')} time(s)"
        )
    reasons = [str(r) for r in payload.get("reasons") or []]
    if payload.get("more_reasons"):
        reasons.append(f"+{payload['more_reasons']} more")
    links = [
        (label, url)
        for label, key in (
            ("Gate report", "report_url"),
            ("Triage", "triage_url"),
            ("Runbook", "runbook_url"),
        )
        if (url := allowed_url(payload.get(key)))
    ]
    return AlertContent(
        title="  ".join(p for p in (decision, gate, f"data {when}" if when else "") if p),
        run=f"run {payload['run_id']}" if payload.get("run_id") else None,
        decision=decision,
        data_date=payload.get("data_date") or None,
        owner=f"{payload.get('team')} ({payload.get('owner')})",
        incident=incident,
        reasons=tuple(reasons),
        checks=tuple(_check(f) for f in payload.get("failing_checks") or []),
        more_checks=int(payload.get("more_failing_checks") or 0),
        baselines=tuple(_baseline(b) for b in payload.get("baselines") or []),
        links=tuple(links),
    )


def render_text(payload: Mapping[str, Any]) -> str:
    """The plain-text alert: the e-mail's text part, the Slack fallback, the CLI's wording."""
    c = alert_content(payload)
    lines = [c.title, *([c.run] if c.run else []), f"owner {c.owner}", *([c.incident] if c.incident else [])]
    if c.reasons:
        lines += ["", "Why"] + [f"  - {r}" for r in c.reasons]
    if c.checks:
        lines += ["", "Checks"]
    for check in c.checks:
        lines.append(f"{check.status:<11} {check.label}")
        if check.values:
            lines.append("            " + "; ".join(f"{label} {text}" for label, text in check.values))
        if check.message:
            lines.append(f"            {check.message}")
    if c.more_checks:
        lines.append(f"... and {c.more_checks} more")
    if c.baselines:
        lines += ["", "Baseline"] + [f"  - {b}" for b in c.baselines]
    if c.links:
        lines += ["", *(f"{label}: {url}" for label, url in c.links)]
    return "\n".join(lines)


def render_html(payload: Mapping[str, Any]) -> str:
    """The e-mail's HTML part: the text part's content as a page. Every value is escaped."""
    e = html.escape
    c = alert_content(payload)
    columns = [COLUMNS.get(label, label) for label in VALUE_LABELS]
    head = "".join(f"<th>{e(h)}</th>" for h in ("check", "status", *columns, "message"))
    rows = "".join(
        f"<tr><td>{e(check.label)}</td><td><b>{e(check.status)}</b></td>"
        + "".join(f"<td>{e(dict(check.values).get(label, ''))}</td>" for label in VALUE_LABELS)
        + f"<td>{e(check.message)}</td></tr>"
        for check in c.checks
    )
    more = f"<p>... and {c.more_checks} more</p>" if c.more_checks else ""
    parts = [
        f"<p><b>{e(c.title)}</b>"
        + (f"<br>{e(c.run)}" if c.run else "")
        + f"<br>owner {e(c.owner)}"
        + (f"<br>{e(c.incident)}" if c.incident else "")
        + "</p>"
    ]
    if c.reasons:
        parts.append("<h3>Why</h3><ul>" + "".join(f"<li>{e(r)}</li>" for r in c.reasons) + "</ul>")
    if c.checks:
        parts.append(
            "<h3>Checks</h3><table border='1' cellpadding='4' cellspacing='0'>"
            f"<tr>{head}</tr>{rows}</table>{more}"
        )
    if c.baselines:
        parts.append("<h3>Baseline</h3><ul>" + "".join(f"<li>{e(b)}</li>" for b in c.baselines) + "</ul>")
    parts += [f"<p><a href='{e(url, quote=True)}'>{e(label)}</a></p>" for label, url in c.links]
    return "".join(parts)


# -- Slack Block Kit: read on a phone --------------------------------------------------------------
#: Block Kit's limits: header text, section text, a field, a button's label.
_SLACK_HEADER, _SLACK_TEXT, _SLACK_FIELD, _SLACK_BUTTON = 150, 3000, 2000, 75


def _slack_escaped(text: str, limit: int) -> str:
    """``&``, ``<`` and ``>`` escaped as Slack asks (a value never becomes a link or a mention), in at
    most ``limit`` characters: the text is cut, never an entity."""
    entities = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
    escaped = "".join(entities.get(c, c) for c in text)
    if len(escaped) <= limit:
        return escaped
    kept, size = [], 0
    for c in text:
        piece = entities.get(c, c)
        if size + len(piece) > limit - 1:
            break
        kept.append(piece)
        size += len(piece)
    return "".join(kept) + "…"


def _mrkdwn(text: str, limit: int = _SLACK_TEXT) -> dict[str, str]:
    return {"type": "mrkdwn", "text": _slack_escaped(text, limit)}


def slack_text(subject: str, payload: Mapping[str, Any]) -> str:
    """The Slack message's ``text``: the notification and fallback for clients that show no blocks."""
    return _slack_escaped(f"{subject}\n{render_text(payload)}", _SLACK_TEXT)


def render_slack_blocks(subject: str, payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Block Kit blocks: a header with the subject; decision, data date and owner; one section per
    failing check with its values as fields; the baseline; buttons to the report and triage."""
    c = alert_content(payload)
    facts = [("Decision", c.decision), ("Data", c.data_date or "—"), ("Owner", c.owner)]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject[:_SLACK_HEADER], "emoji": False}},
        {"type": "section", "fields": [_mrkdwn(f"*{k}*\n{v}", _SLACK_FIELD) for k, v in facts]},
    ]
    if c.run or c.incident:
        blocks.append({"type": "context", "elements": [_mrkdwn(t) for t in (c.run, c.incident) if t]})
    if c.reasons:
        blocks.append(
            {"type": "section", "text": _mrkdwn("*Why*\n" + "\n".join(f"• {r}" for r in c.reasons))}
        )
    for check in c.checks:
        section: dict[str, Any] = {
            "type": "section",
            "text": _mrkdwn(
                f"*{check.status}* {check.label}" + (f"\n{check.message}" if check.message else "")
            ),
        }
        if check.values:
            section["fields"] = [
                _mrkdwn(f"*{COLUMNS.get(label, label)}*\n{text}", _SLACK_FIELD)
                for label, text in check.values
            ]
        blocks.append(section)
    if c.more_checks:
        blocks.append({"type": "context", "elements": [_mrkdwn(f"... and {c.more_checks} more")]})
    if c.baselines:
        blocks.append(
            {"type": "section", "text": _mrkdwn("*Baseline*\n" + "\n".join(f"• {b}" for b in c.baselines))}
        )
    if c.links:
        buttons = [
            {"type": "button", "text": {"type": "plain_text", "text": label[:_SLACK_BUTTON]}, "url": url}
            for label, url in c.links
        ]
        buttons[0]["style"] = "primary"
        blocks.append({"type": "actions", "elements": buttons})
    return blocks
