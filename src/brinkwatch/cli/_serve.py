"""``brinkwatch serve``: the dashboard over a store, on this machine only unless told otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brinkwatch.cli._app import DbOption, app, err
from brinkwatch.config import load_settings
from brinkwatch.errors import ConfigError

# FastAPI, uvicorn and the library stages are imported inside the command, after the checks.


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
            "add coded events (there is no login).",
        ),
    ] = False,
) -> None:
    """Serve the dashboard: triad, dyads, explain, scenarios and the text coder."""
    from brinkwatch.web._validation import check_host, is_loopback

    check_host(host, allow_public)
    if not 1 <= port <= 65535:
        raise ConfigError(f"a TCP port is 1 to 65535; got {port}", field="--port")
    path: Path = load_settings(db).db_path
    import uvicorn

    from brinkwatch.web import create_app

    web = create_app(path, allowed_hosts=None if is_loopback(host) else ["*"])
    shown = f"[{host}]" if ":" in host else host
    err.print(f"brinkwatch dashboard on [bold]http://{shown}:{port}/[/] (store {path})")
    err.print("Ctrl+C stops it.")
    uvicorn.run(web, host=host, port=port, log_level="warning")
