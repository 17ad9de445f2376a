"""Model metrics as a profile: a dict of floats, validated."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_mlops.exceptions import InputError

__all__ = ["MetricsProfile"]


@dataclass(frozen=True, kw_only=True)
class MetricsProfile:
    metrics: dict[str, float]

    @classmethod
    def from_value(cls, value: Any, *, source: str) -> MetricsProfile:
        """Validate what a ``metrics=`` callable or XCom returned: a mapping of names to finite numbers."""
        if not isinstance(value, Mapping) or not value:
            raise InputError(
                f"{source} must return a non-empty dict of metric name -> number; got {value!r:.200}."
            )
        metrics: dict[str, float] = {}
        for key, raw in value.items():
            if isinstance(raw, bool) or not isinstance(raw, int | float) and not hasattr(raw, "__float__"):
                raise InputError(f"{source}: metric {key!r} is {raw!r:.80}, not a number.")
            number = float(raw)
            if not math.isfinite(number):
                raise InputError(f"{source}: metric {key!r} is {number}; metrics must be finite numbers.")
            metrics[str(key)] = number
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
