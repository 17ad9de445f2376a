"""Provider metadata, exposed through the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

from typing import Any

__all__ = ["get_provider_info"]


def get_provider_info() -> dict[str, Any]:
    """The provider's metadata. Its ``config`` section is the one source of the ``[mlops]`` defaults:
    :func:`airflow_mlops.config.default` reads them from here (``{AIRFLOW_HOME}`` is expanded, as
    Airflow does for ``airflow config list``)."""
    from airflow_mlops import __version__
    from airflow_mlops.core.limits import CAPS

    caps = {
        key: {
            "description": f"{cap.description} Over the cap the task is ERRORED (fails closed), with a "
            "message naming the cap.",
            "version_added": "0.1.0",
            "type": "integer",
            "example": str(cap.default * 10),
            "default": str(cap.default),
        }
        for key, cap in CAPS.items()
    }

    return {
        "package-name": "airflow-mlops",
        "name": "airflow-mlops",
        "description": "Data validation (Great Expectations), baseline comparison and owner-tagged "
        "quality gates for ML and data pipelines.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "airflow-mlops",
                "external-doc-url": "https://example.invalid/airflow-mlops/docs",
                "tags": ["software"],
            }
        ],
        "operators": [
            {
                "integration-name": "airflow-mlops",
                "python-modules": [
                    "airflow_mlops.operators.validation",
                    "airflow_mlops.operators.comparison",
                    "airflow_mlops.operators.gate",
                    "airflow_mlops.operators.digest",
                ],
            }
        ],
        "sensors": [{"integration-name": "airflow-mlops", "python-modules": ["airflow_mlops.sensors.gate"]}],
        "triggers": [
            {"integration-name": "airflow-mlops", "python-modules": ["airflow_mlops.triggers.gate"]}
        ],
        "notifications": ["airflow_mlops.notifications.webhook.WebhookNotifier"],
        "extra-links": ["airflow_mlops.links.QualityReportLink"],
        "plugins": [{"name": "airflow_mlops", "plugin-class": "airflow_mlops.plugins.mlops.MlopsPlugin"}],
        "config": {
            "mlops": {
                "description": "Settings of airflow-mlops: where check results, baselines and "
                "incidents are stored.",
                "options": {
                    "results_db_url": {
                        "description": "SQLAlchemy URL of the results store. It is a database of its "
                        "own, never Airflow's metadata database. The default is a SQLite file in "
                        "$AIRFLOW_HOME (WAL mode); empty means the default too. Use PostgreSQL "
                        "(postgresql+psycopg://...) when tasks run on several machines.",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "postgresql+psycopg://mlops:secret@db:5432/mlops",
                        "default": "sqlite:///{AIRFLOW_HOME}/airflow_mlops.db",
                        "sensitive": True,
                    },
                    "owners_file": {
                        "description": "YAML owner registry: teams, channels and alerting policy. Empty "
                        "means the default, $AIRFLOW_HOME/owners.yaml.",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "/opt/airflow/config/owners.yaml",
                        "default": "{AIRFLOW_HOME}/owners.yaml",
                    },
                    "base_url": {
                        "description": "Base URL of the Airflow UI used in alert links. Empty means "
                        "[api] base_url.",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "https://airflow.example.com",
                        "default": "",
                    },
                    "auto_upgrade": {
                        "description": "Apply the results store's migrations automatically on first "
                        "use (under a lock). Set to False to require `airflow-mlops db upgrade`.",
                        "version_added": "0.1.0",
                        "type": "boolean",
                        "example": "False",
                        "default": "True",
                    },
                    "validation_engine": {
                        "description": "Who evaluates DataValidationOperator's expectations when the "
                        "operator's engine= is not set: auto (the native pandas engine for the types it "
                        "covers, with GX's exact results and without importing GX; GX for the rest and for "
                        "SQL), native (native only: a suite with an uncovered type is an error) or gx.",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "gx",
                        "default": "auto",
                    },
                    **caps,
                },
            }
        },
    }
