"""QualityGateSensor and its trigger: a producer DAG with a gate, consumer DAGs that wait for it (dag.test)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from airflow_mlops.triggers.gate import QualityGateTrigger
from tests.helpers import record_gate, run_dag, task_states

pytestmark = [pytest.mark.dagrun, pytest.mark.usefixtures("airflow_db")]
SIX = datetime(2026, 3, 2, 6, tzinfo=UTC)  # a consumer run's run time; its producer's runs at 05:00 and 07:00


@pytest.fixture(scope="module")
def dags():  # type: ignore[no-untyped-def]
    from tests.dags import gate_dags, handoff_dags

    return gate_dags, handoff_dags


MODES = ["consumer_poke", "consumer_deferred"]


@pytest.mark.parametrize("consumer", MODES)
def test_consumer_proceeds_after_a_pass(dags, alerting, consumer) -> None:
    producer, handoff = dags
    produced = run_dag(producer.gate_dag)
    consumed = run_dag(getattr(handoff, consumer), producer_run_id=produced.run_id)
    assert task_states(consumed) == {"wait_for_gate": "success", "use_validated_data": "success"}


@pytest.mark.parametrize("consumer", MODES)
def test_consumer_fails_fast_naming_owner_and_incident_after_a_failure(
    dags, alerting, consumer, capfd
) -> None:
    producer, handoff = dags
    produced = run_dag(producer.gate_dag, fault="nulls")
    assert task_states(produced)["gate"] == "failed"
    capfd.readouterr()
    consumed = run_dag(getattr(handoff, consumer), producer_run_id=produced.run_id)
    assert task_states(consumed) == {"wait_for_gate": "failed", "use_validated_data": "upstream_failed"}
    captured = capfd.readouterr()
    out = captured.out + captured.err
    assert f"gate mlops_test_gate.gate (run {produced.run_id}) FAILED (owner ml-platform, incident #1)" in out
    assert "Report: http" in out and "/mlops/report/mlops_test_gate/" in out
    assert "AirflowSensorTimeout" not in out  # it failed on the decision, not by waiting out the timeout


@pytest.mark.parametrize("consumer", MODES)
def test_consumer_proceeds_after_an_override(dags, store, alerting, consumer) -> None:
    producer, handoff = dags
    produced = run_dag(producer.gate_dag, fault="nulls")
    store.add_override(
        dag_id="mlops_test_gate", run_id=produced.run_id, task_id="gate", reason="vendor outage", user="carol"
    )
    consumed = run_dag(getattr(handoff, consumer), producer_run_id=produced.run_id)
    assert task_states(consumed) == {"wait_for_gate": "success", "use_validated_data": "success"}


def decide_once_the_trigger_waits(monkeypatch, decide):  # type: ignore[no-untyped-def]
    """Call ``decide()`` (write the producer's decision) in a thread as soon as the trigger has looked once
    and found nothing: the consumer is deferred by then. Returns the thread and the "it looked" event."""
    import threading

    looked = threading.Event()
    lookup = QualityGateTrigger._lookup

    def observed(self):  # type: ignore[no-untyped-def]
        found = lookup(self)
        looked.set()
        return found

    monkeypatch.setattr(QualityGateTrigger, "_lookup", observed)  # dag.test() runs the trigger in-process

    def writer() -> None:
        if looked.wait(timeout=120):
            decide()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    return thread, looked


@pytest.mark.parametrize(("decision", "sensor_state"), [("PASSED", "success"), ("FAILED", "failed")])
def test_deferred_sensor_waits_in_the_trigger_until_the_gate_decides(
    dags, store, monkeypatch, decision, sensor_state, capfd
) -> None:
    """The producer decides only after the consumer deferred: the trigger, not the first look, sees it."""
    _, handoff = dags
    writer, looked = decide_once_the_trigger_waits(
        monkeypatch, lambda: record_gate(store, "producer-late", decision)
    )
    consumed = run_dag(handoff.consumer_deferred, producer_run_id="producer-late")
    writer.join(timeout=30)
    assert looked.is_set() and task_states(consumed)["wait_for_gate"] == sensor_state
    captured = capfd.readouterr()
    assert "DEFERRED" in captured.out + captured.err  # it really waited in the trigger


_runs = itertools.count()


@pytest.mark.parametrize(("decision", "sensor_state"), [("PASSED", "success"), ("FAILED", "failed")])
def test_a_consumer_matched_by_run_time_defers_then_follows_the_late_decision(
    dags, any_store, monkeypatch, decision, sensor_state, capfd
) -> None:
    """The consumer's 06:00 run defers before the producer's 05:00 run has decided, while its 07:00 run has
    decided the opposite already. The trigger, rebuilt by dag.test() from serialize(), waits for the 05:00
    decision and follows it: success on PASSED, a failure at once (not at the timeout) on FAILED."""
    import time

    _, handoff = dags
    producer = "mlops_test_late_producer"
    opposite = "FAILED" if decision == "PASSED" else "PASSED"
    moment = SIX + timedelta(minutes=next(_runs))  # dag.test() names the run after its run_after
    record_gate(any_store, "producer_0700", opposite, dag_id=producer, run_after=moment + timedelta(hours=1))
    writer, looked = decide_once_the_trigger_waits(
        monkeypatch,
        lambda: record_gate(
            any_store, "producer_0500", decision, dag_id=producer, run_after=moment - timedelta(hours=1)
        ),
    )
    started = time.monotonic()
    consumed = handoff.consumer_by_time.test(run_after=moment, run_conf={"producer": producer})
    took = time.monotonic() - started
    writer.join(timeout=30)
    assert looked.is_set()  # it waited in the trigger
    assert task_states(consumed) == {
        "wait_for_gate": sensor_state,
        "use_validated_data": "success" if decision == "PASSED" else "upstream_failed",
    }
    captured = capfd.readouterr()
    assert f"gate {producer}.gate (run producer_0500)" in captured.out + captured.err
    assert took < 60 and "AirflowSensorTimeout" not in captured.out + captured.err  # timeout=600


def test_without_run_id_the_latest_producer_run_before_mine_decides(dags, alerting) -> None:
    producer, handoff = dags
    run_dag(producer.gate_dag)
    run_dag(producer.gate_dag, fault="nulls")  # the latest one failed
    assert task_states(run_dag(handoff.consumer_latest))["wait_for_gate"] == "failed"
    run_dag(producer.gate_dag)  # and now it passed again
    assert task_states(run_dag(handoff.consumer_latest))["wait_for_gate"] == "success"


# -- the trigger ------------------------------------------------------------------------------------
def rebuilt(trigger: QualityGateTrigger, through: str = "kwargs") -> QualityGateTrigger:
    """The trigger as Airflow rebuilds it in the triggerer and in ``dag.test()``: ``cls(**kwargs)`` from
    ``serialize()`` (no ``deserialize()`` is ever called), the kwargs as they are or through Airflow's serde
    (what the trigger table and the task's DeferTask message carry)."""
    import importlib

    from airflow.sdk.serde import deserialize, serialize

    classpath, kwargs = trigger.serialize()
    if through == "serde":
        kwargs = deserialize(serialize(kwargs))
    module, _, name = classpath.rpartition(".")
    return getattr(importlib.import_module(module), name)(**kwargs)


def test_trigger_serialize_round_trips() -> None:
    trigger = QualityGateTrigger(
        external_dag_id="d",
        gate_task_id="gate",
        logical_date=datetime(2026, 11, 27, 6, tzinfo=UTC),
        allow_warn=False,
        poll_interval=5,
        max_store_errors=3,
    )
    path, kwargs = trigger.serialize()
    assert path == "airflow_mlops.triggers.gate.QualityGateTrigger"
    six = datetime(2026, 11, 27, 6, tzinfo=UTC)
    assert kwargs["logical_date"] == six  # a datetime, which Airflow's serde carries as one
    for through in ("kwargs", "serde"):
        again = rebuilt(trigger, through)
        assert again.serialize() == (path, kwargs)
        assert again.logical_date == six and again.at_or_before is None
    # an ISO string (a trigger row of an older version), another time zone or a naive datetime: UTC
    for moment in ("2026-11-27T08:00:00+02:00", "2026-11-27T06:00:00Z", datetime(2026, 11, 27, 6)):
        again = QualityGateTrigger(external_dag_id="d", gate_task_id="gate", at_or_before=moment)
        assert again.at_or_before == six and again.at_or_before.tzinfo is UTC


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A fresh, configured results store per test: a SQLite file, or a fresh PostgreSQL database."""
    from airflow_mlops.config import get_store

    url = (
        f"sqlite:///{tmp_path / 'gate-store.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    monkeypatch.setenv("AIRFLOW__MLOPS__RESULTS_DB_URL", url)
    store = get_store(url)
    yield store
    store.engine.dispose()


@pytest.mark.parametrize("through", ["kwargs", "serde"])
def test_a_rebuilt_trigger_waits_for_the_decision_of_the_right_run(any_store, through) -> None:
    """A FAILED gate of the producer's 07:00 run is not the decision for a consumer run at 06:00 (nor at
    08:00+02:00, the same moment); the PASSED gate of the 05:00 run is, by run time and by logical date."""
    later, earlier = SIX + timedelta(hours=1), SIX - timedelta(hours=1)
    record_gate(any_store, "run_0700", "FAILED", dag_id="d", run_after=later, logical_date=later)

    def trigger(**match):  # type: ignore[no-untyped-def]
        made = QualityGateTrigger(external_dag_id="d", gate_task_id="gate", poll_interval=0.05, **match)
        return rebuilt(made, through)

    at_six = [trigger(at_or_before=SIX), trigger(at_or_before=SIX.astimezone(timezone(timedelta(hours=2))))]
    for waiting in at_six:
        assert waiting._lookup().run_id is None  # no decision yet for a 06:00 run: keep waiting
    by_date = trigger(logical_date=earlier)
    assert by_date._lookup().run_id is None

    record_gate(any_store, "run_0500", "PASSED", dag_id="d", run_after=earlier, logical_date=earlier)
    for waiting in [*at_six, by_date]:
        [event] = asyncio.run(asyncio.wait_for(_events(waiting), timeout=10))
        assert (event["status"], event["run_id"]) == ("pass", "run_0500")


async def _events(trigger: QualityGateTrigger) -> list[dict]:  # type: ignore[type-arg]
    return [event.payload async for event in trigger.run()]


def test_trigger_retries_an_unreachable_store_then_reports_a_clear_error(monkeypatch) -> None:
    from airflow_mlops.sensors import QualityGateSensor
    from airflow_mlops.sensors.gate import AirflowException

    monkeypatch.setenv("AIRFLOW__MLOPS__RESULTS_DB_URL", "postgresql+psycopg://postgres@127.0.0.1:1/mlops")
    trigger = QualityGateTrigger(
        external_dag_id="d", gate_task_id="gate", run_id="r", poll_interval=0.01, max_store_errors=3
    )
    [event] = asyncio.run(_events(trigger))
    assert event["status"] == "error" and event["attempts"] == 3 and "unreachable" in event["message"]
    sensor = QualityGateSensor(task_id="wait", external_dag_id="d", gate_task_id="gate", run_id="r")
    with pytest.raises(AirflowException, match=r"unreachable 3 times in a row while waiting for gate d.gate"):
        sensor.execute_complete({}, event)


def test_trigger_keeps_waiting_through_store_blips(store) -> None:
    """Two failed reads (a store restart), then the decision: the trigger fires the decision, not an error."""
    from airflow_mlops.exceptions import StoreUnavailableError

    class Blipping(QualityGateTrigger):
        blips = 2

        def _lookup(self):  # type: ignore[no-untyped-def]
            if self.blips:
                self.blips -= 1
                raise StoreUnavailableError("results store restarting")
            return super()._lookup()

    record_gate(store, "r", "FAILED", dag_id="d")
    store.add_override(dag_id="d", run_id="r", task_id="gate", reason="accepted", user="carol")
    trigger = Blipping(
        external_dag_id="d", gate_task_id="gate", run_id="r", poll_interval=0.01, max_store_errors=3
    )
    [event] = asyncio.run(asyncio.wait_for(_events(trigger), timeout=60))
    assert event["status"] == "pass" and event["overridden_by"] == "carol" and trigger.blips == 0


# -- asset handoff ----------------------------------------------------------------------------------
def queued_for(dag_id: str) -> int:
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session

    with create_session() as session:
        return len(
            session.scalars(sa.select(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id == dag_id)).all()
        )


def test_an_asset_scheduled_consumer_is_queued_only_by_passing_runs(dags, alerting) -> None:
    from airflow.models.asset import AssetDagRunQueue
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session

    producer, handoff = dags
    run_dag(producer.gate_dag)  # dag.test() serializes the whole test bundle, the consumer included
    consumer = handoff.asset_consumer.dag_id
    with create_session() as session:
        session.execute(sa.update(DagModel).where(DagModel.dag_id == consumer).values(is_paused=False))
        session.execute(sa.delete(AssetDagRunQueue).where(AssetDagRunQueue.target_dag_id == consumer))
    try:
        failed = run_dag(producer.gate_dag, fault="nulls")
        assert task_states(failed)["gate"] == "failed"
        assert queued_for(consumer) == 0  # failed data never triggers the consumer
        run_dag(producer.gate_dag)
        assert queued_for(consumer) == 1  # the scheduler would now create the consumer's run
    finally:
        with create_session() as session:
            session.execute(sa.update(DagModel).where(DagModel.dag_id == consumer).values(is_paused=True))
