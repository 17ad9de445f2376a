"""Which URLs we render or send: absolute http(s) only, whole, checked where given and where rendered."""

from __future__ import annotations

import pytest

from airflow_mlops.urls import MAX_URL_LENGTH, UrlError, allowed_url, check_url

GOOD = [
    "https://wiki.example.com/ml-platform/data-quality",
    "http://127.0.0.1:8080/mlops/triage",
    "HTTPS://Wiki.Example.com/a?b=c&d=e#f",
    "https://wiki.example.com/" + "a" * (MAX_URL_LENGTH - 25),
    "https://wiki.example.com/pages/R%C3%A9sum%C3%A9",
]

# (value, why it is refused)
BAD = [
    ("javascript:fetch('/mlops/api/v1/incidents/2/resolve',{method:'POST'})", "has scheme javascript:"),
    ("JavaScript:alert(1)", "has scheme javascript:"),
    (" javascript:alert(1)", "whitespace or control characters"),
    ("java\tscript:alert(1)", "whitespace or control characters"),
    ("java\nscript:alert(1)", "whitespace or control characters"),
    ("javascript\x00:alert(1)", "whitespace or control characters"),
    ("data:text/html,<script>alert(1)</script>", "has scheme data:"),
    ("vbscript:msgbox(1)", "has scheme vbscript:"),
    ("file:///etc/passwd", "has scheme file:"),
    ("//evil.example.com/x", "has scheme none"),
    ("/mlops/triage", "has scheme none"),
    ("https://", "has no host"),
    ("https:\\\\evil.example.com", "has no host"),
    ("http://[::1", "is not a valid URL"),
    ("https://wiki.example.com/" + "a" * MAX_URL_LENGTH, f"characters long (at most {MAX_URL_LENGTH})"),
    ([1, 2], "is list, not a string"),
    (42, "is int, not a string"),
]


@pytest.mark.parametrize("url", GOOD)
def test_absolute_http_and_https_urls_are_allowed_whole(url: str) -> None:
    assert check_url(url, where="runbook_url") == url
    assert allowed_url(url) == url


@pytest.mark.parametrize(("value", "why"), BAD, ids=[repr(v)[:40] for v, _ in BAD])
def test_other_urls_are_refused_naming_the_setting_the_value_and_the_schemes(value: object, why: str) -> None:
    with pytest.raises(UrlError) as raised:
        check_url(value, where="gate: runbook_url")
    message = str(raised.value)
    assert message.startswith("gate: runbook_url=") and why in message, message
    assert "give an absolute http:// or https:// URL" in message
    assert len(message) < 400  # a 2 KB value is shown cut, in the message only
    assert allowed_url(value) is None  # and where a link is rendered, it is dropped
