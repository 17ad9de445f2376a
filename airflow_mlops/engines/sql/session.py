"""The connections of one SQL profile and what they share.

On PostgreSQL every pass, on every connection, reads one snapshot: the main connection runs a
``REPEATABLE READ`` transaction and, when the profile uses several connections, exports its snapshot
(``pg_export_snapshot()``) to each of the pool's, so rows written while the profile runs are in no pass
rather than in some. ``work_mem`` is set for the profile's own transactions only (``SET LOCAL``). Other
databases run every pass on the main connection, as it is.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from airflow_mlops.core.sql import QUANTILE_MODES
from airflow_mlops.exceptions import InputError

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    import sqlalchemy as sa

__all__ = ["MAX_POOL_CONNECTIONS", "MAX_SERVER_CONNECTIONS", "ProfileSession", "Work", "check_settings"]

#: At most this many connections at once come from the server's max_parallel_workers_per_gather (more only
#: with parallel=): SQLAlchemy's default pool holds 5 + 10 overflow.
MAX_SERVER_CONNECTIONS = 8
#: At most this many of the pool's connections at once besides the main one, whatever parallel= says:
#: SQLAlchemy's default pool holds 15 (more would wait for one and time out after 30 s).
MAX_POOL_CONNECTIONS = 14

_WORK_MEM = re.compile(r"\d+\s*(kB|MB|GB|TB)")
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")
_T = TypeVar("_T")
#: A pass's work on one connection: ``work(connection, share of column positions)`` -> results by position.
Work = Callable[[Any, Sequence[int]], dict[int, _T]]


def check_settings(*, work_mem: str | None, parallel: int, quantiles: str) -> None:
    """Refuse a ``work_mem``, ``parallel`` or ``quantiles`` that ``profile_sql`` cannot use."""
    if work_mem is not None and not (isinstance(work_mem, str) and _WORK_MEM.fullmatch(work_mem.strip())):
        raise InputError(f"work_mem={work_mem!r} must be a PostgreSQL memory size such as '64MB' or '1GB'.")
    if isinstance(parallel, bool) or not isinstance(parallel, int) or not 1 <= parallel <= 16:
        raise InputError(f"parallel={parallel!r} must be an integer from 1 to 16 (connections at once).")
    if not isinstance(quantiles, str) or quantiles not in QUANTILE_MODES:
        raise InputError(
            f"quantiles={quantiles!r} must be one of {', '.join(repr(m) for m in QUANTILE_MODES)} "
            "(exact: sorted, equal to profile_frame; sketch: from fine histograms, faster on PostgreSQL)."
        )


class ProfileSession:
    """The main connection (:attr:`conn`), and on PostgreSQL with several connections a thread pool whose
    connections read the main one's snapshot. Open it with :meth:`open`.

    :attr:`connections` is how many connections may work at once: ``parallel`` for the quantile sorts;
    with the sketch, whose grouping-sets scans PostgreSQL never runs in parallel, as many as one parallel
    query of the server's settings would use processes (``1 + max_parallel_workers_per_gather``, at most
    ``MAX_SERVER_CONNECTIONS``), or ``parallel`` if more. The pool holds at most ``MAX_POOL_CONNECTIONS``.
    """

    def __init__(self, engine: sa.Engine, conn: Any, *, work_mem: str | None) -> None:
        self.engine = engine
        self.dialect: str = engine.dialect.name
        self.work_mem = work_mem
        self.snapshot: str | None = None  # PostgreSQL: every pass, on every connection, reads this snapshot
        self.pool: ThreadPoolExecutor | None = None
        self.connections = 1
        self.conn = self._begin(conn)

    @classmethod
    @contextlib.contextmanager
    def open(
        cls, engine: sa.Engine, *, work_mem: str | None, parallel: int, sketch: bool
    ) -> Iterator[ProfileSession]:
        """The session of one profile; its pool is shut down, then its main connection closed, on leaving."""
        with engine.connect() as conn, contextlib.ExitStack() as stack:
            session = cls(engine, conn, work_mem=work_mem)
            session.connections = session._connections_at_once(parallel, sketch)
            if session.dialect == "postgresql" and session.connections > 1:
                session._share_snapshot(stack)
            yield session

    def _begin(self, conn: Any) -> Any:
        import sqlalchemy as sa

        if self.dialect != "postgresql":
            return conn
        # One REPEATABLE READ transaction: rows written while the profile runs do not make one pass count
        # what another did not (a histogram summing to more than the row count).
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        if self.snapshot is not None:  # must come first in the transaction
            conn.execute(sa.text(f"SET TRANSACTION SNAPSHOT '{self.snapshot}'"))
        if self.work_mem is not None:  # local to this connection's transaction
            conn.execute(sa.select(sa.func.set_config("work_mem", self.work_mem.strip(), True)))
        return conn

    def _connections_at_once(self, parallel: int, sketch: bool) -> int:
        import sqlalchemy as sa

        if not sketch:
            return parallel
        workers = self.conn.execute(sa.select(sa.func.current_setting("max_parallel_workers_per_gather")))
        return max(parallel, min(1 + int(workers.scalar_one()), MAX_SERVER_CONNECTIONS))

    def _share_snapshot(self, stack: contextlib.ExitStack) -> None:
        import sqlalchemy as sa

        snapshot = str(self.conn.execute(sa.select(sa.func.pg_export_snapshot())).scalar_one())
        if not _SNAPSHOT_ID.fullmatch(snapshot):
            raise InputError(f"unexpected snapshot id {snapshot!r} from PostgreSQL")
        self.snapshot = snapshot
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=min(self.connections, MAX_POOL_CONNECTIONS))
        stack.callback(pool.shutdown, wait=True, cancel_futures=True)
        self.pool = pool

    def _on_own_connection(self, work: Work[_T], share: Sequence[int]) -> dict[int, _T]:
        with self.engine.connect() as other:
            return work(self._begin(other), share)

    def start(self, work: Work[_T], share: Sequence[int]) -> Callable[[], dict[int, _T]]:
        """Run ``work(connection, share)``: on its own connection in the pool, or now on :attr:`conn`.
        Returns what gives its result (waiting for it)."""
        if self.pool is None:
            done = work(self.conn, share)
            return lambda: done
        return cast(
            "Callable[[], dict[int, _T]]", self.pool.submit(self._on_own_connection, work, share).result
        )

    def spread(self, work: Work[_T], shares: Sequence[Sequence[int]]) -> dict[int, _T]:
        """Run ``work`` on every share (at once on the pool's connections, if any) and merge the results."""
        waiting = [self.start(work, share) for share in shares]
        found: dict[int, _T] = {}
        for result_of in waiting:
            found.update(result_of())
        return found
