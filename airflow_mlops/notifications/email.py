"""An e-mail with a plain-text part beside the HTML (``multipart/alternative``), sent through the smtp
provider's ``SmtpHook``.

Airflow's ``SmtpNotifier`` sends HTML only. This notifier builds the two-part message itself and leaves
everything about the connection to the hook: host and port, STARTTLS (``disable_tls``), SSL
(``disable_ssl``, ``ssl_context``), login or OAuth2 (``auth_type``), timeouts, retries and the
connection's ``from_email``.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseNotifier

from airflow_mlops.exceptions import DeliveryError

if TYPE_CHECKING:
    from airflow.providers.smtp.hooks.smtp import SmtpHook

__all__ = ["AlertEmailNotifier", "DEFAULT_FROM"]

#: The sender when neither the channel nor the SMTP connection (extra ``from_email``) names one.
DEFAULT_FROM = "airflow-mlops@localhost"


class AlertEmailNotifier(BaseNotifier):
    """Send one e-mail with a plain-text and an HTML part carrying the same content.

    :param to: the recipients.
    :param subject: the subject line.
    :param text: the plain-text part.
    :param html: the HTML part.
    :param smtp_conn_id: an SMTP connection (see the smtp provider's connection docs for its extras).
    :param from_email: the sender; default: the connection's extra ``from_email``, else
        :data:`DEFAULT_FROM`.
    :param auth_type: ``"basic"`` (login and password, if the connection has them) or ``"oauth2"``.
    """

    template_fields = ("to", "subject", "text", "html")

    def __init__(
        self,
        *,
        to: Sequence[str],
        subject: str,
        text: str,
        html: str,
        smtp_conn_id: str = "smtp_default",
        from_email: str | None = None,
        auth_type: str = "basic",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.to = list(to)
        self.subject = subject
        self.text = text
        self.html = html
        self.smtp_conn_id = smtp_conn_id
        self.from_email = from_email
        self.auth_type = auth_type

    @cached_property
    def hook(self) -> SmtpHook:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        return SmtpHook(smtp_conn_id=self.smtp_conn_id, auth_type=self.auth_type)

    def message(self, from_email: str) -> EmailMessage:
        """The ``multipart/alternative`` message: text first, HTML last (the part a mail client prefers)."""
        msg = EmailMessage()
        msg["Subject"] = self.subject
        msg["From"] = from_email
        msg["To"] = ", ".join(self.to)
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=from_email.rpartition("@")[2] or None)
        msg.set_content(self.text, subtype="plain", charset="utf-8")
        msg.add_alternative(self.html, subtype="html", charset="utf-8")
        return msg

    def notify(self, context: Any) -> None:
        with self.hook as smtp:  # connects, STARTTLS or SSL, and logs in as the connection says
            message = self.message(self.from_email or smtp.from_email or DEFAULT_FROM)
            # the hook sends HTML-only messages; its client, once connected, sends ours
            client = getattr(smtp, "_smtp_client", None)
            if client is None:
                raise DeliveryError(f"SMTP connection {self.smtp_conn_id!r}: the hook opened no client")
            for attempt in range(smtp.smtp_retry_limit + 1):
                try:
                    client.send_message(message, to_addrs=self.to)
                    break
                except Exception:
                    if attempt == smtp.smtp_retry_limit:
                        raise
