"""The model leaderboard of a metrics key: every candidate against the champion, and how candidates
became champions.

A **candidate** is a recorded metrics profile of the key (a notebook contract's model, a production
run's retrain, or one recorded by hand). The **champion** is the profile pinned as ``champion``; every
change of champion is a pin in the store (pins are never deleted), so the promotions are the champion
pins, oldest first. The board ranks candidates by the key's **primary metric** in its direction, the
champion first; a candidate that beats the champion is marked, and one whose gate failed says why.
**Velocity**: from a contract's export to the key's first production run and to the first promotion of a
production model after it, and how many candidates were tried per promotion.

Pure Python: no Airflow, no store; the adapters pass plain records in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from airflow_mlops.exceptions import InputError

__all__ = [
    "CHAMPION",
    "SOURCES",
    "Board",
    "BoardRow",
    "Candidate",
    "PrimaryMetric",
    "Promotion",
    "Velocity",
    "build_board",
    "candidate_source",
    "model_asset_uri",
    "primary_metric",
    "row_notes",
]

CHAMPION = "champion"
SOURCES = ("notebook contract", "production run", "manual")


def model_asset_uri(key: str) -> str:
    """The Airflow asset a promotion of ``key`` updates: schedule a scoring DAG on it."""
    return f"mlops-model://{key}"


def primary_metric(checks: Sequence[Any]) -> PrimaryMetric | None:
    """The primary metric declared by a comparison's checks: the ``MetricRegression`` with
    ``primary=True``, else the first ``MetricRegression``; ``None`` without one.

    :raises InputError: when more than one is marked primary.
    """
    regressions = [c for c in checks if type(c).__name__ == "MetricRegression"]
    marked = [c for c in regressions if getattr(c, "primary", False)]
    if len(marked) > 1:
        names = ", ".join(c.metric for c in marked)
        raise InputError(
            f"checks: only one MetricRegression may be primary=True; got {len(marked)} ({names})."
        )
    chosen = marked[0] if marked else (regressions[0] if regressions else None)
    return PrimaryMetric(chosen.metric, bool(chosen.higher_is_better)) if chosen is not None else None


def candidate_source(source: str | None, run_id: str | None) -> str:
    """Where a candidate came from: ``notebook contract``, ``production run`` or ``manual``."""
    if source and source.startswith("contract:"):
        return "notebook contract"
    return "production run" if run_id else "manual"


@dataclass(frozen=True)
class PrimaryMetric:
    """The metric a key's board ranks by, and its direction."""

    name: str
    higher_is_better: bool = True

    def better(self, a: float | None, b: float | None) -> bool:
        """Whether ``a`` is strictly better than ``b`` (a missing or non-finite value never is)."""
        if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
            return False
        return a > b if self.higher_is_better else a < b

    def sort_key(self, value: float | None) -> float:
        if value is None or not math.isfinite(value):
            return math.inf
        return -value if self.higher_is_better else value


@dataclass(frozen=True)
class Candidate:
    """A recorded metrics profile of the key."""

    profile_id: int
    metrics: Mapping[str, float]
    recorded_at: datetime
    run_id: str | None = None
    dag_id: str | None = None
    source: str | None = None
    gate_status: str | None = None
    run_status: str | None = None
    gate_reason: str | None = None
    exported_at: datetime | None = None  # a notebook contract's export time
    gate_task_id: str | None = None  # the run's gate (its report)
    data_task_id: str | None = None  # the run's data comparison: the profile it was trained or scored on
    data_date: str | None = None  # the run's logical date (or a manual run's, labelled)

    @property
    def origin(self) -> str:
        return candidate_source(self.source, self.run_id)


@dataclass(frozen=True)
class Promotion:
    """A change of champion: the pin that made ``profile_id`` champion."""

    profile_id: int
    at: datetime
    by: str
    reason: str
    active: bool
    ended_at: datetime | None = None
    ended_by: str | None = None


@dataclass(frozen=True)
class BoardRow:
    candidate: Candidate
    rank: int
    value: float | None  # the primary metric's
    is_champion: bool
    was_champion: bool
    beats_champion: bool
    failed_why: str | None


@dataclass(frozen=True)
class Velocity:
    """The team's "how many shots to get a model into production" numbers (``None``: not yet)."""

    exported_at: datetime | None = None
    first_production_run_at: datetime | None = None
    first_promotion_at: datetime | None = None
    promotions: int = 0
    candidates: int = 0

    @property
    def export_to_production(self) -> float | None:
        """Seconds from the contract's export to the key's first production run."""
        return _seconds(self.exported_at, self.first_production_run_at)

    @property
    def export_to_promotion(self) -> float | None:
        """Seconds from the contract's export to the first promotion of a production model."""
        return _seconds(self.exported_at, self.first_promotion_at)

    @property
    def candidates_per_promotion(self) -> float | None:
        return self.candidates / self.promotions if self.promotions else None


@dataclass(frozen=True)
class Board:
    key: str
    primary: PrimaryMetric
    rows: list[BoardRow]
    promotions: list[Promotion]
    velocity: Velocity
    metric_names: list[str] = field(default_factory=list)

    @property
    def champion(self) -> BoardRow | None:
        return next((row for row in self.rows if row.is_champion), None)

    def to_dict(self) -> dict[str, Any]:
        """The board as JSON: full precision, ISO times."""
        return {
            "key": self.key,
            "primary_metric": {"name": self.primary.name, "higher_is_better": self.primary.higher_is_better},
            "metrics": self.metric_names,
            "rows": [_row_dict(row) for row in self.rows],
            "promotions": [_promotion_dict(p) for p in self.promotions],
            "velocity": _velocity_dict(self.velocity),
        }


