"""Argument checks shared by every constructor: operators, sensors, triggers, checks and sources.

Each ``require_*`` returns the value when it is allowed and otherwise raises one
:class:`~airflow_mlops.exceptions.ArgumentError` with one message format::

    <argument>= must be <what is allowed>; got <the bad value>.

``argument`` names the argument as the user wrote it, with its owner in front, e.g.
``"validate: severity"`` (→ ``validate: severity= must be ...``). A label that already holds ``=`` is kept
as it is, e.g. ``"SqlSource(parallel=...)"``. Pure Python: no Airflow import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn, TypeVar

from airflow_mlops.exceptions import ArgumentError

__all__ = [
    "argument_error",
    "require_bool",
    "require_choice",
    "require_int",
    "require_str",
    "require_str_list",
]

_T = TypeVar("_T")


def argument_error(argument: str, allowed: str, value: Any) -> ArgumentError:
    """The error for ``argument``: ``<argument>= must be <allowed>; got <value!r>.``"""
    label = argument if "=" in argument else f"{argument}="
    return ArgumentError(f"{label} must be {allowed}; got {value!r}.")


def _refuse(argument: str, allowed: str, value: Any) -> NoReturn:
    raise argument_error(argument, allowed, value)


def require_bool(argument: str, value: Any) -> bool:
    """``True`` or ``False`` only (not 1, not "yes")."""
    if not isinstance(value, bool):
        _refuse(argument, "True or False", value)
    return value


def require_choice(argument: str, value: _T, allowed: Sequence[_T]) -> _T:
    """One of ``allowed``."""
    if isinstance(value, bool | list | dict | set) or value not in allowed:
        _refuse(argument, "one of " + ", ".join(repr(a) for a in allowed), value)
    return value


def require_int(argument: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number (not a bool) within the bounds given."""
    if minimum is not None and maximum is not None:
        allowed = f"an integer from {minimum} to {maximum}"
    elif minimum is not None:
        allowed = f"an integer >= {minimum}"
    elif maximum is not None:
        allowed = f"an integer <= {maximum}"
    else:
        allowed = "an integer"
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or (minimum is not None and value < minimum)
        or (maximum is not None and value > maximum)
    ):
        _refuse(argument, allowed, value)
    return value


def require_str(
    argument: str, value: Any, *, what: str = "a non-empty string", optional: bool = False
) -> Any:
    """A string that is not blank (or None when ``optional``); ``what`` says what it names."""
    if optional and value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        _refuse(argument, what + (" (or None)" if optional else ""), value)
    return value


def require_str_list(
    argument: str, value: Any, *, what: str = "a list of strings", optional: bool = False
) -> list[str] | None:
    """A list (or tuple) of strings, returned as a new list; None when ``optional`` and not given."""
    if optional and value is None:
        return None
    if (
        isinstance(value, str)
        or not isinstance(value, list | tuple)
        or not all(isinstance(v, str) for v in value)
    ):
        _refuse(argument, what + (" (or None)" if optional else ""), value)
    return list(value)
