"""The airflow-mlops FastAPI app, mounted by the plugin under ``/mlops``.

Airflow does not protect plugin routes: every route here depends on Airflow's authenticated user
(``GetUserDep``, a bearer token or the UI's session cookie); reads are limited to the DAGs the user may
read (team-aware: Airflow's auth manager decides, also for a DAG Airflow no longer knows, see
:mod:`airflow_mlops.plugins.authz`); writes need edit permission on the DAG concerned, must send a JSON
body (a cross-site form cannot: the CSRF defence), and are audit events with the user's name. Pages are
server-rendered (:mod:`airflow_mlops.plugins.pages`) with every data-derived value escaped, and served
with a Content-Security-Policy (:mod:`airflow_mlops.plugins.security`); a URL drawn from data is returned
only when it is http(s). Every request is bounded, and a bad input is a 4xx naming it
(:mod:`airflow_mlops.plugins.limits`).
"""

from __future__ import annotations

from fastapi import Depends, FastAPI

from airflow_mlops.plugins import limits, routes_api, routes_pages, security

__all__ = ["create_app"]


def create_app() -> FastAPI:
    """The app: the JSON API (:mod:`~airflow_mlops.plugins.routes_api`) and the pages
    (:mod:`~airflow_mlops.plugins.routes_pages`), with the request limits and security headers."""
    app = FastAPI(
        dependencies=[Depends(limits.checked_params)],
        title="airflow-mlops",
        version="1",
        description="Quality gates, checks, incidents and baselines recorded by airflow-mlops. Every route "
        "needs an Airflow user (bearer token or the UI's session cookie); mutations need DAG edit permission "
        "and a JSON body.",
    )
    app.include_router(routes_api.router)
    app.include_router(routes_pages.router)
    limits.install(app)
    security.install(app)
    return app
