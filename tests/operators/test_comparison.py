"""BaselineComparisonOperator over sequences of real daily DAG runs (dag.test) with injected faults."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.helpers import run_dag, task_states, xcom

pytestmark = [pytest.mark.dagrun, pytest.mark.usefixtures("airflow_db")]


@pytest.fixture(scope="module")
def dags():  # type: ignore[no-untyped-def]
    from tests.dags import comparison_dags

    return comparison_dags


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    from airflow_mlops.config import get_store

    return get_store()


def statuses(store, dag_run, task_id: str = "compare") -> dict[str, str]:  # type: ignore[no-untyped-def]
    row = store.latest_check_run(dag_id=dag_run.dag_id, task_id=task_id, run_id=dag_run.run_id)
    assert row is not None
    return {r.name: r.status for r in row.results}


def baseline_runs(store, dag_run, task_id: str = "compare") -> list[str]:  # type: ignore[no-untyped-def]
    row = store.latest_check_run(dag_id=dag_run.dag_id, task_id=task_id, run_id=dag_run.run_id)
    return row.summary["baseline"]["run_ids"]


def not_passed(result: dict[str, str]) -> dict[str, str]:
    return {name: status for name, status in result.items() if status != "PASSED"}


def _runs_list_shows(url: str, run_id: str, message: str) -> None:
    import contextlib
    import io
    import json

    from airflow_mlops.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--url", url, "runs", "list", "--run-id", run_id, "--json"]) == 0
    rows = json.loads(out.getvalue())
    assert [r["message"] for r in rows] == [message]
    assert all(r["data"][:4].isdigit() for r in rows)  # the data's date beside the run id


def test_daily_sequence_faults_fail_the_right_check_and_never_become_the_baseline(dags, store) -> None:
    dag = dags.compare_daily
    first = run_dag(dag, seed=1)
    assert task_states(first) == {"compare": "success"}  # no baseline yet: warn, profile recorded
    first_row = store.latest_check_run(dag_id=dag.dag_id, task_id="compare", run_id=first.run_id)
    assert first_row.status == "NO_BASELINE" and {r.severity for r in first_row.results} == {"warn"}
    assert store.profiles(key="mlops_test_compare_daily.compare")[0].run_id == first.run_id
    # What `runs list` and the pages show (issue 15 §5): not "all N checks passed", which it was.
    n = len(first_row.results)
    expected = (
        f"no baseline yet for 'mlops_test_compare_daily.compare': profile recorded, {n} checks not compared"
    )
    assert first_row.message == expected and "passed" not in first_row.message
    _runs_list_shows(store.url, first.run_id, expected)

    clean = run_dag(dag, seed=2)
    assert task_states(clean) == {"compare": "success"}
    assert not_passed(statuses(store, clean)) == {}
    assert baseline_runs(store, clean) == [first.run_id]
    summary = xcom(clean, "compare")
    assert summary["status"] == "PASSED" and summary["kind"] == "comparison"

    expected = {
        "null_spike": {"null_rate(alcohol)": "FAILED"},
        "dropped_column": {"schema": "FAILED"},
        "shifted": {"drift_psi(color_intensity)": "FAILED"},
        "volume_drop": {"row_count": "FAILED"},
        "category_flood": {"drift_chi2(cultivar)": "FAILED"},
    }
    for seed, (fault, failing) in enumerate(expected.items(), start=10):
        faulty = run_dag(dag, seed=seed, fault=fault)
        assert task_states(faulty) == {"compare": "failed"}, fault
        assert not_passed(statuses(store, faulty)) == failing, fault
        # the failed day is never the next day's baseline: it stays the last clean day
        assert baseline_runs(store, faulty) == [clean.run_id], fault

    after = run_dag(dag, seed=3)
    assert not_passed(statuses(store, after)) == {}
    assert baseline_runs(store, after) == [clean.run_id]


def test_drift_result_records_statistic_baseline_and_threshold(dags, store) -> None:
    dag = dags.compare_daily
    run_dag(dag, seed=4)
    shifted = run_dag(dag, seed=5, fault="shifted")
    row = store.latest_check_run(dag_id=dag.dag_id, task_id="compare", run_id=shifted.run_id)
    drift = next(r for r in row.results if r.name == "drift_psi(color_intensity)")
    assert drift.statistic > 0.4 and drift.threshold == {"warn": 0.2, "fail": 0.4}
    mean = next(r for r in row.results if r.name == "mean(alcohol)")
    assert mean.baseline is not None and mean.observed is not None and mean.statistic < 0.03


def test_rolling_and_pinned_policies(dags, store) -> None:
    from airflow_mlops import baselines

    dag = dags.compare_rolling
    runs = [run_dag(dag, seed=seed) for seed in (21, 22, 23, 24)]
    assert baseline_runs(store, runs[0]) == []
    assert baseline_runs(store, runs[1]) == [runs[0].run_id]
    assert baseline_runs(store, runs[3]) == [r.run_id for r in reversed(runs[:3])]  # median of the last 3
    assert not_passed(statuses(store, runs[3])) == {}

    flood = run_dag(dag, seed=25, fault="category_flood")
    assert not_passed(statuses(store, flood)) == {"drift_chi2(cultivar)": "FAILED"}
    later = run_dag(dag, seed=26)
    assert flood.run_id not in baseline_runs(store, later)

    pin = baselines.pin("wine.daily", run_id=runs[0].run_id, reason="reviewed golden day", user="alice")
    pinned = run_dag(dag, seed=27, policy="pinned")
    assert baseline_runs(store, pinned) == [runs[0].run_id]
    assert pin.pinned_by == "alice" and pin.reason == "reviewed golden day"

    missing = run_dag(dag, seed=28, policy="pinned:nothing-here")
    row = store.latest_check_run(dag_id=dag.dag_id, task_id="compare", run_id=missing.run_id)
    assert row.status == "NO_BASELINE"
    assert "airflow-mlops baseline pin --key wine.daily --label nothing-here" in row.results[0].message


@pytest.mark.postgres
def test_sql_profile_is_pushed_down_and_compared(dags, store, pg_url, monkeypatch) -> None:
    frame = dags.daily_wine()
    engine = sa.create_engine(pg_url)
    frame.to_sql("wine_day", engine, index=False)
    monkeypatch.setenv(
        "AIRFLOW_CONN_WH_PG", sa.make_url(pg_url).set(drivername="postgresql").render_as_string(False)
    )
    first = run_dag(dags.compare_sql, conn_id="wh_pg", table="wine_day")
    assert task_states(first) == {"compare": "success"}
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE wine_day SET alcohol = NULL WHERE magnesium > 110"))
    engine.dispose()
    second = run_dag(dags.compare_sql, conn_id="wh_pg", table="wine_day")
    assert task_states(second) == {"compare": "failed"}
    assert not_passed(statuses(store, second)) == {"null_rate(alcohol)": "FAILED"}
    profile = store.profiles(key="wine.sql")[0]
    assert profile.row_count == 2000 and profile.source == "table 'wine_day' on connection 'wh_pg'"


@pytest.mark.postgres
def test_sql_source_quantiles_sketch_reaches_the_profile(dags, store, pg_url, monkeypatch) -> None:
    """SqlSource(quantiles="sketch") makes the comparison read its quantiles off fine bins (no sort),
    within the documented bound of the exact profile of the same table."""
    from airflow_mlops.core.profile import SKETCH_BINS, DatasetProfile

    engine = sa.create_engine(pg_url)
    dags.daily_wine().to_sql("wine_day", engine, index=False)
    engine.dispose()
    monkeypatch.setenv(
        "AIRFLOW_CONN_WH_PG", sa.make_url(pg_url).set(drivername="postgresql").render_as_string(False)
    )
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(sa.Engine, "before_cursor_execute", record)
    try:
        sketched = run_dag(dags.compare_sql_sketch, conn_id="wh_pg", table="wine_day")
        sketch_statements, seen[:] = list(seen), []
        exact = run_dag(dags.compare_sql, conn_id="wh_pg", table="wine_day")
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", record)
    assert task_states(sketched) == task_states(exact) == {"compare": "success"}
    # the next day against the sketched baseline: color_intensity shifted, the sketch must see it
    with sa.create_engine(pg_url).begin() as conn:
        conn.execute(sa.text("UPDATE wine_day SET color_intensity = color_intensity * 1.6"))
    shifted = run_dag(dags.compare_sql_sketch, conn_id="wh_pg", table="wine_day")
    assert task_states(shifted) == {"compare": "failed"}
    assert not_passed(statuses(store, shifted)) == {"drift_psi(color_intensity)": "FAILED"}
    assert any("width_bucket" in s for s in sketch_statements)
    assert not any("percentile_cont" in s for s in sketch_statements)
    assert any("percentile_cont" in s for s in seen)  # the default stays exact
    [first_sketch] = [p for p in store.profiles(key="wine.sql.sketch") if p.run_id == sketched.run_id]
    fine = DatasetProfile.from_dict(first_sketch.profile)  # the same rows as the exact profile
    sorted_ = DatasetProfile.from_dict(store.profiles(key="wine.sql")[0].profile)
    for name, column in sorted_.columns.items():
        if column.kind == "numeric" and column.quantiles:
            bound = (column.max - column.min) / SKETCH_BINS
            got = fine.columns[name].quantiles
            assert all(abs(a - b) <= bound + 1e-9 for a, b in zip(got, column.quantiles, strict=True)), name


def test_metrics_over_the_configured_cap_are_errored(dags, store, monkeypatch) -> None:
    from airflow_mlops import baselines
    from airflow_mlops.exceptions import InputError

    monkeypatch.setenv("AIRFLOW__MLOPS__MAX_METRICS", "1")
    dag_run = run_dag(dags.compare_metrics)
    assert task_states(dag_run) == {"compare_model": "failed"}
    row = store.latest_check_run(dag_id=dag_run.dag_id, task_id="compare_model", run_id=dag_run.run_id)
    assert row.status == "ERRORED" and re.search(
        r"has \d+ metrics, over the cap of 1 \(\[mlops\] max_metrics\)", row.message
    )
    with pytest.raises(InputError, match=r"metrics has 2 metrics, over the cap of 1"):
        baselines.record_profile("capped", metrics={"auc": 0.9, "f1": 0.8})  # a notebook obeys it too


def test_model_metric_regression_against_pinned_champion(dags, store) -> None:
    from airflow_mlops import baselines

    dag = dags.compare_metrics
    no_champion = run_dag(dag)
    assert task_states(no_champion) == {"compare_model": "failed"}  # on_missing_baseline="fail"
    champion = dags.model_metrics()
    baselines.record_profile(
        "wine.model", metrics=champion, pin_label="champion", reason="v1 model", user="bob"
    )

    same = run_dag(dag)
    assert task_states(same) == {"compare_model": "success"}
    assert not_passed(statuses(store, same, "compare_model")) == {}

    degraded = run_dag(dag, fault="degrade")
    assert task_states(degraded) == {"compare_model": "failed"}
    result = statuses(store, degraded, "compare_model")
    assert result["metric_regression(accuracy)"] == "FAILED"
    row = store.latest_check_run(dag_id=dag.dag_id, task_id="compare_model", run_id=degraded.run_id)
    accuracy = next(r for r in row.results if r.name == "metric_regression(accuracy)")
    assert accuracy.baseline == pytest.approx(champion["accuracy"])
    assert accuracy.statistic == pytest.approx(champion["accuracy"] - accuracy.observed)


def test_anomaly_bands_learn_from_the_eligible_history_of_real_runs(dags, store) -> None:
    """Row counts 2000, 2100, 1900 train the band (median 2000, MAD 100); a failed day never does."""
    dag = dags.compare_anomaly
    first = run_dag(dag, seed=1, rows=2000)
    assert statuses(store, first) == {
        "anomaly_row_count": "NO_BASELINE",
        "anomaly_mean(alcohol)": "NO_BASELINE",
    }
    second = run_dag(dag, seed=2, rows=2100)  # one value in the history: the fallback RowCount decides
    row = store.latest_check_run(dag_id=dag.dag_id, task_id="compare", run_id=second.run_id)
    fallback = {r.name: r for r in row.results}["anomaly_row_count"]
    assert fallback.status == "PASSED" and "fallback row_count" in fallback.message
    run_dag(dag, seed=3, rows=1900)

    normal = run_dag(dag, seed=4, rows=2050)
    assert task_states(normal) == {"compare": "success"}
    row = store.latest_check_run(dag_id=dag.dag_id, task_id="compare", run_id=normal.run_id)
    result = {r.name: r for r in row.results}["anomaly_row_count"]
    assert result.status == "PASSED" and result.baseline == 2000
    assert result.statistic == pytest.approx(50 / (1.4826 * 100))
    assert result.details["learned"]["how"] == "median of the last 3 runs ± 3 MAD (warn), ± 5 MAD (fail)"
    assert result.details["band"]["fail"] == pytest.approx([2000 - 5 * 148.26, 2000 + 5 * 148.26])

    dropped = run_dag(dag, seed=5, rows=1000)  # 6.7 robust stds below the median
    assert task_states(dropped) == {"compare": "failed"}
    assert statuses(store, dropped)["anomaly_row_count"] == "FAILED"

    after = run_dag(dag, seed=6, rows=2000)  # trained on the 4 good runs, not on the failed one
    row = store.latest_check_run(dag_id=dag.dag_id, task_id="compare", run_id=after.run_id)
    learned = {r.name: r for r in row.results}["anomaly_row_count"].details["learned"]
    assert learned["training_values"] == 4 and learned["median"] == 2025


@pytest.mark.parametrize("eligible", ["passed", "warned"])
def test_a_warned_run_is_the_next_baseline_only_when_warned_runs_are_eligible(dags, store, eligible) -> None:
    dag = dags.compare_eligible
    good = run_dag(dag, seed=1, rows=2000, eligible=eligible)
    warned = run_dag(dag, seed=2, rows=1500, eligible=eligible)  # -25 %: WARNED
    assert statuses(store, warned) == {"row_count": "WARNED"}
    back = run_dag(dag, seed=3, rows=2000, eligible=eligible)
    expected = good if eligible == "passed" else warned
    assert baseline_runs(store, back) == [expected.run_id]
    row = store.latest_check_run(dag_id=dag.dag_id, task_id="compare", run_id=back.run_id)
    assert row.summary["baseline"]["eligible"] == eligible
    assert expected.run_id in row.summary["baseline"]["why"]
    assert statuses(store, back) == {"row_count": "PASSED" if eligible == "passed" else "WARNED"}


def test_freshness_of_a_file_and_of_its_timestamp_column(dags, store, tmp_path) -> None:
    import os
    import time

    import pandas as pd

    path = tmp_path / "events.parquet"
    now = pd.Timestamp.now(tz="UTC")
    pd.DataFrame({"loaded_at": [now - pd.Timedelta(days=3), now - pd.Timedelta(hours=1)]}).to_parquet(path)
    fresh = run_dag(dags.compare_fresh, path=str(path))
    assert statuses(store, fresh) == {"freshness(file)": "PASSED", "freshness(loaded_at)": "PASSED"}
    two_days_ago = time.time() - 2 * 86400
    os.utime(path, (two_days_ago, two_days_ago))  # the file was not refreshed
    stale = run_dag(dags.compare_fresh, path=str(path))
    assert task_states(stale) == {"compare": "failed"}
    assert statuses(store, stale) == {"freshness(file)": "FAILED", "freshness(loaded_at)": "PASSED"}


def test_a_dag_cannot_write_another_dags_baseline_key(dags, store) -> None:
    key = "mlops_test_compare_daily.compare"
    owner = run_dag(dags.compare_daily, seed=41)
    poison = run_dag(dags.compare_poison, seed=42)
    assert task_states(poison) == {"compare": "failed"}
    row = store.latest_check_run(dag_id="mlops_test_compare_poison", task_id="compare", run_id=poison.run_id)
    assert row.status == "ERRORED"
    assert (
        f"baseline_key '{key}' belongs to DAG 'mlops_test_compare_daily' (its first writer); DAG "
        "'mlops_test_compare_poison' may not record profiles under it" in row.message
    )
    assert "share_baseline_with=['mlops_test_compare_poison']" in row.message
    assert "mlops_test_compare_poison" not in {p.dag_id for p in store.profiles(key=key, limit=500)}
    after = run_dag(dags.compare_daily, seed=43)
    assert baseline_runs(store, after) == [owner.run_id]  # the owner's own last good day, never the poison


def test_a_band_learned_on_the_daily_psi_of_real_runs(dags, store) -> None:
    dag = dags.compare_psi_band
    name = "anomaly_statistic(drift_psi(color_intensity))"
    runs = [run_dag(dag, seed=seed) for seed in range(1, 6)]  # 4 daily PSIs recorded
    first, second = (
        store.latest_check_run(dag_id=dag.dag_id, task_id="compare", run_id=r.run_id) for r in runs[:2]
    )
    assert first.results[0].status == "NO_BASELINE" and first.results[0].observed is None  # no baseline yet
    assert second.results[0].status == "NO_BASELINE" and second.results[0].observed > 0  # recorded to learn
    last = store.latest_check_run(dag_id=dag.dag_id, task_id="compare", run_id=runs[-1].run_id).results[0]
    assert last.name == name and last.details["learned"]["training_values"] == 3
    assert last.status == "PASSED"
    shifted = run_dag(dag, seed=6, fault="shifted")  # color_intensity + 3 std: a PSI far above the band
    row = store.latest_check_run(dag_id=dag.dag_id, task_id="compare", run_id=shifted.run_id).results[0]
    assert row.status == "FAILED" and row.observed > 1 and row.details["learned"]["training_values"] == 4
