"""Fixtures of the SQL engine's tests: an engine on SQLite and on PostgreSQL, and the wine table in it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.engines.sql.helpers import TABLE, wine_frame


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    url = (
        f"sqlite:///{tmp_path / 'profile.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = sa.create_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def wine(engine: sa.Engine) -> pd.DataFrame:
    frame = wine_frame()
    frame.to_sql(TABLE, engine, index=False)
    return frame
