"""Errors and warnings that brinkwatch raises.

Every error people can cause derives from :class:`BrinkwatchError`; input errors also derive
from the matching built-in so that ``except ValueError`` keeps working. Messages say what was
wrong, where (file, line, field) and how to fix it.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BrinkwatchError",
    "CodebookError",
    "ConfigError",
    "FetchError",
    "FileFormatError",
    "IntegrityError",
    "MappingError",
    "StoreError",
]


class BrinkwatchError(Exception):
    """Root of every error brinkwatch raises on purpose.

    Parameters
    ----------
    message
        What was wrong and how to fix it.
    path, line, field
        Where it was wrong, when known; they are prefixed to the message.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.message = message
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = []
        if self.path is not None:
            where.append(self.path if self.line is None else f"{self.path}:{self.line}")
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ConfigError(BrinkwatchError, ValueError):
    """A setting or command-line option has an invalid value."""


class FileFormatError(BrinkwatchError, ValueError):
    """A file cannot be read as any supported format, or not as the format forced."""


class MappingError(BrinkwatchError, ValueError):
    """A column mapping (YAML file or ``--map``) is invalid for the file it maps."""


class CodebookError(BrinkwatchError, LookupError):
    """A CAMEO event, country or actor-type code is not in the codebook."""


class StoreError(BrinkwatchError, RuntimeError):
    """The event store cannot be opened, migrated or written."""


class IntegrityError(StoreError):
    """The store's bookkeeping does not add up (read != stored + rejected + duplicates)."""


class FetchError(BrinkwatchError, OSError):
    """A download failed: unreachable server, bad status, size or checksum mismatch."""
