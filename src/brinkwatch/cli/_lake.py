"""``brinkwatch lake``: make a Parquet lake and move a store between a DuckDB file and a lake."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from brinkwatch.cli._app import DbOption, _open, app, out
from brinkwatch.cli._render import to_json
from brinkwatch.errors import ConfigError

lake_app = typer.Typer(
    help="A Parquet lake: the store's tables partitioned by origin and month, published "
    "through a manifest (docs/schema.md, 'The lake').",
    no_args_is_help=True,
)
app.add_typer(lake_app, name="lake")

LakeArg = Annotated[str, typer.Argument(help="The lake: a folder (or s3://, gs://, abfs:// URL).")]
LakeOpt = Annotated[
    str, typer.Option("--lake", help="The lake: a folder (or an object-store URL).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _print(as_json: bool, payload: dict[str, object], line: str) -> None:
    if as_json:
        out.print_json(to_json(payload))
    else:
        out.print(line, soft_wrap=True)


@lake_app.command("init")
def lake_init_cmd(path: LakeArg, as_json: JsonOpt = False) -> None:
    """Create an empty lake (its first manifest); an existing lake is left as it is."""
    from brinkwatch.store import Lake

    lake = Lake(path)
    with lake.writer_lock(0.0):
        made = lake.init()
    state = "created" if made else "already a lake"
    _print(as_json, {"lake": lake.root, "created": made}, f"{lake.root}: {state}")


@lake_app.command("export")
def lake_export_cmd(db: DbOption = None, lake: LakeOpt = "", as_json: JsonOpt = False) -> None:
    """Copy every table of a DuckDB store into a new or empty lake (batch ids kept)."""
    if not lake:
        raise ConfigError("lake export needs --lake PATH (a new or empty lake)", field="--lake")
    with _open(db, read_only=True) as store:
        from brinkwatch.store import export_to_lake

        rows = export_to_lake(store, lake)
    parts = ", ".join(f"{n} {k}" for k, n in rows.items())
    _print(as_json, {"lake": str(lake), "rows": rows}, f"exported to {lake}: {parts}")


@lake_app.command("import")
def lake_import_cmd(
    lake: LakeOpt = "",
    db: Annotated[
        Path | None, typer.Option("--db", help="A new or empty store file to fill.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Copy every table of a lake into a new or empty DuckDB store file (batch ids kept)."""
    if not lake:
        raise ConfigError("lake import needs --lake PATH", field="--lake")
    if db is None:
        raise ConfigError("lake import needs --db FILE (a new or empty store)", field="--db")
    from brinkwatch.store import connect, import_from_lake

    with connect(db) as store:
        rows = import_from_lake(lake, store)
    parts = ", ".join(f"{n} {k}" for k, n in rows.items())
    _print(as_json, {"db": str(db), "rows": rows}, f"imported into {db}: {parts}")


@lake_app.command("compact")
def lake_compact_cmd(
    lake: LakeOpt = "",
    min_parts: Annotated[
        int,
        typer.Option("--min-parts", min=2, help="Merge a partition when it has this many parts."),
    ] = 2,
    as_json: JsonOpt = False,
) -> None:
    """Merge each partition's small parts into one; rows stay as they are.

    Old part files stay for readers of older manifests until no kept manifest lists them.
    """
    if not lake:
        raise ConfigError("lake compact needs --lake PATH (a local lake)", field="--lake")
    from brinkwatch.store import Lake

    r = Lake(lake).compact(min_parts=min_parts)
    if r.version is None:
        line = f"{r.lake}: nothing to compact ({r.parts_before} parts, {r.rows} rows)"
    else:
        line = (
            f"{r.lake}: {r.parts_before} -> {r.parts_after} parts in {r.partitions} partitions "
            f"({r.bytes_before} -> {r.bytes_after} bytes, {r.rows} rows), manifest v{r.version}"
        )
    _print(as_json, asdict(r), line)
