"""The native engine: common GX expectation types on pandas, with GX's exact results, without GX.

Each covered type is evaluated by the same pandas operations GX's pandas metrics run, and returns the
raw result GX would (``success`` and the ``result`` dict: observed value, element and unexpected
counts and percents, the sample of unexpected values in GX's order, its counts), which
:mod:`airflow_mlops.core.gx` converts exactly as it converts GX's. A configuration or a column the
native engine does not evaluate exactly like GX raises :class:`Decline`; with ``engine="auto"`` GX
then evaluates that expectation. ``tests/core/test_native_conformance.py`` is the proof.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from airflow_mlops.core.native._aggregate import AGGREGATE_EVALUATORS
from airflow_mlops.core.native._base import Decline, Format, NativeResult
from airflow_mlops.core.native._frame import Frame, MissingColumn
from airflow_mlops.core.native._map import MAP_EVALUATORS

if TYPE_CHECKING:
    import pandas as pd

    from airflow_mlops.core.suite import ExpectationSpec

__all__ = [
    "COVERED",
    "ENGINES",
    "Decline",
    "Engine",
    "Frame",
    "MissingColumn",
    "NativeResult",
    "check_engine",
    "evaluate",
    "require_covered",
]

Engine = Literal["auto", "native", "gx"]
#: the values of ``engine=`` and ``[mlops] validation_engine``
ENGINES: tuple[str, ...] = ("auto", "native", "gx")
_EVALUATORS = {**MAP_EVALUATORS, **AGGREGATE_EVALUATORS}
#: the expectation types the native engine evaluates (on pandas frames)
COVERED: frozenset[str] = frozenset(_EVALUATORS)


def evaluate(
    frame: Frame | pd.DataFrame, type_: str, kwargs: Mapping[str, Any], result_format: str
) -> NativeResult:
    """GX's result of expectation ``type_`` with ``kwargs`` on ``frame``.

    :raises Decline: the native engine does not evaluate this one exactly like GX (GX must).
    """
    evaluator = _EVALUATORS.get(type_)
    if evaluator is None:
        raise Decline(f"'{type_}' is not covered by the native engine")
    if result_format not in ("BOOLEAN_ONLY", "BASIC", "SUMMARY", "COMPLETE"):
        raise Decline(f"result_format {result_format!r}")
    batch = frame if isinstance(frame, Frame) else Frame(frame)
    try:
        result = evaluator(batch, kwargs, Format(result_format))
    except Decline:
        raise
    except Exception as exc:  # pandas refuses (e.g. comparing mixed types): GX reports it its own way
        raise Decline(f"pandas raised {type(exc).__name__}: {exc}") from exc
    if result_format == "BOOLEAN_ONLY":  # GX's Expectation.validate_ keeps no result then
        return NativeResult(success=bool(result.success))
    return result


def check_engine(engine: str) -> None:
    """``engine`` is one of :data:`ENGINES` (an :class:`~airflow_mlops.exceptions.ArgumentError` if not)."""
    from airflow_mlops.core.arguments import require_choice

    require_choice("engine", engine, ENGINES)


def require_covered(specs: Sequence[ExpectationSpec], *, sql: bool, source: str) -> None:
    """``engine="native"``: the data is a DataFrame and every type is covered, else one InputError."""
    from airflow_mlops.core.results import MAX_LISTED
    from airflow_mlops.exceptions import InputError

    if sql:
        raise InputError(
            f"engine='native' evaluates pandas DataFrames only, and {source} is SQL; use engine='auto' "
            "or 'gx' (GX validates it inside the database)."
        )
    uncovered = [spec for spec in specs if spec.type not in COVERED]
    if uncovered:
        listed = ", ".join(f"'{spec.type}' ({spec.source})" for spec in uncovered[:MAX_LISTED])
        raise InputError(
            f"engine='native' does not cover {listed}; use engine='auto' (GX runs those) or 'gx'. The "
            "covered types are listed in docs/operators/expectation-coverage.md."
        )
