"""``python -m airflow_mlops.cli``: the same as the ``airflow-mlops`` console script."""

import sys

from airflow_mlops.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
