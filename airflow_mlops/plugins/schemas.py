"""What the app's routes accept: the JSON bodies of mutations, the shared query parameters, and the
dependency that makes a mutation carry a JSON body (a cross-site HTML form cannot: the CSRF defence)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from airflow_mlops.plugins.pages import GATE_STATUSES

__all__ = [
    "API",
    "STATUS_OR_EMPTY",
    "STATUS_PATTERN",
    "BacktestKey",
    "BacktestQueryDep",
    "Direction",
    "ExcludeBody",
    "ExpectedBody",
    "LastDays",
    "NoteBody",
    "OverrideBody",
    "PinBody",
    "PromoteBody",
    "ReportLimit",
    "RollbackBody",
    "Seasonality",
    "SnoozeBody",
    "Threshold",
    "UnpinBody",
    "WriterDep",
    "backtest_query",
]

API = "/api/v1"
STATUS_PATTERN = "^(" + "|".join(GATE_STATUSES) + ")$"
STATUS_OR_EMPTY = "^(|" + "|".join(GATE_STATUSES) + ")$"  # a page's filter form sends "" for any
ReportLimit = Annotated[int, Query(ge=1, le=1000, description="results per page")]


def _json_writer(request: Request, user: GetUserDep) -> Any:
    """The user of a mutation, which must carry a JSON body: an HTML form from another site cannot."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HTTPException(
            status_code=415, detail="send the request body as JSON (Content-Type: application/json)"
        )
    return user


WriterDep = Annotated[Any, Depends(_json_writer)]

BacktestKey = Annotated[str, Query(min_length=1, max_length=500)]
Threshold = Annotated[float | None, Query(ge=0, le=1e9)]
Seasonality = Annotated[Literal["none", "day_of_week", "hour_of_day", "day_of_month", "auto"], Query()]
Direction = Annotated[Literal["both", "up", "down"], Query()]
LastDays = Annotated[int, Query(ge=1, le=3650)]


def backtest_query(
    key: BacktestKey,
    check: BacktestKey,
    warn: Threshold = None,
    fail: Threshold = None,
    band: bool = False,
    seasonality: Seasonality = "none",
    direction: Direction = "both",
    last_days: LastDays = 90,
) -> dict[str, Any]:
    """The backtest's query parameters (the JSON route and the page share them)."""
    return {
        "key": key, "check": check, "warn": warn, "fail": fail, "band": band, "seasonality": seasonality,
        "direction": direction, "last_days": last_days,
    }  # fmt: skip


BacktestQueryDep = Annotated[dict[str, Any], Depends(backtest_query)]


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class SnoozeBody(NoteBody):
    duration: str = Field(max_length=16, description="e.g. 30m, 4h, 1d")


class PinBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=500)
    label: str = Field(default="default", min_length=1, max_length=100)
    run_id: str | None = Field(default=None, max_length=250, description="empty: the latest profile")
    reason: str = Field(min_length=1, max_length=2000)


class ExcludeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=500)
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(min_length=1, max_length=2000)


class ExpectedBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=500)
    run_id: str = Field(min_length=1, max_length=250)
    reason: str = Field(min_length=1, max_length=2000)


class UnpinBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=500)
    label: str = Field(default="default", min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)


class OverrideBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dag_id: str = Field(min_length=1, max_length=250)
    run_id: str = Field(min_length=1, max_length=250)
    task_id: str = Field(min_length=1, max_length=250)
    reason: str = Field(min_length=1, max_length=2000)


class PromoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=500)
    run_id: str | None = Field(default=None, max_length=250)
    profile_id: int | None = Field(default=None, ge=1, le=2**62)
    reason: str = Field(min_length=1, max_length=2000)


class RollbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=500)
    reason: str = Field(min_length=1, max_length=2000)
