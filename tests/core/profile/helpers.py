"""Shared by the profile tests: the quantile probabilities, one column's profile, a JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from airflow_mlops.core.profile import ColumnProfile, DatasetProfile, profile_frame, quantile_probabilities

__all__ = ["PROBS", "only", "round_trip"]

PROBS = np.asarray(quantile_probabilities())


def only(frame: pd.DataFrame, name: str = "x", **kwargs) -> ColumnProfile:  # type: ignore[no-untyped-def]
    return profile_frame(frame, **kwargs).columns[name]


def round_trip(profile: DatasetProfile) -> DatasetProfile:
    return DatasetProfile.from_dict(json.loads(json.dumps(profile.to_dict(), allow_nan=False)))
