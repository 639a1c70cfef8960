"""Errors and warnings that brinkwatch raises.

Every error people can cause derives from :class:`BrinkwatchError`; input errors also derive
from the matching built-in so that ``except ValueError`` keeps working. Messages say what was
wrong, where (file, line, field) and how to fix it.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BrinkwatchError",
    "BusyError",
    "CodebookError",
    "ConfigError",
    "ConvergenceWarning",
    "ExplosiveModelWarning",
    "FetchError",
    "FileFormatError",
    "InsufficientDataError",
    "IntegrityError",
    "LexiconError",
    "MappingError",
    "ModelMissingError",
    "NonStationaryWarning",
    "NotFittedError",
    "OriginOverrideWarning",
    "ScenarioError",
    "SimulationError",
    "SparseDataWarning",
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


class NotFittedError(BrinkwatchError, ValueError, AttributeError):
    """An estimator was used before ``fit`` (as scikit-learn's ``NotFittedError``)."""


class InsufficientDataError(BrinkwatchError, ValueError):
    """A model was fitted on too little data to give the result asked for; its notes say why."""


class SparseDataWarning(BrinkwatchError, UserWarning):  # noqa: N818 (a warning)
    """Too few observations or events for the analysis asked; the result says what was cut.

    Issued with :func:`warnings.warn`, never raised by brinkwatch: it derives from
    :class:`BrinkwatchError` only so that every public name of this module shares one root.
    """


class NonStationaryWarning(BrinkwatchError, UserWarning):  # noqa: N818 (a warning)
    """A series looks non-stationary (unit root) or a fitted VAR is unstable; consider differencing.

    Issued with :func:`warnings.warn`, like :class:`SparseDataWarning`.
    """


class ExplosiveModelWarning(BrinkwatchError, UserWarning):  # noqa: N818 (a warning)
    """A fitted self-exciting model has branching ratio >= 1: simulated counts grow without bound.

    Issued with :func:`warnings.warn`, like :class:`SparseDataWarning`.
    """


class ConvergenceWarning(BrinkwatchError, UserWarning):  # noqa: N818 (a warning)
    """An optimiser stopped before it converged; estimates may be off. Its message says where.

    Issued with :func:`warnings.warn`, like :class:`SparseDataWarning`.
    """


class BusyError(BrinkwatchError, RuntimeError):
    """A bounded queue of long runs (the dashboard's simulations) is full; retry later."""


class SimulationError(BrinkwatchError, RuntimeError):
    """A simulation cannot go on, e.g. an explosive model's intensities passed every bound."""


class ModelMissingError(BrinkwatchError, ImportError):
    """The spaCy pipeline that the text coder parses with is not installed."""


class LexiconError(BrinkwatchError, ValueError):
    """A verb lexicon, actor dictionary or validation-record file cannot be read."""


class ScenarioError(BrinkwatchError, ValueError):
    """A scenario file is invalid (names the line and field), or asks for what it lacks."""


class OriginOverrideWarning(BrinkwatchError, UserWarning):  # noqa: N818 (a warning)
    """A user mapping claims a built-in origin (``gdelt2``, ...) under ``--origin-override``.

    Its rows share that origin's event ids, so they and the publisher's rows are duplicates.

    Issued with :func:`warnings.warn`, like :class:`SparseDataWarning`.
    """
