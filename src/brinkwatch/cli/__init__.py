"""The ``brinkwatch`` command line: a thin shell that parses input, calls the library, renders.

Errors that people can cause (:class:`~brinkwatch.errors.BrinkwatchError`) print as
``Kind: message`` without a traceback and exit 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from brinkwatch.cli import _brief as _brief  # registers its commands
from brinkwatch.cli import _code as _code  # registers its commands
from brinkwatch.cli import _explain as _explain  # registers its commands
from brinkwatch.cli import _forecast as _forecast  # registers its commands
from brinkwatch.cli import _measure as _measure  # registers its commands
from brinkwatch.cli import _serve as _serve  # registers its commands
from brinkwatch.cli import _simulate as _simulate  # registers its commands
from brinkwatch.cli._app import app
from brinkwatch.cli._fields import as_flags as _as_flags
from brinkwatch.errors import BrinkwatchError

__all__ = ["app", "main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI and exit with its status.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when omitted.
    """
    try:
        # Standalone mode: Typer renders usage errors and exits; our own errors pass through.
        app(args=list(argv) if argv is not None else None, prog_name="brinkwatch")
    except BrinkwatchError as exc:
        err = Console(stderr=True)
        shown = _as_flags(exc)  # the library names parameters; people typed flags
        err.print(f"[bold red]{type(exc).__name__}[/]: {escape(str(shown))}", highlight=False)
        sys.exit(1)
