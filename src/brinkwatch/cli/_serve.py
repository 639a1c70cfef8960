"""``brinkwatch serve``: the dashboard over a store, on this machine only unless told otherwise."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brinkwatch.cli._app import DbOption, app, err
from brinkwatch.config import load_settings
from brinkwatch.errors import ConfigError

if TYPE_CHECKING:
    from fastapi import FastAPI

# FastAPI, uvicorn and the library stages are imported inside the command, after the checks.

# A host name or IPv4 address, optionally with one leading "*." wildcard label; or an IPv6
# address in brackets. Never "*" alone: that would turn the Host check (DNS rebinding) off.
_HOST = re.compile(
    r"(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*"
    r"|\[[0-9A-Fa-f:.]+\]"
)


def allowed_hosts_for(host: str, allow_public: bool, allowed: list[str] | None) -> list[str] | None:
    """Check the binding options and return the Host headers the dashboard answers.

    Parameters
    ----------
    host
        The ``--host`` to listen on.
    allow_public
        ``--allow-public``: required for an address other machines can reach.
    allowed
        ``--allowed-host`` names: required with ``--allow-public``; a browser's Host header
        must be one of them (DNS rebinding gets a 400).

    Returns
    -------
    list of str or None
        The names to pass to :func:`brinkwatch.web.create_app`; ``None`` keeps its loopback
        default.

    Raises
    ------
    ConfigError
        Naming the option, when the address is public without the flag, the flag comes
        without an ``--allowed-host``, or a name is not a host name (``*`` is refused).

    Examples
    --------
    >>> allowed_hosts_for("0.0.0.0", True, ["analyst.example.org"])
    ['analyst.example.org']
    >>> allowed_hosts_for("127.0.0.1", False, None) is None
    True
    """
    from brinkwatch.web._validation import LOCAL_HOSTS, check_host, is_loopback

    check_host(host, allow_public)
    names = [h.strip().lower() for h in allowed or []]
    for name in names:
        if not _HOST.fullmatch(name):
            raise ConfigError(
                f"expected a host name such as analyst.example.org (or *.example.org), got "
                f"{name[:60]!r}; '*' alone would accept any Host header and let other web "
                "pages reach the dashboard through DNS rebinding",
                field="--allowed-host",
            )
    if is_loopback(host):
        if not names:
            return None
        return [*LOCAL_HOSTS, *names]
    if not names:
        raise ConfigError(
            f"serving on {host} with --allow-public needs the names browsers will use to "
            "reach it: pass --allowed-host NAME (repeatable), e.g. --allowed-host "
            "analyst.example.org. Behind a reverse proxy, bind to 127.0.0.1 and let the proxy "
            "set the Host header (docs/dashboard.md)",
            field="--allowed-host",
        )
    return names


def build_app(
    db: Path | None,
    host: str,
    allow_public: bool,
    allowed: list[str] | None,
    register: Path | None = None,
) -> tuple[FastAPI, Path]:
    """Build the dashboard as ``brinkwatch serve`` would, after checking its options.

    ``register`` is the ``--register`` file; without it the bundled register is shown when
    this installation has one.
    """
    hosts = allowed_hosts_for(host, allow_public, allowed)
    path: Path = load_settings(db).db_path
    from brinkwatch.web import create_app

    return create_app(path, allowed_hosts=hosts, register=register), path


@app.command("serve")
def serve_cmd(
    db: DbOption = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    allow_public: Annotated[
        bool,
        typer.Option(
            "--allow-public",
            help="Allow a non-loopback --host: anyone who reaches it may read the store and "
            "add coded events (there is no login). Needs --allowed-host.",
        ),
    ] = False,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="A Host name browsers use to reach the dashboard (repeatable); other Host "
            "headers get 400. Required with --allow-public.",
        ),
    ] = None,
    register: Annotated[
        Path | None,
        typer.Option(
            "--register",
            help="Instruments register for the Instruments page and the dyad's frictions "
            "(default: the bundled one, when installed).",
        ),
    ] = None,
) -> None:
    """Serve the dashboard: triad, dyads, explain, scenarios, instruments and the text coder."""
    if not 1 <= port <= 65535:
        raise ConfigError(f"a TCP port is 1 to 65535; got {port}", field="--port")
    web, path = build_app(db, host, allow_public, allowed_host, register)
    import uvicorn

    shown = f"[{host}]" if ":" in host else host
    err.print(f"brinkwatch dashboard on [bold]http://{shown}:{port}/[/] (store {path})")
    err.print("Ctrl+C stops it.")
    uvicorn.run(web, host=host, port=port, log_level="warning")
