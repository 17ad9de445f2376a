"""Baseline policies: which stored profile a run is compared with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from airflow_mlops.core.arguments import require_choice
from airflow_mlops.core.results import GATE_PASSING_STATUSES, Status
from airflow_mlops.exceptions import InputError

__all__ = [
    "BASELINE_ELIGIBLE_STATUSES",
    "ELIGIBILITY_CHOICES",
    "GATE_PASSING_STATUSES",
    "POLICY_FORMS",
    "BaselinePolicy",
    "MissingBaselineOutcome",
    "check_label",
    "eligible_statuses",
    "parse_policy",
]

#: A run whose own checks ended in one of these may become a baseline (until a gate has decided on it).
BASELINE_ELIGIBLE_STATUSES: tuple[str, ...] = (
    Status.PASSED.value,
    Status.WARNED.value,
    Status.NO_BASELINE.value,
)
#: ``baseline_eligible=``: ``"passed"`` (default) leaves WARNED runs out, ``"warned"`` lets them in.
ELIGIBILITY_CHOICES: tuple[str, ...] = ("passed", "warned")


def eligible_statuses(eligible: str) -> tuple[str, ...]:
    """The statuses of a run's own comparison that let it become a baseline under ``baseline_eligible=``:
    ``"passed"``: PASSED and NO_BASELINE (a first run has no baseline); ``"warned"``: WARNED too. Once a
    gate has decided for the key, the run's gate must also have passed or warned, or have been overridden
    (an override accepts the run whatever its comparison said)."""
    require_choice("baseline_eligible", eligible, ELIGIBILITY_CHOICES)
    if eligible == "warned":
        return BASELINE_ELIGIBLE_STATUSES
    return tuple(s for s in BASELINE_ELIGIBLE_STATUSES if s != Status.WARNED.value)


MissingBaselineOutcome = Literal["pass", "warn", "fail"]
_LABEL = re.compile(r"^[A-Za-z0-9_.-]{1,64}\Z")  # \Z, not $: "$" also matches before a trailing newline
POLICY_FORMS = '"previous_success", "rolling:N" (N >= 1), "pinned" or "pinned:LABEL"'


@dataclass(frozen=True, kw_only=True)
class BaselinePolicy:
    """A parsed ``baseline=`` argument.

    - ``previous_success``: the latest earlier run whose gate passed (before any gate decided for the
      key: whose own checks passed). A failed run never becomes the baseline.
    - ``rolling:N``: the median profile of the latest N such runs.
    - ``pinned`` / ``pinned:LABEL``: the profile pinned for the key under that label (``pinned`` is the
      label ``default``).
    """

    kind: Literal["previous_success", "rolling", "pinned"]
    window: int = 1
    label: str | None = None

    def __str__(self) -> str:
        if self.kind == "rolling":
            return f"rolling:{self.window}"
        if self.kind == "pinned":
            return "pinned" if self.label == "default" else f"pinned:{self.label}"
        return self.kind


def parse_policy(value: str, *, argument: str = "baseline") -> BaselinePolicy:
    if not isinstance(value, str):
        raise InputError(f"{argument}={value!r} must be a string: {POLICY_FORMS}.")
    text = value.strip()
    if text == "previous_success":
        return BaselinePolicy(kind="previous_success")
    if text == "pinned":
        return BaselinePolicy(kind="pinned", label="default")
    if text.startswith("pinned:"):
        label = text.split(":", 1)[1]
        if not _LABEL.match(label):
            raise InputError(
                f"{argument}={value!r}: the label must be 1-64 letters, digits, '_', '.' or '-' (e.g. pinned:champion)."
            )
        return BaselinePolicy(kind="pinned", label=label)
    if text.startswith("rolling:"):
        window = text.split(":", 1)[1]
        if not (window.isascii() and window.isdigit()) or int(window) < 1:  # "²".isdigit() is True
            raise InputError(
                f"{argument}={value!r}: N in rolling:N must be a whole number >= 1, e.g. rolling:7."
            )
        return BaselinePolicy(kind="rolling", window=int(window))
    raise InputError(f"{argument}={value!r} is not a baseline policy; use {POLICY_FORMS}.")


def check_label(label: str, *, argument: str = "label") -> str:
    if not isinstance(label, str) or not _LABEL.match(label):
        raise InputError(
            f"{argument}={label!r} must be 1-64 letters, digits, '_', '.' or '-' (e.g. champion)."
        )
    return label
