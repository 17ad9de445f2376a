"""Shared by the wine example pipelines (not a DAG file): the day's batch and the model's training.

scikit-learn's bundled wine data (178 measurements of 13 chemical properties and the cultivar; no
download), bootstrapped into a daily batch. Faults, injected on demand, make the demo's bad days:
``drift`` (alcohol and colour shifted), ``schema`` (a column dropped), ``volume`` (30 % fewer rows: a
warning), ``regress`` (60 % of the training labels scrambled: a model that regresses).
"""

from __future__ import annotations

from typing import Any

FEATURES = [
    "alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
    "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315_of_diluted_wines",
    "proline",
]  # fmt: skip
CULTIVARS = {0: "barolo", 1: "grignolino", 2: "barbera"}
FAULTS = ("drift", "schema", "volume", "regress")


def wine_frame() -> Any:
    """The whole data set: the 13 measurements and ``cultivar`` (a string)."""
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
    frame["cultivar"] = frame["cultivar"].map(CULTIVARS)
    return frame


def daily_batch(seed: int, fault: str | None = None, rows: int = 600) -> Any:
    """One day's batch: ``rows`` rows drawn with replacement, then the fault of the day if any."""
    if fault is not None and fault not in FAULTS:
        raise ValueError(f"fault={fault!r} is not one of {', '.join(FAULTS)}")
    base = wine_frame()
    day = base.sample(n=rows, replace=True, random_state=seed).reset_index(drop=True)
    if fault == "drift":
        day["alcohol"] = day["alcohol"] + 1.5
        day["color_intensity"] = day["color_intensity"] * 1.6
    elif fault == "schema":
        day = day.drop(columns=["hue"])
    elif fault == "volume":
        day = day.iloc[: int(rows * 0.7)].copy()
    return day


def train_and_evaluate(frame: Any, *, seed: int = 42, label_noise: float = 0.0) -> dict[str, float]:
    """Train a scaled logistic regression on ``frame`` (cultivar from the measurements) and return its
    held-out accuracy and macro F1. ``label_noise`` shuffles that share of the training labels."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = frame.dropna()
    features = [c for c in FEATURES if c in data.columns]
    x_train, x_test, y_train, y_test = train_test_split(
        data[features], data["cultivar"], test_size=0.3, random_state=seed, stratify=data["cultivar"]
    )
    if label_noise:
        rng = np.random.default_rng(seed)
        y_train = y_train.to_numpy().copy()
        picked = rng.choice(len(y_train), size=int(label_noise * len(y_train)), replace=False)
        y_train[picked] = rng.permutation(y_train[picked])
        y_train[picked[: len(picked) // 2]] = "barbera"
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)
    return {
        "accuracy": float(accuracy_score(y_test, predicted)),
        "f1_macro": float(f1_score(y_test, predicted, average="macro")),
    }
