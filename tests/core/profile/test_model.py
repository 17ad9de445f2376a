"""The profile model: JSON round trips, size and the errors of reading a profile back. Pure, no Airflow."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from airflow_mlops.core.profile import DatasetProfile, median_profile, profile_frame
from airflow_mlops.exceptions import InputError
from tests.core.profile.helpers import round_trip


def test_unicode_and_space_column_names_round_trip_through_json() -> None:
    frame = pd.DataFrame(
        {
            "prix unitaire (€)": [1.5, 2.5, np.nan, np.inf],
            "名前": ["太郎", "花子", None, "太郎"],
            'quote " and \\ backslash': [1, 2, 3, 4],
            "": [0.0, 0.0, 0.0, 0.0],
        }
    )
    profile = profile_frame(frame)
    assert list(profile.columns) == list(frame.columns)
    restored = round_trip(profile)
    assert restored == profile
    assert list(restored.columns) == list(frame.columns)
    assert restored.columns["名前"].top == {"太郎": 2, "花子": 1}


def test_to_dict_is_nan_free_and_keeps_category_order() -> None:
    profile = profile_frame(pd.DataFrame({"x": [np.nan, np.nan], "c": ["z", "z"]}))
    data = profile.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["columns"][0]["mean"] is None
    assert data["columns"][1]["top"] == [["z", 2]]  # a list of pairs: jsonb would reorder an object


def test_json_of_a_million_row_profile_is_small() -> None:
    rng = np.random.default_rng(5)
    n = 1_000_000
    frame = pd.DataFrame({f"x{i}": rng.normal(i, 1, n) for i in range(6)})
    frame["small_int"] = rng.integers(0, 100, n)
    frame["level"] = pd.Series(rng.choice(["low", "mid", "high"], n), dtype="str")
    frame["flag"] = rng.random(n) < 0.2
    frame["user"] = pd.Series([f"user-{i:07d}" for i in range(n)], dtype="str")
    size = len(json.dumps(profile_frame(frame).to_dict(), allow_nan=False))
    small = len(json.dumps(profile_frame(frame.head(1000)).to_dict(), allow_nan=False))
    assert size < 25_000, size  # ~2 KB per numeric column (101 quantiles + ≤ 21 edges)
    assert size < small * 1.3


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: profile_frame([1, 2]), "needs a pandas DataFrame"),
        (
            lambda: profile_frame(pd.DataFrame([[1, 2]], columns=["a", "a"])),
            r"duplicate column names \['a'\]",
        ),
        (lambda: profile_frame(pd.DataFrame({"a": [1]}), top_k=0), "top_k=0"),
        (lambda: DatasetProfile.from_dict({"columns": []}), "not a dataset profile"),
        (lambda: DatasetProfile.from_dict({"version": 99, "row_count": 1, "columns": []}), "version 99"),
        (
            lambda: DatasetProfile.from_dict({"row_count": 1, "columns": [{"name": "a", "kind": "vector"}]}),
            "column profile 'a': kind='vector'",
        ),
        (
            lambda: DatasetProfile.from_dict({"row_count": 1, "columns": [{"name": "a", "kind": "numeric"}]}),
            "column profile 'a' is malformed",
        ),
        (lambda: median_profile([]), "at least one profile"),
    ],
)
def test_bad_input_is_reported_with_the_input_named(call, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()
