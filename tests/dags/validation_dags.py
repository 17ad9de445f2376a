"""DAGs used by tests/operators/test_validation.py. Each run is steered through ``dag_run.conf``."""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG

from airflow_mlops.operators import DataValidationOperator, SqlSource

START = pendulum.datetime(2026, 1, 1, tz="UTC")
SUITE = [
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "alcohol"}},
    {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "alcohol", "min_value": 10, "max_value": 16},
    },
    {
        "type": "expect_column_values_to_be_in_set",
        "kwargs": {"column": "target", "value_set": ["class_0", "class_1", "class_2"]},
    },
    {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "color_intensity", "min_value": 0, "max_value": 14},
        "severity": "warning",
    },
]


def wine_frame(params=None, dag_run=None):  # context keys are passed by name, as PythonOperator does
    """The wine data set, optionally corrupted as ``dag_run.conf["fault"]`` says."""
    import pandas as pd
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "class_0", 1: "class_1", 2: "class_2"})
    fault = (dag_run.conf or {}).get("fault") if dag_run is not None else None
    if fault == "nulls":
        frame.loc[frame.index[:20], "alcohol"] = None
    elif fault == "warn_only":
        frame.loc[frame.index[:3], "color_intensity"] = 99.0
    elif fault == "empty":
        frame = frame.iloc[0:0]
    elif fault == "not_a_frame":
        return [1, 2, 3]
    elif fault == "crash":
        raise ConnectionError("simulated network failure while loading data")
    return pd.DataFrame(frame)


with DAG("mlops_test_validate_frame", schedule=None, start_date=START, catchup=False) as validate_frame:
    DataValidationOperator(task_id="validate", data=wine_frame, suite=SUITE, owner="data-team")

with DAG("mlops_test_validate_file", schedule=None, start_date=START, catchup=False) as validate_file:
    DataValidationOperator(
        task_id="validate",
        data="{{ dag_run.conf['path'] }}",
        suite="{{ dag_run.conf.get('suite', 'suites/wine.json') }}",
        owner="data-team",
    )

with DAG("mlops_test_validate_sql", schedule=None, start_date=START, catchup=False) as validate_sql:
    DataValidationOperator(
        task_id="validate",
        data=SqlSource(conn_id="{{ dag_run.conf['conn_id'] }}", table="{{ dag_run.conf['table'] }}"),
        suite="suites/wine.json",
        owner="data-team",
    )

with DAG("mlops_test_validate_retry", schedule=None, start_date=START, catchup=False) as validate_retry:

    def flaky_frame():
        """Fails with a connection error on the first try, then returns good data."""
        marker = os.path.join(os.environ["MLOPS_TEST_DATA"], "flaky-marker")
        if not os.path.exists(marker):
            open(marker, "w").close()
            raise ConnectionError("simulated: upstream database went away")
        return wine_frame()

    DataValidationOperator(
        task_id="validate",
        data=flaky_frame,
        suite=SUITE,
        retries=2,
        retry_delay=pendulum.duration(seconds=0),
    )


with DAG("mlops_test_validate_outage", schedule=None, start_date=START, catchup=False) as validate_outage:
    # tests/operators/test_validation.py cuts the store's connection while this task writes its results
    DataValidationOperator(
        task_id="validate",
        data=wine_frame,
        suite=SUITE,
        retries=1,
        retry_delay=pendulum.duration(seconds=2),
    )


with DAG("mlops_test_validate_engine", schedule=None, start_date=START, catchup=False) as validate_engine:
    # engine= is templated: the run's conf picks it
    DataValidationOperator(
        task_id="validate",
        data=wine_frame,
        suite="{{ dag_run.conf.get('suite', 'suites/wine.json') }}",
        engine="{{ dag_run.conf.get('engine', 'auto') }}",
        owner="data-team",
    )
