"""``--actors A B C``: the one way every command takes a set of actors.

The older forms (``triad A B C``, ``--triad A B C``) still work for one release and print a
deprecation notice on stderr, never on stdout where JSON and CSV go.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from brinkwatch.cli._app import err
from brinkwatch.errors import ConfigError

__all__ = ["ActorsArgs", "ActorsOpt", "actor_set", "deprecated"]

ActorsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--actors",
        help="The actors, e.g. --actors USA JPN KOR (or USA,JPN,KOR); a mediator first.",
    ),
]
ActorsArgs = Annotated[
    list[str] | None,
    typer.Argument(metavar="[ACTORS]", help="More actors after --actors.", show_default=False),
]


def deprecated(old: str, new: str) -> None:
    """Tell the user, on stderr, that ``old`` goes away and ``new`` replaces it."""
    err.print(
        f"[yellow]note[/]: {escape(old)} is deprecated and will be removed in the next "
        f"release; use {escape(new)}",
        highlight=False,
    )


def actor_set(
    opt: list[str] | None,
    args: list[str] | None,
    *,
    count: int,
    old: list[str] | tuple[str, ...] | None = None,
    old_form: str = "",
) -> list[str]:
    """Return the actors given with ``--actors`` (and the words after it) or an older form.

    Parameters
    ----------
    opt, args
        The ``--actors`` values and the positional words that follow them.
    count
        How many actors the command needs.
    old, old_form
        The actors of a deprecated form (``--triad``) and how to name it in the notice.
    """
    names = [p.strip() for x in [*(opt or []), *(args or [])] for p in x.split(",") if p.strip()]
    example = " ".join(["USA", "JPN", "KOR", "CHN"][:count])
    if old:
        if names:
            raise ConfigError(
                f"give the actors once, with --actors (not also {old_form})", field="--actors"
            )
        deprecated(old_form, f"--actors {example}")
        names = list(old)
    elif names and not opt:
        # Bare words without --actors: the old `triad A B C` form.
        deprecated(f"{old_form or 'naming actors'} without --actors", f"--actors {example}")
    if len(names) != count:
        raise ConfigError(
            f"give exactly {count} actors, e.g. --actors {example}; got {len(names)}"
            + (f" ({' '.join(names)})" if names else ""),
            field="--actors",
        )
    return names
