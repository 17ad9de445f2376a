"""The native engine: common GX expectation types on pandas, with GX's exact results, without GX.

Each covered type is evaluated by the same pandas operations GX's pandas metrics run, and returns the
raw result GX would (``success`` and the ``result`` dict: observed value, element and unexpected
counts and percents, the sample of unexpected values in GX's order, its counts), which
:mod:`airflow_mlops.core.gx` converts exactly as it converts GX's. A configuration or a column the
native engine does not evaluate exactly like GX raises :class:`Decline`; with ``engine="auto"`` GX
then evaluates that expectation. ``tests/core/test_native_conformance.py`` is the proof.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from airflow_mlops.core.native._aggregate import AGGREGATE_EVALUATORS
from airflow_mlops.core.native._base import Decline, Format, NativeResult
from airflow_mlops.core.native._frame import Frame, MissingColumn
from airflow_mlops.core.native._map import MAP_EVALUATORS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COVERED", "ENGINES", "Decline", "Engine", "Frame", "MissingColumn", "NativeResult", "evaluate"]

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