def row_notes(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What a board row (as :meth:`Board.to_dict` gives it) says about its candidate, as
    ``(kind, text)``: ``champion``, ``beats`` (the champion), ``was`` (champion), ``failed`` (its gate)."""
    notes = []
    if row["champion"]:
        notes.append(("champion", "champion"))
    if row["beats_champion"]:
        notes.append(("beats", "beats the champion"))
    if row["was_champion"]:
        notes.append(("was", "was champion"))
    if row["failed_why"]:
        notes.append(("failed", f"gate failed: {row['failed_why']}"))
    return notes


def build_board(
    key: str,
    candidates: Sequence[Candidate],
    promotions: Sequence[Promotion],
    primary: PrimaryMetric,
) -> Board:
    """The board of ``key``: the champion first, then every other candidate by the primary metric (best
    first; ties and missing values by recording time, newest first).

    :param promotions: the key's champion pins, any order; the active one (at most one) is the champion.
    :raises InputError: when no candidate holds the primary metric (name the key's metrics instead).
    """
    names = sorted({name for c in candidates for name in c.metrics})
    if candidates and primary.name not in names:
        raise InputError(
            f"model key '{key}': no candidate has the primary metric '{primary.name}'; its metrics are "
            f"{', '.join(names[:10]) or 'none'}. Declare MetricRegression(..., primary=True) on one of them."
        )
    ordered = sorted(promotions, key=lambda p: p.at)
    champion_id = next((p.profile_id for p in reversed(ordered) if p.active), None)
    ever = {p.profile_id for p in ordered}
    by_id = {c.profile_id: c for c in candidates}
    champion_value = _value(by_id.get(champion_id), primary) if champion_id is not None else None
    others = sorted(
        (c for c in candidates if c.profile_id != champion_id),
        key=lambda c: (primary.sort_key(_value(c, primary)), -c.recorded_at.timestamp()),
    )
    top = [by_id[champion_id]] if champion_id in by_id else []
    rows = [
        BoardRow(
            candidate=c, rank=rank, value=_value(c, primary), is_champion=c.profile_id == champion_id,
            was_champion=c.profile_id in ever and c.profile_id != champion_id,
            beats_champion=c.profile_id != champion_id and primary.better(_value(c, primary), champion_value),
            failed_why=_failed_why(c),
        )
        for rank, c in enumerate([*top, *others], start=1)
    ]  # fmt: skip
    return Board(
        key=key, primary=primary, rows=rows, promotions=ordered,
        velocity=_velocity(candidates, ordered, by_id), metric_names=names,
    )  # fmt: skip


def _value(candidate: Candidate | None, primary: PrimaryMetric) -> float | None:
    if candidate is None:
        return None
    value = candidate.metrics.get(primary.name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _failed_why(candidate: Candidate) -> str | None:
    if candidate.gate_status not in ("FAILED", "ERRORED"):
        return None
    return candidate.gate_reason or f"its gate {candidate.gate_status}"


def _velocity(
    candidates: Sequence[Candidate], promotions: Sequence[Promotion], by_id: Mapping[int, Candidate]
) -> Velocity:
    exports = [c.exported_at for c in candidates if c.exported_at is not None]
    exported = min(exports) if exports else None
    runs = [c.recorded_at for c in candidates if c.origin == "production run"]
    after = [r for r in runs if exported is None or r >= exported]
    promoted = [
        p.at for p in promotions
        if p.profile_id in by_id and by_id[p.profile_id].origin == "production run"
        and (exported is None or p.at >= exported)
    ]  # fmt: skip
    return Velocity(
        exported_at=exported,
        first_production_run_at=min(after) if after else None,
        first_promotion_at=min(promoted) if promoted else None,
        promotions=len(promotions),
        candidates=len(candidates),
    )


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start is not None and end is not None else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def _row_dict(row: BoardRow) -> dict[str, Any]:
    c = row.candidate
    return {
        "rank": row.rank, "profile_id": c.profile_id, "run_id": c.run_id, "dag_id": c.dag_id,
        "source": c.origin, "recorded_at": _iso(c.recorded_at), "metrics": dict(c.metrics),
        "primary": row.value, "gate_status": c.gate_status, "champion": row.is_champion,
        "was_champion": row.was_champion, "beats_champion": row.beats_champion, "failed_why": row.failed_why,
        "gate_task_id": c.gate_task_id, "data_task_id": c.data_task_id, "data_date": c.data_date,
        "exported_at": _iso(c.exported_at),
    }  # fmt: skip


def _promotion_dict(p: Promotion) -> dict[str, Any]:
    return {
        "profile_id": p.profile_id, "at": _iso(p.at), "by": p.by, "reason": p.reason, "active": p.active,
        "ended_at": _iso(p.ended_at), "ended_by": p.ended_by,
    }  # fmt: skip


def _velocity_dict(v: Velocity) -> dict[str, Any]:
    return {
        "exported_at": _iso(v.exported_at),
        "first_production_run_at": _iso(v.first_production_run_at),
        "first_promotion_at": _iso(v.first_promotion_at),
        "export_to_production_s": v.export_to_production,
        "export_to_promotion_s": v.export_to_promotion,
        "promotions": v.promotions,
        "candidates": v.candidates,
        "candidates_per_promotion": v.candidates_per_promotion,
    }
