"""A generic JSON webhook notifier: POSTs the alert payload to the URL of an Airflow connection."""

from __future__ import annotations

import json
from typing import Any

from airflow.sdk import BaseHook, BaseNotifier

__all__ = ["WebhookNotifier", "webhook_url"]


def webhook_url(conn_id: str) -> tuple[str, dict[str, str]]:
    """The URL and headers of an HTTP connection: ``host`` may be a full URL, or ``schema``/``host``/
    ``port`` plus an ``endpoint`` extra. Extra ``headers`` (a mapping) are sent too."""
    conn = BaseHook.get_connection(conn_id)
    extra = conn.extra_dejson or {}
    host = conn.host or ""
    if "://" in host:
        url = host
    else:
        scheme = conn.schema or "https"
        port = f":{conn.port}" if conn.port else ""
        url = f"{scheme}://{host}{port}"
    endpoint = extra.get("endpoint", "")
    if endpoint:
        url = url.rstrip("/") + "/" + str(endpoint).lstrip("/")
    headers = {"Content-Type": "application/json"}
    headers.update({str(k): str(v) for k, v in (extra.get("headers") or {}).items()})
    if conn.password:
        headers.setdefault("Authorization", f"Bearer {conn.password}")
    return url, headers


class WebhookNotifier(BaseNotifier):
    """POST a JSON ``payload`` to the webhook behind ``conn_id``.

    :param conn_id: an HTTP connection (host = the URL, or schema/host/port + extra ``endpoint``).
    :param payload: the JSON body. Templated.
    :param timeout: seconds to wait for the receiver.
    """

    template_fields = ("payload",)

    def __init__(
        self, *, conn_id: str, payload: dict[str, Any], timeout: float = 10.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.payload = payload
        self.timeout = timeout

    def notify(self, context: Any) -> None:
        import httpx

        url, headers = webhook_url(self.conn_id)
        response = httpx.post(url, content=json.dumps(self.payload), headers=headers, timeout=self.timeout)
        response.raise_for_status()
