"""Loading tabular data from files and callables into pandas (imported lazily)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_mlops.exceptions import DataSourceError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "check_frame",
    "file_format",
    "file_modified_at",
    "read_file",
]

_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def file_format(path: str) -> str:
    """``csv``, ``tsv`` or ``parquet`` from the file name (a trailing .gz/.bz2/.zst/.xz is looked through)."""
    name = path.lower().rstrip("/")
    for compression in (".gz", ".bz2", ".zst", ".xz", ".zip"):
        if name.endswith(compression):
            name = name[: -len(compression)]
    for suffix, fmt in _FORMATS.items():
        if name.endswith(suffix):
            return fmt
    raise DataSourceError(
        f"data path '{path}' has no known format; name a .csv, .tsv or .parquet file "
        "(or pass a callable that returns a DataFrame)."
    )


def _resolve(path: str, base_dir: str | os.PathLike[str] | None) -> str:
    if "://" in path:
        return path[len("file://") :] if path.startswith("file://") else path
    candidate = Path(path).expanduser()
    if not candidate.is_absolute() and base_dir is not None and (Path(base_dir) / candidate).exists():
        candidate = Path(base_dir) / candidate
    return str(candidate)


def file_modified_at(path: str, *, base_dir: str | os.PathLike[str] | None = None) -> datetime | None:
    """The modification time (UTC) of a local data file; ``None`` for a URI or a file that is not there."""
    resolved = _resolve(path, base_dir)
    if "://" in resolved or not os.path.exists(resolved):
        return None
    return datetime.fromtimestamp(os.stat(resolved).st_mtime, tz=UTC)


def read_file(path: str, *, base_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read a CSV/TSV/Parquet file or URI (fsspec) into a DataFrame, with errors that name the file."""
    import pandas as pd

    fmt = file_format(path)
    resolved = _resolve(path, base_dir)
    if "://" not in resolved and not os.path.exists(resolved):
        raise DataSourceError(
            f"data file '{resolved}' does not exist; check the `data=` path (after templating) or the "
            "upstream task that should have written it."
        )
    try:
        if fmt == "parquet":
            return pd.read_parquet(resolved)
        return pd.read_csv(resolved, sep="\t" if fmt == "tsv" else ",", encoding="utf-8")
    except FileNotFoundError:
        raise DataSourceError(f"data file '{resolved}' does not exist; check the `data=` path.") from None
    except UnicodeDecodeError as exc:
        raise DataSourceError(
            f"data file '{resolved}' is not UTF-8 text (byte {exc.start}: {exc.reason}); re-encode it as "
            "UTF-8 or load it with a callable that passes the right encoding."
        ) from None
    except pd.errors.EmptyDataError:
        raise DataSourceError(f"data file '{resolved}' is empty: it has no header and no rows.") from None
    except pd.errors.ParserError as exc:
        raise DataSourceError(f"data file '{resolved}' is not valid {fmt.upper()}: {exc}") from None
    except (OSError, ValueError) as exc:
        # pyarrow raises ArrowInvalid (a ValueError) or OSError for truncated / non-Parquet files.
        raise DataSourceError(
            f"data file '{resolved}' cannot be read as {fmt.upper()}: {exc}. Is the file complete and of "
            "that format?"
        ) from None


def check_frame(frame: Any, *, source: str) -> pd.DataFrame:
    """Make sure ``frame`` is a non-empty DataFrame: an empty frame would pass most checks vacuously."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise DataSourceError(f"{source} returned {type(frame).__name__}, expected a pandas DataFrame.")
    if len(frame.columns) == 0:
        raise DataSourceError(f"{source} has no columns; check the upstream step that produced it.")
    if len(frame) == 0:
        raise DataSourceError(
            f"{source} has 0 rows; an empty batch would pass most checks vacuously, so it is reported "
            "as an error. Check the upstream step that produced it."
        )
    return frame
