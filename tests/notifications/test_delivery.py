"""Delivery through Airflow's own notifiers to real endpoints on loopback: SMTP, Slack webhook, JSON webhook.

PagerDuty's Events API lives at a fixed public address that this machine cannot reach, so its test checks
the event our notifier builds and that an unreachable PagerDuty is retried, logged and recorded as failed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from airflow_mlops.core.messages import alert_payload
from airflow_mlops.core.owners import Channel
from airflow_mlops.notifications.delivery import build_notifier, channel_key, deliver
from airflow_mlops.store import ResultsStore

REPORT = "http://airflow.local/mlops/report/orders/scheduled__2026-11-05/gate"
TRIAGE = "http://airflow.local/mlops/triage?dag_id=orders"
RUNBOOK = "https://runbooks.example.com/orders"
BASELINE_RUN = "scheduled__2026-11-04T00:00:00+00:00"
#: What a gate sends when a comparison's NullRate fails and a validation's expectation warns.
PAYLOAD = alert_payload(
    kind="new",
    incident_id=7,
    owner="ml-platform",
    team_name="ML Platform",
    dag_id="orders",
    gate_task_id="gate",
    run_id="scheduled__2026-11-05T00:00:00+00:00",
    severity="fail",
    failing=[
        {
            "task_id": "compare",
            "check": "null_rate(amount)",
            "status": "FAILED",
            "observed": 0.2,
            "expected": None,
            "baseline": 0.004,
            "message": "null rate 20.00% vs 0.40% (+19.60%)",
        },
        {
            "task_id": "validate",
            "check": "expect_column_values_to_be_between(amount)",
            "status": "WARNED",
            "observed": {"unexpected_count": 12, "unexpected_percent": 0.6},
            "expected": {"min_value": 0, "max_value": 10_000},
            "baseline": None,
            "message": "12 unexpected values <script>",
        },
    ],
    first_seen="2026-11-06T02:00:00+00:00",
    count=1,
    report_url=REPORT,
    triage_url=TRIAGE,
    runbook_url=RUNBOOK,
    data_date="2026-11-05",
    decision="FAILED",
    reasons=["compare: null_rate(amount) FAILED: null rate 20.00% vs 0.40% (+19.60%)"],
    baselines=[
        {
            "task_id": "compare",
            "key": "orders.compare",
            "policy": "previous_success",
            "why": f"the latest earlier run ({BASELINE_RUN}) whose checks or gate passed (warned runs left out)",
            "run_ids": [BASELINE_RUN],
            "profile_ids": [3],
        }
    ],
    results={
        "compare:null_rate(amount)": {
            "check_type": "NullRate",
            "threshold": {"warn": 0.01, "fail": 0.05},
            "statistic": 0.196,
        },
    },
)
SUBJECT = "[ml-platform] FAILED 2026-11-05 orders.gate: null_rate(amount)"
BASELINE_LINE = (
    "compare compared with previous_success of orders.compare: the latest earlier run "
    f"({BASELINE_RUN}) whose checks or gate passed (warned runs left out)"
)


@pytest.fixture
def store(sqlite_url: str) -> ResultsStore:
    return ResultsStore(sqlite_url)


def queue(store: ResultsStore, channel: Channel, subject: str = SUBJECT) -> int:
    return store.add_notification(
        owner="ml-platform",
        kind="new",
        run_id="r1",
        channel=channel_key(channel),
        subject=subject,
        payload=PAYLOAD,
    )


def test_slack_gets_block_kit_blocks_that_read_on_a_phone_and_a_text_fallback() -> None:
    notifier = build_notifier(Channel(type="slack", conn_id="mlops_slack"), subject=SUBJECT, payload=PAYLOAD)
    header, facts, context, why, failed, warned, baseline, actions = notifier.blocks  # type: ignore[attr-defined]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": SUBJECT, "emoji": False}}
    assert [f["text"] for f in facts["fields"]] == [
        "*Decision*\nFAILED",
        "*Data*\n2026-11-05",
        "*Owner*\nML Platform (ml-platform)",
    ]
    assert [e["text"] for e in context["elements"]] == [
        "run scheduled__2026-11-05T00:00:00+00:00",
        "incident #7: first seen 2026-11-06 02:00 UTC, seen 1 time(s)",
    ]
    assert why["text"]["text"].startswith("*Why*\n• compare: null_rate(amount) FAILED")
    # each failing check: status and name, then observed vs expected (the thresholds) as fields
    assert (
        failed["text"]["text"] == "*FAILED* compare / null_rate(amount)\nnull rate 20.00% vs 0.40% (+19.60%)"
    )
    assert [f["text"] for f in failed["fields"]] == [
        "*observed*\n20.0 %",
        "*expected / threshold*\nwarn 1.0 % · fail 5.0 %",
        "*baseline*\n0.4 %",
        "*statistic*\n0.196",
    ]
    assert warned["text"]["text"].endswith("12 unexpected values &lt;script&gt;")  # never markup
    assert [f["text"] for f in warned["fields"]] == [
        "*observed*\nunexpected_count: 12, unexpected_percent: 0.6",
        "*expected / threshold*\nmin_value: 0, max_value: 10,000",
    ]
    assert baseline["text"]["text"] == f"*Baseline*\n• {BASELINE_LINE}"
    assert [(b["text"]["text"], b["url"]) for b in actions["elements"]] == [
        ("Gate report", REPORT),
        ("Triage", TRIAGE),
        ("Runbook", RUNBOOK),
    ]
    assert notifier.text.startswith(f"{SUBJECT}\nFAILED  orders.gate  data 2026-11-05\nrun ")  # type: ignore[attr-defined]


def test_slack_goes_through_the_slack_providers_webhook_notifier(store, webhook_sink, monkeypatch) -> None:
    slack_url = f"http://127.0.0.1:{webhook_sink.port}/services/T000/B000/XXX"
    monkeypatch.setenv(
        "AIRFLOW_CONN_MLOPS_SLACK", f'{{"conn_type": "slackwebhook", "password": "{slack_url}"}}'
    )
    channel = Channel(type="slack", conn_id="mlops_slack")
    notification = queue(store, channel)
    report = deliver(store, [notification], [channel], backoff=0)
    assert report == [(notification, True, None)]
    [post] = webhook_sink.posts
    assert post["blocks"] == build_notifier(channel, subject=SUBJECT, payload=PAYLOAD).blocks  # type: ignore[attr-defined]
    text = post["text"]
    assert "compare / null_rate(amount)" in text and "data 2026-11-05" in text and BASELINE_LINE in text
    assert f"Runbook: {RUNBOOK}" in text and post["unfurl_links"] is False
    assert store.notifications(ids=[notification])[0].status == "sent"


def test_email_has_a_text_and_an_html_part_with_the_same_content(store, smtp_sink) -> None:
    import html

    channel = Channel(type="email", conn_id="mlops_smtp", to=("oncall@example.com",))
    notification = queue(store, channel)
    assert deliver(store, [notification], [channel], backoff=0).failed == []
    [message] = smtp_sink.messages
    assert message["To"] == "oncall@example.com" and message["Subject"] == SUBJECT
    assert message["From"] == "mlops@test.local"  # the SMTP connection's from_email
    assert message.get_content_type() == "multipart/alternative"
    parts = smtp_sink.parts()
    text, page = parts["text/plain"], parts["text/html"]
    assert text.splitlines()[:2] == [
        "FAILED  orders.gate  data 2026-11-05",
        "run scheduled__2026-11-05T00:00:00+00:00",
    ]
    assert (
        "FAILED      compare / null_rate(amount)\n"
        "            observed 20.0 %; expected warn 1.0 % · fail 5.0 %; baseline 0.4 %; statistic 0.196\n"
        "            null rate 20.00% vs 0.40% (+19.60%)\n"
    ) in text
    assert f"Baseline\n  - {BASELINE_LINE}\n" in text
    assert f"Gate report: {REPORT}\nTriage: {TRIAGE}\nRunbook: {RUNBOOK}" in text
    assert "&lt;script&gt;" in page and "<script>" not in page
    for line in ("FAILED  orders.gate  data 2026-11-05", BASELINE_LINE, "warn 1.0 % · fail 5.0 %",
                 "12 unexpected values <script>", "incident #7: first seen 2026-11-06 02:00 UTC"):  # fmt: skip
        assert line in text and line in html.unescape(page)
    assert f"<a href='{html.escape(TRIAGE)}'>Triage</a>" in page


def test_a_channels_from_email_wins_over_the_connections(store, smtp_sink) -> None:
    channel = Channel(
        type="email",
        conn_id="mlops_smtp",
        to=("oncall@example.com",),
        options={"from_email": "dq@corp.example"},
    )
    assert deliver(store, [queue(store, channel)], [channel], backoff=0).failed == []
    assert smtp_sink.messages[0]["From"] == "dq@corp.example"


def test_the_json_webhook_receives_data_date_baseline_and_each_checks_evidence(store, webhook_sink) -> None:
    channel = Channel(type="webhook", conn_id="mlops_webhook")
    assert deliver(store, [queue(store, channel)], [channel], backoff=0).failed == []
    [post] = webhook_sink.posts
    assert post["subject"] == SUBJECT and post["data_date"] == "2026-11-05" and post["decision"] == "FAILED"
    assert post["reasons"] == PAYLOAD["reasons"] and post["triage_url"] == TRIAGE
    assert post["baselines"] == [
        {
            "task_id": "compare",
            "key": "orders.compare",
            "policy": "previous_success",
            "why": PAYLOAD["baselines"][0]["why"],
            "run_ids": [BASELINE_RUN],
        }
    ]
    failed, warned = post["failing_checks"]
    assert failed == {
        "task_id": "compare",
        "check": "null_rate(amount)",
        "check_type": "NullRate",
        "status": "FAILED",
        "observed": 0.2,
        "expected": None,
        "threshold": {"warn": 0.01, "fail": 0.05},
        "baseline": 0.004,
        "statistic": 0.196,
        "message": "null rate 20.00% vs 0.40% (+19.60%)",
    }
    assert warned["expected"] == {"min_value": 0, "max_value": 10_000} and warned["threshold"] is None


def test_a_payload_queued_before_these_fields_still_renders() -> None:
    """Notifications queued by an older version lack data_date, decision, baselines, thresholds."""
    old = {
        "kind": "new",
        "severity": "fail",
        "dag_id": "orders",
        "gate_task_id": "gate",
        "run_id": "manual__2026-11-27",
        "incident_id": 7,
        "owner": "ml-platform",
        "team": "ML Platform",
        "first_seen": "2026-11-27T02:00:00+00:00",
        "count": 1,
        "report_url": REPORT,
        "runbook_url": RUNBOOK,
        "failing_checks": [{"task_id": "validate", "check": "c", "status": "FAILED", "observed": "12 nulls"}],
    }
    for kind in ("email", "slack"):
        notifier = build_notifier(Channel(type=kind, conn_id="x", to=("a@b.c",)), subject="s", payload=old)  # type: ignore[arg-type]
        text = notifier.text  # type: ignore[attr-defined]
        assert "FAILED  orders.gate\nrun manual__2026-11-27\n" in text and "observed 12 nulls" in text


def test_pagerduty_event_is_deduplicated_per_incident_and_resolves() -> None:
    channel = Channel(type="pagerduty", conn_id="mlops_pd")
    notifier = build_notifier(channel, subject=SUBJECT, payload=PAYLOAD)
    assert (notifier.severity, notifier.action, notifier.dedup_key) == (
        "critical",
        "trigger",
        "airflow-mlops-7",
    )
    assert notifier.source == "orders.gate" and notifier.custom_details["owner"] == "ml-platform"
    resolved = build_notifier(
        channel, subject="[RESOLVED] orders.gate", payload={**PAYLOAD, "kind": "resolved"}
    )
    assert (resolved.action, resolved.dedup_key) == ("resolve", "airflow-mlops-7")


@pytest.mark.parametrize("kind", ["webhook", "pagerduty"])
def test_a_queued_payload_never_sends_a_link_that_is_not_http(kind: str) -> None:
    """A payload stored before the URL checks existed: the link is dropped where it is sent."""
    hostile = {**PAYLOAD, "runbook_url": "javascript:alert(1)", "report_url": "data:text/html,<b>x</b>"}
    notifier = build_notifier(Channel(type=kind, conn_id="x"), subject="[FAIL] orders.gate", payload=hostile)  # type: ignore[arg-type]
    sent = notifier.payload if kind == "webhook" else notifier.custom_details  # type: ignore[attr-defined]
    assert sent["runbook_url"] is None and sent["report_url"] is None and sent["dag_id"] == "orders"


def test_unreachable_pagerduty_is_retried_logged_and_recorded_never_raised(
    store, monkeypatch, caplog
) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_MLOPS_PD", '{"conn_type": "pagerduty_events", "password": "routing-key"}'
    )
    channel = Channel(type="pagerduty", conn_id="mlops_pd")
    notification = queue(store, channel)
    with caplog.at_level(logging.WARNING, logger="airflow_mlops.notifications.delivery"):
        report = deliver(store, [notification], [channel], attempts=2, backoff=0)
    assert [(nid, sent) for nid, sent, _ in report] == [(notification, False)]
    row = store.notifications(ids=[notification])[0]
    assert (row.status, row.attempts) == ("failed", 2) and row.error
    assert "(try 1/2)" in caplog.text and "(try 2/2)" in caplog.text


def test_a_channel_removed_from_the_registry_is_recorded_as_failed(store) -> None:
    gone = Channel(type="webhook", conn_id="old_hook")
    notification = queue(store, gone)
    [(_, sent, error)] = deliver(store, [notification], [], backoff=0)
    assert not sent and error == "channel webhook:old_hook is no longer in the owner registry"


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made here (no download), valid for a day."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, key_file = directory / "smtp.pem", directory / "smtp.key"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert, key_file


def test_email_over_starttls_with_a_login_and_a_verified_certificate(store, tmp_path, monkeypatch) -> None:
    """TLS on (docs/guides/existing-airflow.md, port 587 style): the hook's STARTTLS and login are used; a
    server that takes nothing before STARTTLS receives both parts. The certificate is verified against
    the CA file the client trusts (SSL_CERT_FILE), as with the default ``ssl_context``."""
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    from tests.conftest import SmtpSink

    cert, key = self_signed_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"app-password"
        if ok:
            logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=ok)

    sink = SmtpSink(
        tls_context=server_tls, require_starttls=True, auth_required=True, authenticator=authenticator
    )
    try:
        monkeypatch.setenv(
            "AIRFLOW_CONN_MLOPS_SMTP_TLS",
            f"smtp://dq-alerts%40example.com:app-password@127.0.0.1:{sink.port}"
            "?disable_ssl=true&from_email=dq-alerts%40example.com",
        )
        channel = Channel(type="email", conn_id="mlops_smtp_tls", to=("oncall@example.com",))
        # a certificate nobody vouches for is refused: the certificate is checked, not just used
        [(_, sent, error)] = deliver(store, [queue(store, channel)], [channel], attempts=1)
        assert not sent and "CERTIFICATE_VERIFY_FAILED" in str(error) and sink.messages == []
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        assert deliver(store, [queue(store, channel)], [channel], attempts=1).failed == []
        assert logins == [(b"dq-alerts@example.com", b"app-password")]
        assert sink.messages[0]["From"] == "dq-alerts@example.com"
        assert sorted(sink.parts()) == ["text/html", "text/plain"]
    finally:
        sink.stop()


def test_email_with_tls_off_through_the_guides_uri(store, smtp_sink, monkeypatch) -> None:
    """TLS off as docs/guides/existing-airflow.md writes it: an AIRFLOW_CONN_* URI whose query holds the
    extras (``true`` as text)."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_MLOPS_SMTP_PLAIN",
        f"smtp://127.0.0.1:{smtp_sink.port}?disable_tls=true&disable_ssl=true&from_email=dq-alerts%40example.com",
    )
    channel = Channel(type="email", conn_id="mlops_smtp_plain", to=("oncall@example.com",))
    assert deliver(store, [queue(store, channel)], [channel], attempts=1).failed == []
    assert smtp_sink.messages[0]["From"] == "dq-alerts@example.com"
