"""airflow_mlops.core.arguments: one exception type, one message format."""

from __future__ import annotations

import pytest

from airflow_mlops.core.arguments import (
    require_bool,
    require_choice,
    require_int,
    require_str,
    require_str_list,
)
from airflow_mlops.exceptions import ArgumentError, InputError, MlopsError


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: require_bool("t: notify", "yes"), "t: notify= must be True or False; got 'yes'."),
        (lambda: require_bool("t: notify", 1), "t: notify= must be True or False; got 1."),
        (
            lambda: require_choice("t: on_fail", "explode", ("fail", "skip")),
            "t: on_fail= must be one of 'fail', 'skip'; got 'explode'.",
        ),
        (
            lambda: require_choice("t: on_fail", ["fail"], ("fail",)),
            "t: on_fail= must be one of 'fail'; got ['fail'].",
        ),
        (lambda: require_int("n", 0, minimum=1), "n= must be an integer >= 1; got 0."),
        (lambda: require_int("n", True, minimum=1), "n= must be an integer >= 1; got True."),
        (lambda: require_int("n", 1.0), "n= must be an integer; got 1.0."),
        (lambda: require_int("n", 17, maximum=16), "n= must be an integer <= 16; got 17."),
        (
            lambda: require_int("SqlSource(parallel=...)", 0, minimum=1, maximum=16),
            "SqlSource(parallel=...) must be an integer from 1 to 16; got 0.",
        ),
        (lambda: require_str("t: dag", " "), "t: dag= must be a non-empty string; got ' '."),
        (lambda: require_str("w", 3, what="a size", optional=True), "w= must be a size (or None); got 3."),
        (lambda: require_str_list("t: checks", "a"), "t: checks= must be a list of strings; got 'a'."),
        (
            lambda: require_str_list("t: checks", [1], what="a list of task ids", optional=True),
            "t: checks= must be a list of task ids (or None); got [1].",
        ),
    ],
)
def test_one_exception_and_one_message_format(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ArgumentError) as raised:
        call()
    assert str(raised.value) == message


def test_the_argument_error_is_every_type_these_checks_raised_before() -> None:
    assert issubclass(ArgumentError, InputError) and issubclass(ArgumentError, MlopsError)
    assert issubclass(ArgumentError, TypeError) and issubclass(ArgumentError, ValueError)


def test_allowed_values_are_returned() -> None:
    assert require_bool("b", False) is False
    assert require_choice("c", "warn", ("fail", "warn")) == "warn"
    assert require_int("n", 16, minimum=1, maximum=16) == 16
    assert require_str("s", None, optional=True) is None
    assert require_str_list("l", ("a", "b")) == ["a", "b"]
    assert require_str_list("l", None, optional=True) is None
