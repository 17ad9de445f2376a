"""airflow-mlops: data validation, baseline comparison and owner-tagged quality gates for Airflow.

Importing this package is cheap: no Great Expectations, pandas or scipy import happens here.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
