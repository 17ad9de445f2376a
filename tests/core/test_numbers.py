import pytest

from airflow_mlops.core.numbers import full, human, percent


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.2134, "0.213"),
        (0.99629, "0.996"),  # a model metric near 1 keeps its digits
        (39.71, "39.7"),
        (12345.6, "12,346"),
        (12345, "12,345"),
        (0.0, "0"),
        (1.2345e-06, "1.2e-06"),
        (-0.5, "-0.5"),
        (float("inf"), "inf"),
        (True, "true"),
        (None, ""),
        ({"ks": 0.2134, "rows": 1200}, "ks: 0.213, rows: 1,200"),
        ([1.0, 2.5], "[1, 2.5]"),
        ("sex", "sex"),
    ],
)
def test_human(value, shown):
    assert human(value) == shown


def test_rates_as_percent():
    assert human(0.397, rate=True) == "39.7 %"
    assert human(0, rate=True) == "0.0 %"
    assert human(1, rate=True) == "100.0 %"
    assert percent(0.00004) == "0.004 %"  # tiny shares are not rounded away


def test_full_precision():
    assert full(0.21341234567) == "0.21341234567"
    assert full({"a": 1 / 3}) == "a: 0.3333333333333333"
    assert full(None) == ""


def test_expected_text_names_thresholds_of_baseline_checks():
    from airflow_mlops.core.numbers import expected_text

    assert expected_text({"expected": 344, "threshold": {"fail": 0.1}}) == "344"
    assert (
        expected_text({"expected": None, "threshold": {"warn": 0.1, "fail": 0.25}}) == "warn 0.1 · fail 0.25"
    )
    rate = {"expected": None, "check_type": "NullRate", "threshold": {"warn": 0.01, "fail": None}}
    assert expected_text(rate) == "warn 1.0 %"
    assert expected_text({"expected": None, "threshold": None}) == ""


def test_duration() -> None:
    from airflow_mlops.core.numbers import duration

    assert duration(None) == "not yet"
    assert duration(3 * 86400 + 4 * 3600 + 59) == "3 d 4 h"
    assert duration(5 * 3600 + 12 * 60) == "5 h 12 min"
