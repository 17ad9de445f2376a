"""Caps on what one check task may record, so that a runaway suite or metrics dict cannot fill the store.

Each cap is an ``[mlops]`` key (defaults below, documented in docs/configuration.md). A task over a cap
fails closed: ERRORED, with a message naming the cap, the value and the key that raises it; nothing is
truncated into a pass. Pure Python: the adapters read the configured values and pass them in.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from airflow_mlops.exceptions import InputError

__all__ = ["CAPS", "Cap", "CapKey", "check_cap"]

CapKey = Literal[
    "max_expectations_per_suite", "max_results_per_task", "max_metrics", "max_metric_name_length"
]


class Cap(NamedTuple):
    default: int
    description: str


CAPS: dict[CapKey, Cap] = {
    "max_expectations_per_suite": Cap(
        1000, "Most expectations one suite may hold; a larger suite is ERRORED before it runs."
    ),
    "max_results_per_task": Cap(
        1000, "Most check results one task may record; a task with more is ERRORED, none recorded."
    ),
    "max_metrics": Cap(1000, "Most metrics one metrics profile (metrics=) may hold."),
    "max_metric_name_length": Cap(200, "Longest metric name, in characters, a metrics profile may hold."),
}


def check_cap(
    subject: str,
    count: int,
    noun: str,
    *,
    key: CapKey,
    cap: int,
    advice: str,
    error: type[InputError] = InputError,
) -> None:
    """Raise ``error`` when ``count`` is over ``cap``: "<subject> has <count> <noun>, over the cap of ..."

    :param advice: what to do instead of raising the cap ("split the suite").
    """
    if count > cap:
        raise error(
            f"{subject} has {count} {noun}, over the cap of {cap} ([mlops] {key}); {advice}, or raise "
            f"{key} in [mlops] (env AIRFLOW__MLOPS__{key.upper()})."
        )
