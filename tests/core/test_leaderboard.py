from datetime import UTC, datetime, timedelta

import pytest

from airflow_mlops.checks import MetricRegression, RowCount
from airflow_mlops.core.leaderboard import (
    Candidate,
    PrimaryMetric,
    Promotion,
    build_board,
    candidate_source,
    primary_metric,
)
from airflow_mlops.exceptions import InputError

DAY = datetime(2026, 11, 1, 6, tzinfo=UTC)


def at(days: float) -> datetime:
    return DAY + timedelta(days=days)


def candidate(pid: int, accuracy: float | None, days: float, **kw) -> Candidate:  # type: ignore[no-untyped-def]
    metrics = {"f1": 0.5} if accuracy is None else {"accuracy": accuracy, "f1": 0.5}
    return Candidate(profile_id=pid, metrics=metrics, recorded_at=at(days), **kw)


NOTEBOOK = candidate(1, 0.90, 0, source="contract:wine:abc", exported_at=at(-2))
RUNS = [
    candidate(2, 0.93, 1, run_id="r1", dag_id="d", gate_status="PASSED"),
    candidate(3, 0.95, 2, run_id="r2", dag_id="d", gate_status="PASSED"),
    candidate(4, 0.80, 3, run_id="r3", dag_id="d", gate_status="FAILED", gate_reason="accuracy dropped 0.15"),
    candidate(5, None, 4, run_id="r4", dag_id="d", gate_status="PASSED"),
]
PROMOTIONS = [
    Promotion(profile_id=1, at=at(0), by="notebook", reason="first champion", active=False),
    Promotion(profile_id=2, at=at(1.5), by="gate", reason="promoted: gate passed", active=True),
]
ACCURACY = PrimaryMetric("accuracy")


def test_the_champion_first_then_the_best_with_beaters_and_failures_marked() -> None:
    board = build_board("wine.model", [NOTEBOOK, *RUNS], PROMOTIONS, ACCURACY)
    assert [r.candidate.profile_id for r in board.rows] == [2, 3, 1, 4, 5]  # champion, then by accuracy
    assert board.champion is not None and board.champion.candidate.profile_id == 2
    by_id = {r.candidate.profile_id: r for r in board.rows}
    assert by_id[3].beats_champion and not by_id[1].beats_champion and not by_id[2].beats_champion
    assert by_id[1].was_champion and not by_id[3].was_champion
    assert by_id[4].failed_why == "accuracy dropped 0.15" and by_id[3].failed_why is None
    assert by_id[5].value is None and by_id[5].rank == 5  # a candidate without the metric ranks last
    assert [p.profile_id for p in board.promotions] == [1, 2]


def test_lower_is_better_reverses_the_ranking() -> None:
    board = build_board("k", RUNS[:3], [], PrimaryMetric("accuracy", higher_is_better=False))
    assert [r.candidate.profile_id for r in board.rows] == [4, 2, 3] and board.champion is None
    assert not any(r.beats_champion for r in board.rows)  # nothing to beat without a champion


def test_velocity_from_the_contracts_export() -> None:
    v = build_board("k", [NOTEBOOK, *RUNS], PROMOTIONS, ACCURACY).velocity
    assert v.export_to_production == timedelta(days=3).total_seconds()  # export at -2, first run at +1
    assert v.export_to_promotion == timedelta(days=3.5).total_seconds()  # the production model's promotion
    assert (v.candidates, v.promotions, v.candidates_per_promotion) == (5, 2, 2.5)
    empty = build_board("k", [], [], ACCURACY).velocity
    assert empty.export_to_production is None and empty.candidates_per_promotion is None


def test_a_primary_metric_no_candidate_has_names_the_metrics() -> None:
    with pytest.raises(
        InputError, match=r"no candidate has the primary metric 'auc'; its metrics are accuracy, f1"
    ):
        build_board("k", RUNS, [], PrimaryMetric("auc"))


def test_the_primary_metric_declared_by_the_checks() -> None:
    checks = [
        RowCount(warn=0.1),
        MetricRegression("f1", fail=0.1),
        MetricRegression("rmse", fail=0.1, higher_is_better=False, primary=True),
    ]
    assert primary_metric(checks) == PrimaryMetric("rmse", higher_is_better=False)
    assert primary_metric(
        [MetricRegression("f1", fail=0.1), MetricRegression("auc", fail=0.1)]
    ) == PrimaryMetric("f1")
    assert primary_metric([RowCount(warn=0.1)]) is None
    with pytest.raises(InputError, match=r"only one MetricRegression may be primary=True; got 2 \(f1, auc\)"):
        primary_metric(
            [MetricRegression("f1", fail=0.1, primary=True), MetricRegression("auc", fail=0.1, primary=True)]
        )
    with pytest.raises(InputError, match="primary must be True or False; got 'yes'"):
        MetricRegression("f1", fail=0.1, primary="yes")  # type: ignore[arg-type]


def test_where_a_candidate_came_from() -> None:
    assert candidate_source("contract:wine:abc", None) == "notebook contract"
    assert candidate_source("metrics callable train()", "scheduled__1") == "production run"
    assert candidate_source(None, None) == "manual"


def test_the_board_as_json_keeps_full_precision() -> None:
    board = build_board("k", [candidate(9, 1 / 3, 0, run_id="r")], [], ACCURACY).to_dict()
    assert board["rows"][0]["primary"] == 1 / 3 and board["primary_metric"] == {
        "name": "accuracy",
        "higher_is_better": True,
    }
    assert board["rows"][0]["recorded_at"] == "2026-11-01T06:00:00+00:00"


def test_row_notes_say_what_the_board_marks() -> None:
    from airflow_mlops.core.leaderboard import row_notes

    rows = {
        r["profile_id"]: r
        for r in build_board("k", [NOTEBOOK, *RUNS], PROMOTIONS, ACCURACY).to_dict()["rows"]
    }
    assert row_notes(rows[2]) == [("champion", "champion")]
    assert row_notes(rows[3]) == [("beats", "beats the champion")]
    assert row_notes(rows[1]) == [("was", "was champion")]
    assert row_notes(rows[4]) == [("failed", "gate failed: accuracy dropped 0.15")]
