"""The history charts: pure SVG, escaped, with the baseline band or the threshold lines. No Airflow."""

from __future__ import annotations

import re

from airflow_mlops.plugins.charts import HistoryPoint, history_chart

BAND = {"warn": [90.0, 110.0], "fail": [50.0, 150.0]}


def test_a_scalar_check_draws_observed_baseline_and_the_bands_of_every_run() -> None:
    points = [
        HistoryPoint(run_id=f"r{i}", status=s, observed=o, baseline=100.0, statistic=abs(o - 100) / 100, band=BAND,
                     current=i == 2, label=f"day {i}")
        for i, (o, s) in enumerate([(100.0, "PASSED"), (105.0, "PASSED"), (170.0, "FAILED")])
    ]  # fmt: skip
    svg = history_chart(points, title="row_count")
    assert svg.count('class="band-warn"') == 3 and svg.count('class="band-fail"') == 3
    assert 'class="baseline"' in svg and 'class="series"' in svg
    assert svg.count("<circle") == 3 and 'class="current"' in svg and "#e53e3e" in svg  # the failed run, red
    assert "day 0" in svg and "day 2" in svg and "r2: FAILED, observed 170 vs baseline 100" in svg
    # the failed point is drawn outside (above) the fail band of its run
    circles = re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)
    fail_tops = [float(m) for m in re.findall(r'class="band-fail" x="[\d.]+" y="([\d.]+)"', svg)]
    assert float(circles[2]) < fail_tops[2]


def test_a_drift_check_draws_its_statistic_against_the_warn_and_fail_lines() -> None:
    points = [HistoryPoint(run_id="a", status="PASSED", statistic=0.05, threshold={"warn": 0.2, "fail": 0.4}),
              HistoryPoint(run_id="b", status="FAILED", statistic=7.7, threshold={"warn": 0.2, "fail": 0.4})]  # fmt: skip
    svg = history_chart(points, title="drift_psi(x)")
    assert 'class="limit-warn"' in svg and 'class="limit-fail"' in svg and "fail 0.4" in svg
    assert "band-" not in svg.split("<figcaption>")[0]
    assert ">0<" in svg  # the statistic axis starts at 0


def test_text_is_escaped_and_nothing_to_draw_says_so() -> None:
    evil = '<script>alert(1)</script>"'
    svg = history_chart([HistoryPoint(run_id=evil, status=evil, statistic=1.0)], title=evil)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "no history yet" in history_chart([], title="x")
