"""Baseline policies: parse_policy and check_label accept the documented forms and explain the rest. Pure."""

from __future__ import annotations

import dataclasses

import pytest

from airflow_mlops.core.baseline import (
    BASELINE_ELIGIBLE_STATUSES,
    GATE_PASSING_STATUSES,
    BaselinePolicy,
    check_label,
    parse_policy,
)
from airflow_mlops.exceptions import InputError

FORMS = '"previous_success", "rolling:N" (N >= 1), "pinned" or "pinned:LABEL"'
LABEL_RULE = "must be 1-64 letters, digits, '_', '.' or '-'"


@pytest.mark.parametrize(
    ("text", "kind", "window", "label", "canonical"),
    [
        ("previous_success", "previous_success", 1, None, "previous_success"),
        ("  previous_success\n", "previous_success", 1, None, "previous_success"),
        ("rolling:1", "rolling", 1, None, "rolling:1"),
        ("rolling:7", "rolling", 7, None, "rolling:7"),
        ("rolling:007", "rolling", 7, None, "rolling:7"),
        ("pinned", "pinned", 1, "default", "pinned"),
        ("pinned:default", "pinned", 1, "default", "pinned"),
        ("pinned:champion", "pinned", 1, "champion", "pinned:champion"),
        ("pinned:notebook", "pinned", 1, "notebook", "pinned:notebook"),
        ("pinned:v1.2-rc_3", "pinned", 1, "v1.2-rc_3", "pinned:v1.2-rc_3"),
        ("pinned:" + "x" * 64, "pinned", 1, "x" * 64, "pinned:" + "x" * 64),
    ],
)
def test_valid_policies(text: str, kind: str, window: int, label: str | None, canonical: str) -> None:
    policy = parse_policy(text)
    assert policy == BaselinePolicy(kind=kind, window=window, label=label)  # type: ignore[arg-type]
    assert str(policy) == canonical
    assert parse_policy(str(policy)) == policy  # the canonical form parses back to the same policy


def test_a_policy_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse_policy("rolling:3").window = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (7, f"baseline=7 must be a string: {FORMS}."),
        (None, f"baseline=None must be a string: {FORMS}."),
        ("", f"baseline='' is not a baseline policy; use {FORMS}."),
        ("latest", f"baseline='latest' is not a baseline policy; use {FORMS}."),
        ("Pinned", f"baseline='Pinned' is not a baseline policy; use {FORMS}."),
        ("previous-success", f"baseline='previous-success' is not a baseline policy; use {FORMS}."),
        ("rolling", f"baseline='rolling' is not a baseline policy; use {FORMS}."),
        ("rolling 7", f"baseline='rolling 7' is not a baseline policy; use {FORMS}."),
    ],
)
def test_unknown_policies_list_the_forms(value: object, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_policy(value)  # type: ignore[arg-type]
    assert str(info.value) == message


@pytest.mark.parametrize(
    "value", ["rolling:", "rolling:0", "rolling:-1", "rolling:1.5", "rolling: 7", "rolling:²"]
)
def test_a_bad_rolling_window_says_what_n_must_be(value: str) -> None:
    with pytest.raises(InputError) as info:
        parse_policy(value)
    assert (
        str(info.value) == f"baseline={value!r}: N in rolling:N must be a whole number >= 1, e.g. rolling:7."
    )


@pytest.mark.parametrize(
    "value", ["pinned:", "pinned:has space", "pinned:a/b", "pinned:é", "pinned:" + "x" * 65]
)
def test_a_bad_pin_label_says_what_a_label_may_hold(value: str) -> None:
    with pytest.raises(InputError) as info:
        parse_policy(value)
    assert str(info.value) == f"baseline={value!r}: the label {LABEL_RULE} (e.g. pinned:champion)."


def test_messages_name_the_argument() -> None:
    with pytest.raises(InputError, match=r"^compare: baseline='nope' is not a baseline policy"):
        parse_policy("nope", argument="compare: baseline")


@pytest.mark.parametrize("label", ["default", "champion", "notebook", "v3", "A.b-c_1", "x" * 64])
def test_check_label_returns_a_valid_label(label: str) -> None:
    assert check_label(label) == label


@pytest.mark.parametrize("label", ["", "has space", "x" * 65, "champion\n", " champion", "a:b", None, 5])
def test_check_label_refuses_anything_else(label: object) -> None:
    with pytest.raises(InputError) as info:
        check_label(label)  # type: ignore[arg-type]
    assert str(info.value) == f"label={label!r} {LABEL_RULE} (e.g. champion)."


def test_check_label_names_the_argument() -> None:
    with pytest.raises(InputError, match=r"^--label='a b' must be 1-64"):
        check_label("a b", argument="--label")


def test_failed_runs_and_failed_gates_never_make_a_baseline() -> None:
    assert set(BASELINE_ELIGIBLE_STATUSES) == {"PASSED", "WARNED", "NO_BASELINE"}
    assert set(GATE_PASSING_STATUSES) == {"PASSED", "WARNED", "OVERRIDDEN"}
