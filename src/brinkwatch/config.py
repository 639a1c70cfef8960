"""Settings read once at the edge (CLI, web) and passed inward."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from brinkwatch.errors import ConfigError

__all__ = ["Settings", "default_db_path", "load_settings"]

_APP = "brinkwatch"


def default_db_path() -> Path:
    """Return the default store path: ``$BRINKWATCH_DB`` or the platform data directory.

    Examples
    --------
    >>> default_db_path().name
    'brinkwatch.duckdb'
    """
    env = os.environ.get("BRINKWATCH_DB")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(_APP)) / "brinkwatch.duckdb"


@dataclass(frozen=True)
class Settings:
    """Validated settings.

    Attributes
    ----------
    db_path
        The DuckDB file of the event store.
    threads
        DuckDB worker threads; ``None`` lets DuckDB use every core.
    memory_limit
        DuckDB memory limit such as ``"2GB"``; ``None`` keeps DuckDB's default.
    lake
        A Parquet lake (folder or object-store URL) to use instead of ``db_path``
        (``--lake`` or ``$BRINKWATCH_LAKE``); ``None``: the DuckDB file.
    """

    db_path: Path
    threads: int | None = None
    memory_limit: str | None = None
    lake: str | None = None


def load_settings(db: str | Path | None = None, lake: str | Path | None = None) -> Settings:
    """Build settings from arguments and ``BRINKWATCH_*`` environment variables.

    Parameters
    ----------
    db
        Explicit store path; overrides ``$BRINKWATCH_DB``.
    lake
        Explicit lake; overrides ``$BRINKWATCH_LAKE``.

    Returns
    -------
    Settings
        The validated settings.

    Raises
    ------
    ConfigError
        If ``BRINKWATCH_THREADS`` is not a positive integer.
    """
    threads_env = os.environ.get("BRINKWATCH_THREADS")
    threads: int | None = None
    if threads_env:
        if not threads_env.isdigit() or int(threads_env) < 1:
            raise ConfigError(
                f"BRINKWATCH_THREADS must be a positive integer, got {threads_env!r}; "
                "unset it or set it to e.g. 2."
            )
        threads = int(threads_env)
    path = Path(db).expanduser() if db is not None else default_db_path()
    lake_env = os.environ.get("BRINKWATCH_LAKE") or None
    return Settings(
        db_path=path,
        threads=threads,
        memory_limit=os.environ.get("BRINKWATCH_MEMORY_LIMIT"),
        lake=str(lake) if lake is not None else lake_env,
    )
