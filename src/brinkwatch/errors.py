"""Errors that brinkwatch raises and warnings that it issues.

Every error people can cause derives from :class:`BrinkwatchError`; input errors also derive
from the matching built-in so that ``except ValueError`` keeps working. Every warning derives
from :class:`BrinkwatchWarning`, a :class:`UserWarning`, so that
``warnings.simplefilter("error", BrinkwatchWarning)`` turns all of them into errors and
``except BrinkwatchError`` never swallows one. Messages say what was wrong, where (file, line,
field) and how to fix it.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BrinkwatchError",
    "BrinkwatchWarning",
    "BusyError",
    "ClusterError",
    "CodebookError",
    "ConfigError",
    "ConvergenceWarning",
    "CoverageWarning",
    "DeliveryError",
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
    "RegisterError",
    "ScenarioError",
    "SimulationError",
    "SparseDataWarning",
    "StoreError",
    "StoreLockedError",
    "WatchLockedError",
]


def _where(path: str | None, line: int | None, field: str | None) -> str:
    """``"file:line, field 'x'"``, or the parts of it that are known."""
    where = []
    if path is not None:
        where.append(path if line is None else f"{path}:{line}")
    elif line is not None:
        where.append(f"line {line}")
    if field is not None:
        where.append(f"field '{field}'")
    return ", ".join(where)


class _Located(Exception):  # noqa: N818 (a base of both errors and warnings)
    """A problem with where it was (file, line, field) prefixed to its message.

    Errors and warnings share it, so that both read the same way.
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
        where = _where(self.path, self.line, self.field)
        return f"{where}: {self.message}" if where else self.message


class BrinkwatchError(_Located):
    """Root of every error brinkwatch raises on purpose.

    Parameters
    ----------
    message
        What was wrong and how to fix it.
    path, line, field
        Where it was wrong, when known; they are prefixed to the message.
    """


class BrinkwatchWarning(_Located, UserWarning):
    """Root of every warning brinkwatch issues (with :func:`warnings.warn`, never raised).

    Parameters
    ----------
    message
        What is doubtful about the result and what to do about it.
    path, line, field
        Where, when known; they are prefixed to the message as for :class:`BrinkwatchError`.
    """


class ConfigError(BrinkwatchError, ValueError):
    """A setting or command-line option has an invalid value."""


class RegisterError(ConfigError):
    """An instruments register (YAML) or a friction-weight override is invalid or missing.

    Its message names the file, line and field of the first problem.
    """


class FileFormatError(BrinkwatchError, ValueError):
    """A file cannot be read as any supported format, or not as the format forced."""


class MappingError(BrinkwatchError, ValueError):
    """A column mapping (YAML file or ``--map``) is invalid for the file it maps."""


class CodebookError(BrinkwatchError, LookupError):
    """A CAMEO event, country or actor-type code is not in the codebook."""


class StoreError(BrinkwatchError, RuntimeError):
    """The event store cannot be opened, migrated or written."""


class StoreLockedError(StoreError):
    """Another process held the store file for longer than the caller agreed to wait.

    Attributes
    ----------
    holder
        Who holds it, as a :class:`brinkwatch.store.Holder` (pid, command, since when, and
        whether it reads or writes), or ``None`` when the holder left no record.
    retry_after
        Seconds after which trying again is sensible.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        holder: object = None,
        retry_after: float = 5.0,
    ) -> None:
        super().__init__(message, path=path)
        self.holder = holder
        self.retry_after = retry_after


class WatchLockedError(StoreLockedError):
    """Another ``brinkwatch watch`` runs on the store; only one watcher may follow a feed."""


class ClusterError(StoreError):
    """A Spark standalone cluster did not start.

    PySpark or Java is missing, a daemon exited, or the workers did not register in time;
    the message quotes the end of each daemon's log.
    """


class IntegrityError(StoreError):
    """The store's bookkeeping does not add up (read != stored + rejected + duplicates)."""


class FetchError(BrinkwatchError, OSError):
    """A download failed: unreachable server, bad status, size or checksum mismatch."""


class DeliveryError(BrinkwatchError, OSError):
    """One attempt to deliver an alarm on a channel (webhook, email, JSON Lines) failed.

    Its message names the channel and the reason (HTTP status, timeout, refused connection,
    SMTP reply). The caller decides whether and when to try again.

    Attributes
    ----------
    channel
        The name of the channel that failed, when known.
    permanent
        True when trying again cannot help without a change of configuration (an HTTP 4xx
        other than 408 and 429, a refused login); the outbox may stop retrying.
    """

    def __init__(
        self, message: str, *, channel: str | None = None, permanent: bool = False
    ) -> None:
        super().__init__(message if channel is None else f"channel '{channel}': {message}")
        self.channel = channel
        self.permanent = permanent


class NotFittedError(BrinkwatchError, ValueError, AttributeError):
    """An estimator was used before ``fit`` (as scikit-learn's ``NotFittedError``)."""


class InsufficientDataError(BrinkwatchError, ValueError):
    """A model was fitted on too little data to give the result asked for; its notes say why."""


class SparseDataWarning(BrinkwatchWarning):
    """Too few observations or events for the analysis asked; the result says what was cut."""


class CoverageWarning(BrinkwatchWarning):
    """A measure met origins of different coverage and did not add them together."""


class NonStationaryWarning(BrinkwatchWarning):
    """A series looks non-stationary (unit root) or a fitted VAR is unstable; difference it."""


class ExplosiveModelWarning(BrinkwatchWarning):
    """A fitted self-exciting model has branching ratio >= 1: simulated counts grow unbounded."""


class ConvergenceWarning(BrinkwatchWarning):
    """An optimiser stopped before it converged; estimates may be off. Its message says where."""


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


class OriginOverrideWarning(BrinkwatchWarning):
    """A user mapping claims a built-in origin (``gdelt2``, ...) under ``--origin-override``.

    Its rows share that origin's event ids, so they and the publisher's rows are duplicates.

    Issued with :func:`warnings.warn`, like :class:`SparseDataWarning`.
    """
