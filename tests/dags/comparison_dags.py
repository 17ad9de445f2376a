"""DAGs used by tests/operators/test_comparison.py: daily batches of scikit-learn's wine data set
(bootstrapped to 2,000 rows a day, no download) with faults injected through ``dag_run.conf``."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_mlops.checks import Anomaly, Drift, Freshness, Mean, MetricRegression, NullRate, RowCount, Schema
from airflow_mlops.operators import BaselineComparisonOperator

START = pendulum.datetime(2026, 1, 1, tz="UTC")

DATA_CHECKS = [
    RowCount(warn=0.2, fail=0.5),
    Schema(),
    NullRate("alcohol", warn=0.01, fail=0.05),
    Mean("alcohol", warn=0.03, fail=0.1),
    Drift("color_intensity", method="psi", warn=0.2, fail=0.4),
    Drift("alcohol", method="ks", warn=0.15, fail=0.3),
    Drift("cultivar", method="chi2", warn=0.01, fail=0.05),
]


def daily_wine(dag_run=None):
    """One day's batch. ``conf["seed"]`` varies the day; ``conf["fault"]`` injects a fault."""
    import numpy as np
    import pandas as pd
    from sklearn.datasets import load_wine

    conf = (dag_run.conf or {}) if dag_run is not None else {}
    base = load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
    base["cultivar"] = base["cultivar"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    seed = int(conf.get("seed", 0))
    rng = np.random.default_rng(seed)
    rows = int(conf.get("rows", 2000))
    frame = base.sample(n=rows, replace=True, random_state=seed).reset_index(drop=True)
    fault = conf.get("fault")
    if fault == "null_spike":
        frame.loc[rng.choice(len(frame), size=400, replace=False), "alcohol"] = np.nan
    elif fault == "dropped_column":
        frame = frame.drop(columns=["hue"])
    elif fault == "shifted":
        frame["color_intensity"] = frame["color_intensity"] + 3 * base["color_intensity"].std()
    elif fault == "volume_drop":
        frame = frame.iloc[:200]
    elif fault == "category_flood":
        frame.loc[rng.choice(len(frame), size=800, replace=False), "cultivar"] = "merlot"
    return pd.DataFrame(frame)


def wine_model_metrics(conf: dict, *, c: float = 1.0, scaled: bool = True, noise: float = 0.4) -> dict:
    """A classifier trained on the wine data (regularization ``c``, standardized features when ``scaled``)
    and its test metrics; ``conf["fault"] == "degrade"`` shuffles a ``noise`` share of the labels."""
    import numpy as np
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    features, labels = load_wine(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        features, labels, test_size=0.3, random_state=0, stratify=labels
    )
    if conf.get("fault") == "degrade":
        rng = np.random.default_rng(1)
        noisy = rng.choice(len(y_train), size=int(noise * len(y_train)), replace=False)
        y_train = y_train.copy()
        y_train[noisy] = rng.permutation(y_train[noisy] + 1) % 3
    classifier = LogisticRegression(C=c, max_iter=500 if scaled else 5000)
    model = (make_pipeline(StandardScaler(), classifier) if scaled else classifier).fit(x_train, y_train)
    predicted = model.predict(x_test)
    return {
        "accuracy": accuracy_score(y_test, predicted),
        "f1_macro": f1_score(y_test, predicted, average="macro"),
    }


def model_metrics(dag_run=None):
    """Train a classifier on the wine data and return its test metrics; ``conf["fault"] == "degrade"``
    trains on 40% shuffled labels (a model that regresses)."""
    return wine_model_metrics((dag_run.conf or {}) if dag_run is not None else {})


with DAG("mlops_test_compare_daily", schedule=None, start_date=START, catchup=False) as compare_daily:
    BaselineComparisonOperator(
        task_id="compare", data=daily_wine, checks=DATA_CHECKS, baseline="previous_success", owner="data-team"
    )

with DAG("mlops_test_compare_rolling", schedule=None, start_date=START, catchup=False) as compare_rolling:
    BaselineComparisonOperator(
        task_id="compare",
        data=daily_wine,
        checks=DATA_CHECKS,
        baseline="{{ dag_run.conf.get('policy', 'rolling:3') }}",
        baseline_key="wine.daily",
    )

with DAG("mlops_test_compare_sql", schedule=None, start_date=START, catchup=False) as compare_sql:
    from airflow_mlops.operators import SqlSource

    BaselineComparisonOperator(
        task_id="compare",
        data=SqlSource(conn_id="{{ dag_run.conf['conn_id'] }}", table="{{ dag_run.conf['table'] }}"),
        checks=DATA_CHECKS,
        baseline_key="wine.sql",
    )

with DAG(
    "mlops_test_compare_sql_sketch", schedule=None, start_date=START, catchup=False
) as compare_sql_sketch:
    from airflow_mlops.operators import SqlSource

    BaselineComparisonOperator(
        task_id="compare",
        data=SqlSource(
            conn_id="{{ dag_run.conf['conn_id'] }}", table="{{ dag_run.conf['table'] }}", quantiles="sketch"
        ),
        checks=DATA_CHECKS,
        baseline_key="wine.sql.sketch",
    )

with DAG("mlops_test_compare_metrics", schedule=None, start_date=START, catchup=False) as compare_metrics:
    BaselineComparisonOperator(
        task_id="compare_model",
        metrics=model_metrics,
        checks=[MetricRegression("accuracy", warn=0.02, fail=0.05), MetricRegression("f1_macro", fail=0.05)],
        baseline="pinned:champion",
        baseline_key="wine.model",
        on_missing_baseline="fail",
    )

with DAG("mlops_test_compare_anomaly", schedule=None, start_date=START, catchup=False) as compare_anomaly:
    BaselineComparisonOperator(
        task_id="compare",
        data=daily_wine,
        checks=[
            Anomaly("row_count", warn=3, fail=5, min_history=3, fallback=RowCount(warn=0.5, fail=0.8)),
            Anomaly("mean", column="alcohol", warn=4, fail=8, min_history=3),
        ],
    )

with DAG("mlops_test_compare_eligible", schedule=None, start_date=START, catchup=False) as compare_eligible:
    BaselineComparisonOperator(
        task_id="compare",
        data=daily_wine,
        checks=[RowCount(warn=0.2, fail=0.5)],
        baseline_key="eligible.{{ dag_run.conf.get('eligible', 'passed') }}",
        baseline_eligible="{{ dag_run.conf.get('eligible', 'passed') }}",
    )

with DAG("mlops_test_compare_fresh", schedule=None, start_date=START, catchup=False) as compare_fresh:
    BaselineComparisonOperator(
        task_id="compare",
        data="{{ dag_run.conf['path'] }}",
        checks=[
            Freshness(source="file", warn="1h", fail="1d"),
            Freshness("loaded_at", warn="2d", fail="30d"),
        ],
    )

# Another team's DAG naming compare_daily's key: its profiles would become that key's next
# previous_success baseline (baseline poisoning); its writes are refused.
with DAG("mlops_test_compare_poison", schedule=None, start_date=START, catchup=False) as compare_poison:
    BaselineComparisonOperator(
        task_id="compare",
        data=daily_wine,
        checks=[RowCount(warn=0.2, fail=0.5)],
        baseline_key="mlops_test_compare_daily.compare",
    )

with DAG("mlops_test_compare_psi_band", schedule=None, start_date=START, catchup=False) as compare_psi_band:
    BaselineComparisonOperator(
        task_id="compare",
        data=daily_wine,
        checks=[
            Anomaly(
                "statistic",
                of=Drift("color_intensity", method="psi", fail=1),
                warn=4,
                fail=8,
                min_history=3,
                direction="up",
                ignore_small_changes=1.0,  # a PSI within twice its usual value never alerts
            ),  # fmt: skip
        ],
    )
