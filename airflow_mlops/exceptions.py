"""Exception hierarchy of airflow-mlops (plain Python: no Airflow import).

::

    MlopsError
    ├── InputError (ValueError)   bad user input: a retry will not help (→ AirflowFailException)
    │   ├── ArgumentError (TypeError)   a wrong argument to one of our classes (see airflow_mlops.core.arguments)
    │   ├── BaselineKeyError          a DAG writing a baseline key that another DAG owns
    │   ├── ContractError             a contract file that is missing, malformed or out of step
    │   ├── DataSourceError           data that cannot be read, or is empty
    │   ├── OwnersError               a malformed owner registry, or an unknown team
    │   ├── SuiteError                a suite that cannot be parsed or built
    │   └── UrlError                  a URL we would render or send that is not http(s)
    ├── DeliveryError (RuntimeError)  a notification channel cannot deliver (e.g. its provider is missing)
    └── StoreError                    the results store failed
        └── StoreUnavailableError     the store cannot be reached: a retry may help (→ AirflowException)

Every class is defined here; the modules that raise one re-export it (``airflow_mlops.core.owners.OwnersError``
is ``airflow_mlops.exceptions.OwnersError``).
"""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "BaselineKeyError",
    "ContractError",
    "DataSourceError",
    "DeliveryError",
    "InputError",
    "MlopsError",
    "OwnersError",
    "StoreError",
    "StoreUnavailableError",
    "SuiteError",
    "UrlError",
]


class MlopsError(Exception):
    """Base class of every error raised by airflow-mlops."""


class InputError(MlopsError, ValueError):
    """User input is wrong. The message names the input, the bad value and what to do."""


class ArgumentError(InputError, TypeError):
    """An argument of an operator, sensor, trigger, check or source is wrong (its type or its value).

    Raised when the DAG is parsed, and again at run time for templated arguments once rendered. It is both
    a ``ValueError`` and a ``TypeError``, the two types these checks raised before they were one. The
    message reads ``<argument>= must be <what is allowed>; got <the bad value>.``
    """


class BaselineKeyError(InputError):
    """A DAG may not write this baseline key: another DAG owns it and does not share it."""


class ContractError(InputError):
    """A contract file that is missing, malformed, or out of step with its suite file."""


class DataSourceError(InputError):
    """A data source cannot be read, does not exist or holds no rows."""


class OwnersError(InputError):
    """The owner registry is malformed, or names an unknown team."""


class SuiteError(InputError):
    """An expectation suite cannot be read or built."""


class UrlError(InputError):
    """A URL that we would render or send has a scheme other than http(s), no host, or is malformed."""


class DeliveryError(MlopsError, RuntimeError):
    """A notification channel cannot deliver, e.g. because its Airflow provider is not installed."""


class StoreError(MlopsError):
    """The results store failed."""


class StoreUnavailableError(StoreError):
    """The results store cannot be reached. A retry may help."""
