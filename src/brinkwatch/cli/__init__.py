"""The ``brinkwatch`` command line: a thin shell that parses input, calls the library, renders.

Errors that people can cause (:class:`~brinkwatch.errors.BrinkwatchError`) print as their
message (where, what, how to fix; no class name) without a traceback and exit 1; anything else
is a bug and keeps its traceback. Warnings from libraries never reach the user as Python prints
them: deprecations go to the log, any other library warning prints as one ``note:`` line.

A command asked for JSON (``--json`` or ``--format json``) prints exactly one JSON document on
stdout whatever happens: its result, or on failure ``{"error": {"kind", "message", "path",
"line", "field", "detail"}}`` with a non-zero exit (2 for a usage error, 1 otherwise; a bug
also keeps its traceback on stderr). :func:`main` does this for every command, in one place.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

import typer
from rich.console import Console
from rich.markup import escape

from brinkwatch.cli import _brief as _brief  # registers its commands
from brinkwatch.cli import _code as _code  # registers its commands
from brinkwatch.cli import _explain as _explain  # registers its commands
from brinkwatch.cli import _forecast as _forecast  # registers its commands
from brinkwatch.cli import _instruments as _instruments  # registers its commands
from brinkwatch.cli import _lake as _lake  # registers its commands
from brinkwatch.cli import _measure as _measure  # registers its commands
from brinkwatch.cli import _serve as _serve  # registers its commands
from brinkwatch.cli import _simulate as _simulate  # registers its commands
from brinkwatch.cli import _watch as _watch  # registers its commands
from brinkwatch.cli._app import app
from brinkwatch.cli._fields import as_flags as _as_flags
from brinkwatch.cli._render import to_json as _to_json
from brinkwatch.errors import BrinkwatchError

__all__ = ["app", "error_json", "json_requested", "main"]

_log = logging.getLogger("brinkwatch")


def json_requested(args: Sequence[str]) -> bool:
    """Whether the arguments ask for JSON output (``--json``, ``--format json``).

    Examples
    --------
    >>> json_requested(["stats", "--json"]), json_requested(["events", "--format=JSON"])
    (True, True)
    >>> json_requested(["ingest", "x.csv", "--format", "csv"])
    False
    """
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--json" or arg.lower() == "--format=json":
            return True
        if arg == "--format" and i + 1 < len(args) and args[i + 1].lower() == "json":
            return True
    return False


def error_json(exc: BaseException) -> dict[str, Any]:
    """Return the JSON object a command prints when it fails under ``--json``.

    Examples
    --------
    >>> from brinkwatch.errors import ConfigError
    >>> error_json(ConfigError("bad", field="--from"))["error"]["field"]
    '--from'
    """
    if isinstance(exc, BrinkwatchError):
        where = {"path": exc.path, "line": exc.line, "field": exc.field, "message": exc.message}
    elif isinstance(exc, typer.TyperException):
        opts = getattr(getattr(exc, "param", None), "opts", None) or [None]
        where = {"path": None, "line": None, "field": opts[0], "message": exc.format_message()}
    else:
        where = {"path": None, "line": None, "field": None, "message": "internal error (a bug)"}
    return {"error": {"kind": type(exc).__name__, **where, "detail": str(exc)[:2000]}}


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI and exit with its status.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when omitted.
    """
    args = list(argv) if argv is not None else sys.argv[1:]
    if not sys.warnoptions:  # an explicit `python -W ...` (a test, a developer) keeps its say
        warnings.showwarning = _show_warning
    if json_requested(args):
        _main_json(args)
    try:
        # Standalone mode: Typer renders usage errors and exits; our own errors pass through.
        app(args=args, prog_name="brinkwatch")
    except BrinkwatchError as exc:
        err = Console(stderr=True)
        shown = _as_flags(exc)  # the library names parameters; people typed flags
        err.print(f"[bold red]{escape(str(shown))}[/]", highlight=False)
        sys.exit(1)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Show a warning nobody caught as one line; library deprecations only in the log."""
    if issubclass(category, DeprecationWarning | PendingDeprecationWarning | FutureWarning):
        _log.debug("%s:%s: %s: %s", filename, lineno, category.__name__, message)
        return
    text = " ".join(str(message).split())
    Console(stderr=True).print(f"[yellow]note[/]: {escape(text)}", highlight=False)


def _main_json(args: list[str]) -> NoReturn:
    def fail(exc: BaseException, code: int) -> NoReturn:
        sys.stdout.flush()
        sys.stdout.write(_to_json(error_json(exc)) + "\n")
        sys.stdout.flush()
        if not isinstance(exc, BrinkwatchError | typer.TyperException):
            raise exc  # a bug: the traceback goes to stderr, after the JSON
        Console(stderr=True).print(f"[bold red]{escape(str(exc))}[/]", highlight=False)
        sys.exit(code)

    try:
        # Not standalone: usage errors come back here as exceptions to print as JSON.
        code = app(args=args, prog_name="brinkwatch", standalone_mode=False)
    except BrinkwatchError as exc:
        fail(exc, 1)
    except typer.TyperException as exc:  # usage errors: bad option values, unknown options
        fail(exc, exc.exit_code)
    except typer.Abort:
        fail(typer.TyperException("aborted"), 1)
    except Exception as exc:
        fail(exc, 1)
    sys.exit(code if isinstance(code, int) else 0)
