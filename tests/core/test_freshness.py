"""Freshness: the data's lag behind the run from a timestamp column, a file or the last good run. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from airflow_mlops.checks import Anomaly, Freshness
from airflow_mlops.core.freshness import format_duration
from airflow_mlops.core.profile import DatasetProfile, profile_frame
from airflow_mlops.core.results import Status
from airflow_mlops.exceptions import InputError

RUN = datetime(2026, 11, 5, 6, 0, tzinfo=UTC)


def events(latest: datetime) -> DatasetProfile:
    stamps = pd.to_datetime([latest - timedelta(hours=h) for h in (30, 20, 10, 0)], utc=True)
    return profile_frame(pd.DataFrame({"loaded_at": stamps, "x": [1, 2, 3, 4]}))


@pytest.mark.parametrize(
    ("hours_late", "status"),
    [(1, Status.PASSED), (6, Status.PASSED), (7, Status.WARNED), (30, Status.FAILED)],
)
def test_the_lag_of_a_timestamp_column_is_graded_in_durations(hours_late: int, status: Status) -> None:
    check = Freshness("loaded_at", warn="6h", fail=timedelta(days=1))
    result = check.evaluate_history(events(RUN - timedelta(hours=hours_late)), [], RUN)
    assert result.status is status
    assert result.statistic == hours_late * 3600
    assert result.threshold == {"warn": 21600.0, "fail": 86400.0}
    assert result.message.startswith(
        f"latest {(RUN - timedelta(hours=hours_late)).isoformat()}: {format_duration(hours_late * 3600)} before the run"
    )


def test_a_file_modification_time_and_the_last_passed_run() -> None:
    by_file = Freshness(source="file", fail="2h")
    facts = {"file_modified_at": RUN - timedelta(hours=3)}
    assert by_file.evaluate_history(events(RUN), [], RUN, facts=facts).status is Status.FAILED
    missing = by_file.evaluate_history(events(RUN), [], RUN, facts={"file_modified_at": None})
    assert missing.status is Status.ERRORED and "not a file" in missing.message
    by_run = Freshness(source="last_passed_run", warn="1d")
    history = [(RUN - timedelta(days=3), events(RUN)), (RUN - timedelta(days=2), events(RUN))]
    result = by_run.evaluate_history(events(RUN), history, RUN)
    assert result.status is Status.WARNED and result.statistic == 2 * 86400
    assert by_run.evaluate_history(events(RUN), [], RUN).status is Status.ERRORED  # never passed yet


def test_a_column_that_cannot_say_fails_closed() -> None:
    numbers = Freshness("x", fail="1h").evaluate_history(events(RUN), [], RUN)
    assert numbers.status is Status.ERRORED and "int64, not a timestamp column" in numbers.message
    empty = profile_frame(pd.DataFrame({"loaded_at": pd.to_datetime([None, None], utc=True)}))
    assert "all null" in Freshness("loaded_at", fail="1h").evaluate_history(empty, [], RUN).message
    gone = Freshness("nope", fail="1h").evaluate_history(events(RUN), [], RUN)
    assert gone.status is Status.ERRORED and "'nope' is not in the current data" in gone.message


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Freshness(fail="1h"), "column= must name the timestamp column"),
        (
            lambda: Freshness("t", source="clock", fail="1h"),
            "source= must be one of 'column', 'file', .*; got 'clock'",
        ),
        (lambda: Freshness("t", fail="soon"), "fail='soon' is not a duration"),
        (lambda: Freshness("t", warn="99999999999d"), "warn='99999999999d' is longer than 3650 days"),
        (lambda: Freshness("t"), "give warn=, fail= or both"),
        (lambda: Freshness("t", warn="2d", fail="1d"), "warn=172800.0 is above fail=86400.0"),
    ],
)
def test_bad_arguments_name_the_argument(make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_a_learned_band_of_the_usual_arrival_lag() -> None:
    """Data usually lands 2 h (± a few minutes) before the run: 5 h late is an anomaly long before 1 day."""
    history = [
        (RUN - timedelta(days=d), events(RUN - timedelta(days=d, hours=2, minutes=5 * (d % 3))))
        for d in range(1, 11)
    ]
    check = Anomaly("lag", column="loaded_at", fail=5, direction="up")
    assert check.evaluate_history(events(RUN - timedelta(hours=2)), history, RUN).status is Status.PASSED
    late = check.evaluate_history(events(RUN - timedelta(hours=5)), history, RUN)
    assert late.status is Status.FAILED and late.baseline == pytest.approx(2 * 3600 + 300)


def test_format_duration() -> None:
    assert [format_duration(s) for s in (45, 3600 * 5 + 720, 86400 * 2 + 3600 * 3 + 60, -90)] == [
        "45s",
        "5h 12m",
        "2d 3h",
        "-1m 30s",
    ]
