"""Model metrics as a profile: a dict of floats, validated."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_mlops.core.limits import CAPS, check_cap
from airflow_mlops.exceptions import InputError

__all__ = ["MetricsProfile"]


@dataclass(frozen=True, kw_only=True)
class MetricsProfile:
    metrics: dict[str, float]

    @classmethod
    def from_value(
        cls,
        value: Any,
        *,
        source: str,
        max_metrics: int = CAPS["max_metrics"].default,
        max_name_length: int = CAPS["max_metric_name_length"].default,
    ) -> MetricsProfile:
        """Validate what a ``metrics=`` callable or XCom returned: a mapping of names to finite numbers.

        :param max_metrics: ``[mlops] max_metrics``, the most metrics it may hold.
        :param max_name_length: ``[mlops] max_metric_name_length``, the longest name it may hold.
        """
        if not isinstance(value, Mapping) or not value:
            raise InputError(
                f"{source} must return a non-empty dict of metric name -> number; got {value!r:.200}."
            )
        advice = "record only the metrics a check compares"
        check_cap(source, len(value), "metrics", key="max_metrics", cap=max_metrics, advice=advice)
        metrics: dict[str, float] = {}
        for key, raw in value.items():
            name = str(key)
            shown = name if len(name) <= 40 else name[:40] + "…"
            check_cap(
                f"{source}: metric {shown!r}", len(name), "characters", key="max_metric_name_length",
                cap=max_name_length, advice="shorten the name",
            )  # fmt: skip
            if isinstance(raw, bool) or not isinstance(raw, int | float) and not hasattr(raw, "__float__"):
                raise InputError(f"{source}: metric {key!r} is {raw!r:.80}, not a number.")
            number = float(raw)
            if not math.isfinite(number):
                raise InputError(f"{source}: metric {key!r} is {number}; metrics must be finite numbers.")
            metrics[name] = number
        return cls(metrics=metrics)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "metrics", "metrics": dict(self.metrics)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricsProfile:
        return cls(metrics={str(k): float(v) for k, v in data["metrics"].items()})

    @staticmethod
    def median(profiles: list[MetricsProfile]) -> MetricsProfile:
        """Median of each metric over the profiles that have it (for rolling:N baselines)."""
        import statistics

        names = {name for p in profiles for name in p.metrics}
        return MetricsProfile(
            metrics={
                n: float(statistics.median(p.metrics[n] for p in profiles if n in p.metrics)) for n in names
            }
        )
