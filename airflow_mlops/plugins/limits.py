"""Bounds on every request to the /mlops app: no input is read unbounded, and no bad input is a 500.

- A mutation's JSON body is a dependency of the route (:func:`json_body`), so it is read only after
  Airflow authenticated the user (FastAPI reads a declared body *before* any dependency), and at most
  :data:`MAX_BODY_BYTES` of it: a larger Content-Length is a 413 before a byte is read, and a chunked
  body is cut at the limit while it streams.
- Ids and offsets are integers from 0 to :data:`MAX_INT` (:data:`Id`, :data:`Offset`): ids are INTEGER
  columns on PostgreSQL, and SQLite refuses integers beyond 64 bits.
- No path or query parameter and no JSON string may hold NUL (PostgreSQL cannot store it) or a lone
  surrogate (UTF-8 cannot encode it): a 422 naming the parameter (:func:`checked_params`).
- A validation error lists at most :data:`MAX_ERRORS` errors, with what they echo cut to
  :data:`MAX_ECHO` characters, and an :class:`~airflow_mlops.exceptions.InputError` is a 422 with its
  message (:func:`install`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Annotated, Any

from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

from airflow_mlops.exceptions import InputError

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_ECHO",
    "MAX_ERRORS",
    "MAX_INT",
    "Id",
    "JsonBody",
    "Offset",
    "body_model",
    "checked_params",
    "install",
    "json_body",
]

#: The largest JSON body a mutation takes: its longest legal body (a 2000-character reason written as
#: ``\uXXXX`` escapes, with 250-character ids) fits.
MAX_BODY_BYTES = 16 * 1024
#: The largest id or offset: PostgreSQL's INTEGER.
MAX_INT = 2**31 - 1
MAX_ERRORS = 5
MAX_ECHO = 80

Id = Annotated[int, Path(ge=1, le=MAX_INT, description="an id (1 to 2147483647)")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="rows to skip (0 to 2147483647)")]

_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _safe(text: str) -> str:
    """``text`` as UTF-8 can encode it (a lone surrogate becomes ``\\udXXX``), for responses."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _text_errors(value: Any, loc: tuple[Any, ...]) -> Iterator[dict[str, Any]]:
    """A validation error for each string in ``value`` (a JSON document: keys too) holding NUL or a lone
    surrogate. Iterative: a deeply nested document cannot exhaust the stack."""
    pending = [(value, loc)]
    while pending:
        item, where = pending.pop()
        if isinstance(item, dict):
            pending += [(key, (*where, key)) for key in item] + [(v, (*where, k)) for k, v in item.items()]
        elif isinstance(item, list):
            pending += [(v, (*where, i)) for i, v in enumerate(item)]
        elif isinstance(item, str) and (found := _BAD_CHARACTER.search(item)):
            char = (
                "NUL (U+0000)"
                if found.group() == "\x00"
                else f"a lone surrogate (U+{ord(found.group()):04X})"
            )
            yield {
                "type": "string_bad_character",
                "loc": where,
                "msg": f"must not contain {char}",
                "input": item,
            }


async def checked_params(request: Request, user: GetUserDep) -> None:
    """An app-wide dependency, after authentication: no path or query parameter holds NUL or a lone
    surrogate (on PostgreSQL either would fail the query: a 500)."""
    errors = [
        *(e for name, value in request.path_params.items() for e in _text_errors(value, ("path", name))),
        *(
            e
            for name, value in request.query_params.multi_items()
            for e in _text_errors(value, ("query", name))
        ),
    ]
    if errors:
        raise RequestValidationError(errors)


class JsonBody:
    """The dependency that reads, bounds, checks and validates a mutation's JSON body as ``model``.

    It depends on the authenticated user, so an anonymous request is refused before a byte of its body
    is read; the route's own writer dependency (JSON content type, CSRF) comes first in its signature.
    """

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model

    async def __call__(self, request: Request, user: GetUserDep) -> BaseModel:
        document = _parse(await _read_bounded(request))
        errors = list(_text_errors(document, ("body",)))
        if errors:
            raise RequestValidationError(errors)
        try:
            return self.model.model_validate(document)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from None


def json_body(model: type[BaseModel]) -> Any:
    """``body: Annotated[NoteBody, json_body(NoteBody)]``: a route's JSON body, read by :class:`JsonBody`."""
    return Depends(JsonBody(model))


def body_model(route: Any) -> type[BaseModel] | None:
    """The model of the JSON body a route reads through :func:`json_body`, if any."""
    dependant = getattr(route, "dependant", None)
    for dependency in dependant.dependencies if dependant is not None else []:
        if isinstance(dependency.call, JsonBody):
            return dependency.call.model
    return None


def _too_large(declared: str) -> HTTPException:
    return HTTPException(
        status_code=413,
        detail=f"the request body is over the {MAX_BODY_BYTES}-byte limit of this endpoint{declared}; "
        "send a small JSON object",
    )


async def _read_bounded(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise _too_large(f" (Content-Length: {declared[:20]})")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _too_large("")
    return bytes(body)


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        problem = f"{exc.msg} at character {exc.pos}"
    except UnicodeDecodeError:
        problem = "it is not UTF-8"
    except (ValueError, RecursionError) as exc:  # an integer of 4300+ digits; nesting too deep
        problem = str(exc)[:100]
    raise RequestValidationError(
        [{"type": "json_invalid", "loc": ("body",), "msg": f"not valid JSON: {problem}", "input": ""}]
    )


def _echo(value: Any) -> Any:
    """What an error shows of the input: numbers as they are, anything else as text cut to MAX_ECHO."""
    if (
        value is None
        or isinstance(value, bool | float)
        or (isinstance(value, int) and value.bit_length() <= 64)
    ):
        return value
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    if len(text) > MAX_ECHO:
        text = f"{text[:MAX_ECHO]}… ({len(text)} characters)"
    return _safe(text)


def _shown(error: dict[str, Any]) -> dict[str, Any]:
    loc = [part if isinstance(part, int) else _safe(str(part))[:MAX_ECHO] for part in error.get("loc", ())]
    shown = {"loc": loc, "msg": _safe(str(error.get("msg", "")))[:200], "type": str(error.get("type", ""))}
    if "input" in error:
        shown["input"] = _echo(error["input"])
    return shown


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    errors = list(exc.errors()) if isinstance(exc, RequestValidationError) else []
    return JSONResponse(
        status_code=422,
        content={"detail": [_shown(e) for e in errors[:MAX_ERRORS]], "error_count": len(errors)},
    )


async def _input_error(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(status_code=422, content={"detail": _safe(str(exc))[:1000]})


def install(app: FastAPI) -> None:
    """Give ``app`` the bounded validation error and the InputError → 422 handlers, and document in its
    OpenAPI the JSON body each route reads through :func:`json_body`. Call it after adding the routes;
    give the app ``dependencies=[Depends(checked_params)]`` when creating it."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(InputError, _input_error)
    for route in app.routes:
        model = body_model(route)
        if isinstance(route, APIRoute) and model is not None:
            schema = {"application/json": {"schema": model.model_json_schema()}}
            route.openapi_extra = {"requestBody": {"required": True, "content": schema}}
