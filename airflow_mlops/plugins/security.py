"""HTTP hardening of the /mlops app, installed by :func:`install`.

- Every response says ``X-Content-Type-Options: nosniff`` (a JSON body is never sniffed into HTML).
- Every page (a route answering HTML) sends :data:`CONTENT_SECURITY_POLICY`: scripts and styles only
  from the app itself, so no inline script, no event-handler attribute and no ``javascript:`` link runs,
  even one that got past escaping and the URL checks. The pages' own script and stylesheet are served
  from ``/static/`` for that (:data:`airflow_mlops.plugins.pages.ASSETS`), behind the same authentication
  as every route.
- A page requested by a browser without a (valid) session redirects to Airflow's login, which brings the
  user back to the page afterwards; the JSON API, and clients that do not ask for HTML, keep the 401.
"""

from __future__ import annotations

from airflow.api_fastapi.core_api.security import get_user
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airflow_mlops.plugins.pages import ASSETS

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "SecurityHeadersMiddleware",
    "install",
]

#: The pages' policy. ``frame-ancestors 'self'``: the Airflow UI shows them in an iframe of its own
#: origin, and no other site may frame them. ``form-action 'self'``: the filter forms submit to the app.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'self'; base-uri 'none'"
)


def _is_page(scope: Scope) -> bool:
    """The request was routed to one of our pages (a route declared with ``response_class=HTMLResponse``)."""
    return getattr(scope.get("route"), "response_class", None) is HTMLResponse


class SecurityHeadersMiddleware:
    """Adds ``X-Content-Type-Options`` to every response and the CSP to every page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-content-type-options"
                ]
                headers.append((b"x-content-type-options", b"nosniff"))
                if _is_page(scope):  # the router put the matched route into this same scope
                    headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
                    headers.append((b"referrer-policy", b"same-origin"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "").lower()


async def _login_redirect(request: Request, exc: Exception) -> Response:
    """401 on a page a browser asked for: to Airflow's login, back to this page (path and query) after."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 401 and _is_page(request.scope) and _wants_html(request):
        from airflow.api_fastapi.app import get_auth_manager

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(get_auth_manager().get_url_login(next_url=target), status_code=303)
    return await http_exception_handler(request, exc)


def _assets_router() -> APIRouter:
    router = APIRouter()

    @router.get("/static/{name}", include_in_schema=False, dependencies=[Depends(get_user)])
    def asset(name: str) -> Response:
        """The pages' script and stylesheet (files of the app, so the CSP needs no inline script)."""
        if name not in ASSETS:
            raise HTTPException(status_code=404, detail=f"no static file {name!r}")
        media_type, content = ASSETS[name]
        return Response(content, media_type=media_type, headers={"Cache-Control": "private, max-age=300"})

    return router


def install(app: FastAPI) -> None:
    """Add the headers, the login redirect and the static files to ``app``."""
    app.include_router(_assets_router())
    app.add_exception_handler(HTTPException, _login_redirect)
    app.add_middleware(SecurityHeadersMiddleware)
