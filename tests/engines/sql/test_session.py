"""The profile's session on PostgreSQL: one snapshot for every pass, and a capped number of connections."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from airflow_mlops.core.profile import DatasetProfile, profile_frame
from airflow_mlops.engines.sql import profile_sql
from airflow_mlops.exceptions import InputError


@pytest.mark.postgres
@pytest.mark.parametrize(("quantiles", "parallel"), [("exact", 1), ("exact", 2), ("sketch", 1)])
def test_rows_written_while_profiling_do_not_make_the_passes_disagree(
    pg_url: str, quantiles: str, parallel: int
) -> None:
    """Every pass reads one snapshot: rows committed between passes are in none of them."""
    rng = np.random.default_rng(3)
    engine = sa.create_engine(pg_url)
    writer = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    pd.DataFrame(
        {"x": rng.normal(0, 1, 5_000), "y": rng.normal(5, 2, 5_000), "c": rng.choice(list("ab"), 5_000)}
    ).to_sql("live", engine, index=False)
    inserted: list[int] = []
    once = threading.Lock()  # with parallel=2 two connections reach pass 2 at once

    def write_between_passes(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        with once:
            if not inserted and ("percentile_cont" in statement or "width_bucket" in statement):
                with writer.connect() as other:
                    other.execute(
                        sa.text(
                            "INSERT INTO live SELECT 100 + g, 100 + g, 'new' FROM generate_series(1, 1000) g"
                        )
                    )
                inserted.append(1000)

    sa.event.listen(engine, "before_cursor_execute", write_between_passes)
    try:
        profile = profile_sql(engine, sa.table("live"), quantiles=quantiles, parallel=parallel)  # type: ignore[arg-type]
    finally:
        sa.event.remove(engine, "before_cursor_execute", write_between_passes)
    with writer.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM live")).scalar_one() == 6_000  # the rows did land
    engine.dispose()
    writer.dispose()
    assert inserted and profile.row_count == 5_000
    for name in ("x", "y"):
        column = profile.columns[name]
        assert column.count == 5_000 and sum(column.hist_counts) == 5_000, name
        assert column.max < 100 and column.quantiles[-1] < 100, name  # no new row in any pass
    labels = profile.columns["c"]  # counted on a connection of its own when there are several
    assert labels.count == sum(labels.top.values()) == 5_000 and labels.distinct_count == 2


@pytest.mark.postgres
def test_connections_at_once_follow_the_server_parallel_setting_up_to_a_cap(pg_url: str) -> None:
    from airflow_mlops.engines.sql import MAX_POOL_CONNECTIONS, MAX_SERVER_CONNECTIONS

    rng = np.random.default_rng(9)
    frame = pd.DataFrame({f"x{k}": rng.normal(k, 1, 2_000) for k in range(30)})
    frame["c"] = rng.choice(list("abc"), 2_000)
    setup = sa.create_engine(pg_url)
    frame.to_sql("wide_numbers", setup, index=False)
    setup.dispose()
    open_now = 0
    most = 0
    lock = threading.Lock()

    def profile_with(workers: int, quantiles: str, parallel: int) -> DatasetProfile:
        nonlocal open_now, most
        open_now = most = 0
        engine = sa.create_engine(
            pg_url, connect_args={"options": f"-c max_parallel_workers_per_gather={workers}"}, pool_size=20
        )

        @sa.event.listens_for(engine, "checkout")
        def checkout(*_: Any) -> None:
            nonlocal open_now, most
            with lock:
                open_now += 1
                most = max(most, open_now)

        @sa.event.listens_for(engine, "checkin")
        def checkin(*_: Any) -> None:
            nonlocal open_now
            with lock:
                open_now -= 1

        try:
            return profile_sql(engine, sa.table("wide_numbers"), quantiles=quantiles, parallel=parallel)  # type: ignore[arg-type]
        finally:
            engine.dispose()

    expected = profile_frame(frame)
    for workers, quantiles, parallel, allowed in [
        (0, "sketch", 1, 1),
        (32, "sketch", 1, 1 + MAX_SERVER_CONNECTIONS),
        (32, "exact", 1, 1),  # exact: parallel= connections only
        (0, "sketch", 16, 1 + MAX_POOL_CONNECTIONS),  # never more than the default pool holds
    ]:
        got = profile_with(workers, quantiles, parallel)
        # the main connection plus the pool's (how many overlap depends on timing; never more than the cap);
        # with no parallel workers everything runs on the main one
        assert most == allowed if allowed == 1 else 1 < most <= allowed, (workers, quantiles, parallel, most)
        assert got.row_count == 2_000 and got.columns["c"].top == expected.columns["c"].top
        for k in range(30):
            column, same = got.columns[f"x{k}"], expected.columns[f"x{k}"]
            assert column.count == same.count and sum(column.hist_counts) == 2_000, k


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"work_mem": "lots"}, r"work_mem='lots' must be a PostgreSQL memory size such as '64MB'"),
        ({"parallel": 0}, r"parallel=0 must be an integer from 1 to 16"),
        ({"parallel": True}, r"parallel=True must be an integer from 1 to 16"),
    ],
)
def test_session_settings_are_checked_before_any_connection(
    tmp_path: Path, settings: dict[str, Any], message: str
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'settings.db'}")
    connected: list[int] = []
    sa.event.listen(engine, "connect", lambda *_: connected.append(1))
    with pytest.raises(InputError, match=message):
        profile_sql(engine, sa.table("t"), **settings)
    engine.dispose()
    assert connected == []


@pytest.mark.postgres
def test_sketch_starts_the_label_scan_beside_pass_1_and_spreads_the_scans_over_the_connections(
    pg_url: str,
) -> None:
    """Sketch mode: the categorical columns' grouping-sets scan is sent before pass 1 ends, on a
    connection of its own, and the fine-bin scans run on the other pool connections: as many connections
    as ``1 + max_parallel_workers_per_gather``, each with the exported snapshot and ``work_mem`` once."""
    rng = np.random.default_rng(21)
    frame = pd.DataFrame({f"x{k}": rng.normal(k, 1, 3_000) for k in range(6)})
    for k in range(4):
        frame[f"c{k}"] = rng.choice([f"v{j}" for j in range(3 + k)], 3_000)
    setup = sa.create_engine(pg_url)
    frame.to_sql("beside_pass_1", setup, index=False)
    setup.dispose()
    engine = sa.create_engine(pg_url, connect_args={"options": "-c max_parallel_workers_per_gather=2"})
    label_scan_sent, bins_sent = threading.Event(), threading.Event()
    waited: list[bool] = []
    held: list[bool] = []
    sent: list[tuple[int, str]] = []  # (DB-API connection, statement) in the order they were sent
    lock = threading.Lock()

    def before(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        with lock:
            sent.append((id(conn.connection.dbapi_connection), statement.lower()))
            if sum("width_bucket(" in s for _, s in sent) == 2:
                bins_sent.set()
        if "label_groups" in statement:  # held until both fine-bin scans are sent: all three at once
            label_scan_sent.set()
            held.append(bins_sent.wait(timeout=10))
        elif "width_bucket(" in statement:
            held.append(bins_sent.wait(timeout=10))
        elif "AS row_count" in statement:  # pass 1 waits for the label scan: it must be on its way already
            waited.append(label_scan_sent.wait(timeout=10))

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        got = profile_sql(engine, sa.table("beside_pass_1"), quantiles="sketch", work_mem="16MB")
    finally:
        engine.dispose()
    assert waited == [True], "the label scan was not sent before pass 1 ended"
    assert held == [True] * 3, "the label scan and the two fine-bin scans did not run at once"
    expected = profile_frame(frame)
    for k in range(4):
        assert got.columns[f"c{k}"].top == expected.columns[f"c{k}"].top
    on = {
        kind: [c for c, s in sent if marker in s]
        for kind, marker in [("pass1", "as row_count"), ("labels", "label_groups"), ("bins", "width_bucket(")]
    }
    main = on["pass1"][0]
    assert len(on["labels"]) == 1 and on["labels"][0] != main  # one scan of the 4 columns, beside pass 1
    assert len(on["bins"]) == 2 and len({*on["bins"], on["labels"][0], main}) == 4  # 6 columns, 2 connections
    # every connection: the snapshot (pool's only) and work_mem once, each with its own transaction
    for connection in {c for c, _ in sent} & {main, *on["labels"], *on["bins"]}:
        mine = [s for c, s in sent if c == connection]
        assert sum("set_config" in s for s in mine) == 1, mine
        assert sum("set transaction snapshot" in s for s in mine) == (0 if connection == main else 1), mine
