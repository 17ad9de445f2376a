"""Exception hierarchy of airflow-mlops (plain Python: no Airflow import).

::

    MlopsError
    ├── InputError            bad user input: a retry will not help (→ AirflowFailException)
    │   ├── BaselineKeyError  a DAG writing a baseline key that another DAG owns
    │   ├── DataSourceError   data that cannot be read, or is empty
    │   └── SuiteError        a suite that cannot be parsed or built
    └── StoreError            the results store failed
        └── StoreUnavailableError   the store cannot be reached: a retry may help (→ AirflowException)
"""

from __future__ import annotations

__all__ = [
    "BaselineKeyError",
    "DataSourceError",
    "InputError",
    "MlopsError",
    "StoreError",
    "StoreUnavailableError",
    "SuiteError",
]


class MlopsError(Exception):
    """Base class of every error raised by airflow-mlops."""


class InputError(MlopsError, ValueError):
    """User input is wrong. The message names the input, the bad value and what to do."""


class BaselineKeyError(InputError):
    """A DAG may not write this baseline key: another DAG owns it and does not share it."""


class DataSourceError(InputError):
    """A data source cannot be read, does not exist or holds no rows."""


class SuiteError(InputError):
    """An expectation suite cannot be read or built."""


class StoreError(MlopsError):
    """The results store failed."""


class StoreUnavailableError(StoreError):
    """The results store cannot be reached. A retry may help."""
