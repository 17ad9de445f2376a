"""Every store test runs on a real SQLite file and on a real PostgreSQL database (marked ``postgres``)."""

from __future__ import annotations

import pytest

from airflow_mlops.store import ResultsStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, sqlite_url: str) -> str:  # type: ignore[no-untyped-def]
    """The URL of an empty store database: a SQLite file, then a PostgreSQL database."""
    return sqlite_url if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def store(url: str) -> ResultsStore:
    return ResultsStore(url)
