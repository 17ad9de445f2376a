"""URLs we render or send: where a task's report lives, and which links are allowed at all.

One definition for alerts, the extra link, the API and the pages. A URL we put into an ``href``, an
e-mail or a chat message is accepted only as an absolute ``http://`` or ``https://`` URL with a host:
``javascript:``, ``data:``, ``vbscript:``, ``file:`` and scheme-relative (``//host``) links are refused
where the URL is given (an operator argument at parse time, owners.yaml when it is loaded, a ``base_url``
when it is read) and dropped where it is rendered, so a value stored before these checks existed never
becomes a link. Pure Python: no Airflow import.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from airflow_mlops.exceptions import UrlError

__all__ = [
    "ALLOWED_SCHEMES",
    "MAX_URL_LENGTH",
    "UrlError",
    "allowed_url",
    "check_url",
    "report_path",
    "url_problem",
]

#: The only schemes a link may have: a browser runs a ``javascript:`` (or ``data:``) link as the
#: person who clicks it, inside our origin.
ALLOWED_SCHEMES: tuple[str, ...] = ("http", "https")
#: URLs are kept whole (a cut URL is a broken link), so their length is bounded where they are accepted.
MAX_URL_LENGTH = 2048


def report_path(dag_id: str, run_id: str, task_id: str, *, root: str = "/mlops") -> str:
    """The report page of a task in a DAG run, under the plugin's mount point ``root``."""
    return f"{root}/report/" + "/".join(quote(part, safe="") for part in (dag_id, run_id, task_id))


def url_problem(value: object) -> str | None:
    """Why ``value`` is not a URL we may render or send, or None when it is one."""
    if not isinstance(value, str):
        kind = next(t.__name__ for t in type(value).__mro__ if t.__module__ == "builtins")
        return f"is {kind}, not a string"
    if len(value) > MAX_URL_LENGTH:
        return f"is {len(value)} characters long (at most {MAX_URL_LENGTH})"
    # browsers drop tabs and newlines inside a URL ("java\tscript:" is "javascript:"): refuse them all
    if any(c.isspace() or not c.isprintable() for c in value):
        return "contains whitespace or control characters"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return f"has scheme {parts.scheme + ':' if parts.scheme else 'none'}"
    if not host:
        return "has no host"
    return None


def check_url(value: object, *, where: str) -> str:
    """``value`` when it is an allowed URL; else a :class:`UrlError` naming ``where`` and the value.

    :param where: the argument or setting the URL came from, e.g. ``"gate: runbook_url"``.
    """
    problem = url_problem(value)
    if problem is not None:
        shown = repr(value)
        shown = shown if len(shown) <= 120 else shown[:117] + "..."
        raise UrlError(
            f"{where}={shown} is not allowed: it {problem}; give an absolute "
            f"{' or '.join(s + '://' for s in ALLOWED_SCHEMES)} URL."
        )
    assert isinstance(value, str)
    return value


def allowed_url(value: object) -> str | None:
    """``value`` when it is an allowed URL, else None: the check made again where a link is rendered."""
    return value if isinstance(value, str) and url_problem(value) is None else None
