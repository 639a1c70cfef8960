"""Typer commands. Each parses options, calls the library and renders; no logic of its own."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from typer.core import TyperOption

from brinkwatch.cli._render import OutputFormat, render_arrow, to_json
from brinkwatch.config import load_settings
from brinkwatch.errors import BrinkwatchError, ConfigError, OriginOverrideWarning
from brinkwatch.ingest._formats import Format  # light: the option's choices

if TYPE_CHECKING:
    import pyarrow as pa

    from brinkwatch.ingest import ColumnMapping, FileReport, IngestReport
    from brinkwatch.store import Holder, Store

# Stages (DuckDB, Arrow, NumPy) are imported inside the commands that use them, so that
# `brinkwatch --help`, `--version` and `watch --once` start fast (tests/cli/test_startup.py).

_type_label = TyperOption.display_type_rich


def _flag_label(self: TyperOption, ctx: Any) -> str | None:
    # A flag takes no value: Typer's "<bool>" beside it reads as if it wanted one.
    return None if self.is_flag else _type_label(self, ctx)


TyperOption.display_type_rich = _flag_label  # type: ignore[method-assign]

_log = logging.getLogger("brinkwatch")

app = typer.Typer(
    name="brinkwatch",
    help="Watch, measure, explain and simulate crises between allied states from event data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
fetch_app = typer.Typer(
    help="Download event data from its publisher, then ingest it.", no_args_is_help=True
)
app.add_typer(fetch_app, name="fetch")
store_app = typer.Typer(help="Look after the event store.", no_args_is_help=True)
app.add_typer(store_app, name="store")

#: The lake given with the global ``--lake`` option (``None``: the DuckDB file, or
#: ``$BRINKWATCH_LAKE``); ``_open`` reads it.
_lake_option: list[str | None] = [None]
#: The global ``--engine`` and ``--master`` options: which engine reads the store for the
#: commands that only read it (measures, alarms, series, brief).
_engine_option: list[str] = ["duckdb"]
_master_option: list[str | None] = [None]


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"brinkwatch {version('brinkwatch')}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the installed version and exit.",
        ),
    ] = False,
    lake: Annotated[
        str | None,
        typer.Option(
            "--lake",
            help="Use a Parquet lake (folder; see brinkwatch lake init) instead of the --db "
            "file, for every command (default: $BRINKWATCH_LAKE).",
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="duckdb (default) or spark: the engine that reads the store or lake for the "
            "commands that only read (measures, alarms, series); with spark, ingest runs on "
            "the cluster into the --lake, by the same rules (DuckDB on each executor).",
        ),
    ] = "duckdb",
    master: Annotated[
        str | None,
        typer.Option(
            "--master",
            help="Spark master for --engine spark: spark://HOST:7077 (a standalone cluster "
            "whose workers can read the lake's path) or local[N] (default local[2]).",
        ),
    ] = None,
) -> None:
    """Watch, measure, explain and simulate crises between allied states from event data."""
    if engine not in ("duckdb", "spark"):
        raise ConfigError(f"--engine must be duckdb or spark, got {engine!r}", field="--engine")
    if master is not None and engine != "spark":
        raise ConfigError("--master needs --engine spark", field="--master")
    _lake_option[0] = lake
    _engine_option[0] = engine
    _master_option[0] = master


out = Console()
if not out.is_terminal and "COLUMNS" not in os.environ:
    # Piped or logged output (make demo, CI) is read later: 80 columns squeeze the evidence.
    out = Console(width=140)
err = Console(stderr=True)
if not err.is_terminal and "COLUMNS" not in os.environ:
    err = Console(stderr=True, width=140)

#: Columns of ``brinkwatch events --format csv|json``.
EXPORT_COLUMNS = [
    "event_date",
    "origin",
    "event_id",
    "source_code",
    "source_country",
    "source_type",
    "target_code",
    "target_country",
    "target_type",
    "cameo_code",
    "cameo_root",
    "quad_class",
    "goldstein",
    "num_mentions",
    "avg_tone",
    "description",
    "citation",
    "sentence",
    "source_url",
    "story_id",
    "batch_id",
]

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="Store file (default: $BRINKWATCH_DB or the platform data dir)."),
]


def _open(db: Path | None, *, read_only: bool = False) -> Store:
    from brinkwatch.store import connect

    s = load_settings(db, _lake_option[0])
    # Spark reads; every write goes through the DuckDB writer and its rules.
    spark: dict[str, Any] = (
        {"backend": "spark", "master": _master_option[0]}
        if read_only and _engine_option[0] == "spark"
        else {}
    )
    if s.lake is not None:
        if db is not None:
            raise ConfigError(
                f"both --db {db} and a lake ({s.lake}) were given; pass one of them",
                field="--db",
            )
        return connect(
            lake=s.lake,
            read_only=read_only,
            threads=s.threads,
            memory_limit=s.memory_limit,
            **spark,
        )
    if read_only and not s.db_path.exists():
        raise ConfigError(
            f"no store at {s.db_path}; ingest something first (brinkwatch ingest FILE --db "
            f"{s.db_path}) or pass --db",
            field="--db",
        )
    return connect(
        s.db_path,
        read_only=read_only,
        threads=s.threads,
        memory_limit=s.memory_limit,
        notice=_waiting,
        **spark,
    )


def _waiting(holder: Holder, wait: float) -> None:
    err.print(
        f"waiting up to {wait:.0f} s for the store: {escape(holder.describe())}", soft_wrap=True
    )


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ConfigError(f"expected a date as YYYY-MM-DD, got {value!r}", field=option) from None


def _report_row(t: Table, f: FileReport) -> None:
    if f.ok:
        t.add_row(
            escape(f.file),
            f.format,
            f"{f.read:,}",
            f"{f.stored:,}",
            f"{f.rejected:,}",
            f"{f.duplicates:,}",
            f"{f.seconds:.2f}",
        )
    else:
        t.add_row(escape(f.file), "[red]failed[/]", "", "", "", "", "")


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:  # gone since it was listed: ingest reports it as that file's error
        return 0


def _failed_run(exc: BrinkwatchError) -> dict[str, object]:
    """Return the JSON object of an ingest run that failed before reading any file."""
    from brinkwatch.cli import error_json  # the one error shape of every JSON output

    return {
        "read": 0,
        "stored": 0,
        "rejected": 0,
        "duplicates": 0,
        "failed": 0,
        "files": [],
        **error_json(exc),
    }


def check_choice(value: str, choices: Sequence[str], option: str) -> str:
    """Return ``value`` (lower-cased) when it is one of ``choices``; else fail naming them.

    Commands call it on every choice-like option before they open the store or fit anything,
    so a typo costs no time.

    Examples
    --------
    >>> check_choice("AIC", ("aic", "bic"), "--ic")
    'aic'
    """
    picked = value.strip().lower()
    if picked not in choices:
        raise ConfigError(
            f"{option} takes one of {', '.join(choices)}; got {value!r}", field=option
        )
    return picked


def library_noise(category: type[Warning]) -> bool:
    """Whether a warning is a library's deprecation: for the log, not for the user."""
    return issubclass(category, DeprecationWarning | PendingDeprecationWarning | FutureWarning)


def print_notes(notes: Iterable[object]) -> list[str]:
    """Print the stages' warnings on stderr as reader notes (``note: ...``); return the lines.

    The wording is the brief's (:func:`brinkwatch.report.notes.reader_notes`), keeping the
    sentences that say which option to change; JSON output keeps the warnings' kinds instead.
    """
    from brinkwatch.report.notes import reader_notes

    lines = reader_notes(notes, hints=True)
    for line in lines:
        err.print(f"[yellow]note[/]: {escape(line)}", highlight=False)
    return lines


def show_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """Print each distinct caught warning once on stderr as a reader note.

    Library deprecations (Ibis, pandas, DuckDB talking to each other) go to the log only.

    Returns
    -------
    list of str
        The warnings shown, each as ``Kind: message`` (for JSON output).
    """
    seen: list[str] = []
    for w in caught:
        if library_noise(w.category):
            _log.debug("%s:%s: %s", w.filename, w.lineno, w.message)
            continue
        text = f"{w.category.__name__}: {' '.join(str(w.message).split())}"
        if text not in seen:
            seen.append(text)
    print_notes(seen)
    return seen


def progress_bar(label: str, *columns: ProgressColumn) -> Progress:
    """Return a progress bar on stderr: ``label``, the bar, then ``columns``.

    It disappears when done, and is off when stderr is not a terminal (a log or a pipe).
    """
    return Progress(
        TextColumn(label),
        BarColumn(),
        *columns,
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _spark_lake(db: Path | None) -> str:
    """Return the lake that ``--engine spark`` ingests into (Spark writes only lakes)."""
    s = load_settings(db, _lake_option[0])
    if s.lake is None:
        raise ConfigError(
            "--engine spark ingests into a Parquet lake: pass --lake PATH (brinkwatch lake init "
            "PATH makes one) or set BRINKWATCH_LAKE; or drop --engine spark to use the --db file",
            field="--lake",
        )
    if db is not None:
        raise ConfigError(
            f"both --db {db} and a lake ({s.lake}) were given; pass one of them", field="--db"
        )
    return s.lake


def _run_ingest(
    store: Store | None,
    paths: list[Path],
    fmt: Format,
    mapping: ColumnMapping | None,
    as_json: bool,
    origin_override: bool = False,
    *,
    lake: str | None = None,
) -> int:
    """Ingest into ``store``, or (``store`` None) on Spark into ``lake``; print the report."""
    from brinkwatch.ingest import expand_paths, ingest, ingest_on_spark

    files = expand_paths(paths)
    sizes = {str(p): _size(p) for p in files}
    total = sum(sizes.values())
    done: dict[str, float] = {}
    with progress_bar(
        "[bold]ingest[/]",
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
    ) as bar:
        task = bar.add_task("", total=total or 1)

        def progress(name: str, fraction: float) -> None:
            key = name.split(".zip:")[0] + ".zip" if ".zip:" in name else name
            done[key] = fraction * sizes.get(key, 0)
            bar.update(task, completed=sum(done.values()), description=Path(key).name)

        # No bar to draw (output is not a terminal): skip DuckDB's progress tracking too.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OriginOverrideWarning)
            shown = progress if err.is_terminal else None
            if store is None:
                assert lake is not None
                report = ingest_on_spark(
                    files,
                    lake,
                    master=_master_option[0],
                    fmt=fmt,
                    mapping=mapping,
                    progress=shown,
                    origin_override=origin_override,
                )
            else:
                report = ingest(
                    store,
                    files,
                    fmt=fmt,
                    mapping=mapping,
                    progress=shown,
                    origin_override=origin_override,
                )
    for w in caught:
        err.print(f"[bold yellow]warning[/]: {escape(str(w.message))}", highlight=False)
    if as_json:
        out.print_json(to_json(report.as_dict()))
    else:
        _print_ingest_table(report)
    for f in report.failed:
        err.print(f"[bold red]failed[/]: {escape(f.error or '')}", highlight=False)
    return 1 if report.failed else 0


def _print_ingest_table(report: IngestReport) -> None:
    """Print one row per file, the totals, and where rejected rows went."""
    t = Table(title="ingest", header_style="bold")
    for c in ("file", "format", "read", "stored", "rejected", "duplicates", "seconds"):
        t.add_column(c, justify="left" if c in ("file", "format") else "right")
    for f in report.files:
        _report_row(t, f)
    t.add_row(
        "[bold]total[/]",
        "",
        f"{report.read:,}",
        f"{report.stored:,}",
        f"{report.rejected:,}",
        f"{report.duplicates:,}",
        "",
    )
    out.print(t)
    if report.rejected:
        out.print(
            "Rejected rows are in the store's [bold]rejected[/] table with file, line, "
            "reason and raw text; [bold]brinkwatch stats[/] sums them by reason."
        )


@app.command("ingest")
def ingest_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to ingest.")],
    fmt: Annotated[Format, typer.Option("--format", help="Force a format.")] = Format.AUTO,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="YAML column mapping for CSV/Parquet.")
    ] = None,
    map_items: Annotated[
        list[str] | None,
        typer.Option("--map", help="FIELD=COLUMN (or FIELD==CONSTANT); repeatable."),
    ] = None,
    origin_override: Annotated[
        bool,
        typer.Option(
            "--origin-override",
            help="Let the mapping claim a built-in origin (gdelt1, gdelt2, icews, chronology, "
            "coded): its rows then share that origin's ids and duplicates.",
        ),
    ] = False,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Ingest GDELT 1.0/2.0 (events and 2.0 mentions), ICEWS, CSV or Parquet files into the store.

    With --json it prints one JSON object whatever happens: the counts and each file's report
    (a failed file has its "error"), or, when the run cannot start (bad mapping, store
    locked, no such path), an "error" object with its kind and message; exit status 1 then.
    """
    from brinkwatch.ingest import parse_map_options, read_mapping
    from brinkwatch.ingest._mapping import check_origin

    try:
        cmap: ColumnMapping | None = read_mapping(mapping) if mapping else None
        if map_items:
            extra = parse_map_options(map_items)
            cmap = cmap.merged(extra) if cmap else extra
        # Refuse a claimed origin before opening (and perhaps creating) the store.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OriginOverrideWarning)
            check_origin(cmap, override=origin_override)
        if _engine_option[0] == "spark":
            # Spark writes the lake itself: the rules run in DuckDB on its executors.
            lake = _spark_lake(db)
            code = _run_ingest(None, paths, fmt, cmap, as_json, origin_override, lake=lake)
        else:
            with _open(db) as store:
                code = _run_ingest(store, paths, fmt, cmap, as_json, origin_override)
    except BrinkwatchError as exc:
        if not as_json:
            raise
        out.print_json(to_json(_failed_run(exc)))
        # Scripts read the JSON; a person (and a log) sees why the run failed on stderr.
        err.print(f"[bold red]{escape(str(exc))}[/]", highlight=False)
        raise typer.Exit(1) from None
    if code:
        raise typer.Exit(code)


@store_app.command("compact")
def store_compact_cmd(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Remove the rows ingests held back (rejects, duplicates, blanks) and shrink the file.

    The rejected table and the ingest log keep their record. The file is rewritten into a
    copy beside it, so this needs free disk space about the size of the compacted store.
    """
    with _open(db) as store:
        rep = store.compact()
        path = store.path
    if as_json:
        out.print_json(to_json({"db": str(path), **rep.as_dict()}))
        return
    mb = 1e6
    out.print(f"removed {rep.rows_removed:,} held-back rows from {escape(str(path))}")
    if rep.bytes_before is not None and rep.bytes_after is not None:
        out.print(
            f"file: {rep.bytes_before / mb:,.1f} MB -> {rep.bytes_after / mb:,.1f} MB "
            f"(freed {(rep.bytes_freed or 0) / mb:,.1f} MB)"
        )


class EventsFormat(StrEnum):
    """How ``brinkwatch events`` writes its rows (Parquet needs ``--output``)."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"


#: Rows the table view shows when no --limit is given: a screenful, not the whole store.
TABLE_ROWS = 50


def _row_cap(limit: int | None, fmt: EventsFormat) -> int | None:
    """Rows to read: all for an export unless --limit, a screenful for the table; 0 is all."""
    if limit is None:
        return TABLE_ROWS if fmt is EventsFormat.TABLE else None
    return limit or None


@app.command("events")
def events_cmd(
    dyad: Annotated[
        str | None, typer.Option("--dyad", help="Two country codes, e.g. JPN-KOR.")
    ] = None,
    directed: Annotated[bool, typer.Option("--directed", help="Only first -> second.")] = False,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    root: Annotated[str | None, typer.Option("--root", help="CAMEO roots, e.g. 16,17.")] = None,
    origin: Annotated[
        str | None, typer.Option("--origin", help="Origins, e.g. gdelt2,icews.")
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=0,
            help=f"Rows at most; 0 means no limit. Default: every row for csv, json and "
            f"parquet, {TABLE_ROWS} for the table.",
        ),
    ] = None,
    all_actors: Annotated[
        bool,
        typer.Option(
            "--all-actors", help="With --dyad: companies, media and other non-state actors too."
        ),
    ] = False,
    fmt: Annotated[EventsFormat, typer.Option("--format")] = EventsFormat.TABLE,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write to this file (required for parquet)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """List stored events, newest filters first: dyad, dates, CAMEO roots.

    CSV, JSON and Parquet hold every matching event unless --limit is given; the table
    shows the first 50 and says how many there are.
    """
    if fmt is EventsFormat.PARQUET and output is None:
        raise ConfigError(
            "parquet is binary: give the file to write with --output FILE", field="--output"
        )
    from brinkwatch.codebook import Dyad
    from brinkwatch.store import select_events

    pair = Dyad.parse(dyad) if dyad else None
    first, last = _parse_date(start, "--from"), _parse_date(end, "--to")
    cap = _row_cap(limit, fmt)
    with _open(db, read_only=True) as store:
        expr = select_events(
            store.events,
            dyad=pair,
            directed=directed,
            start=first,
            end=last,
            roots=root.split(",") if root else None,
            origins=origin.split(",") if origin else None,
            actors="all" if all_actors else "state",
        )
        total = int(expr.count().to_pyarrow().as_py())
        if fmt is EventsFormat.TABLE:
            # A terminal has room for one line of evidence per event, not every column.
            e = expr
            expr = e.select(
                date=e.event_date,
                origin=e.origin,
                src=e.source_code,
                tgt=e.target_code,
                code=e.cameo_code,
                quad=e.quad_class,
                gold=e.goldstein,
                evidence=e.description.coalesce(e.sentence, e.source_url, e.story_id),
            )
        else:
            expr = expr.select(EXPORT_COLUMNS)
        rows = (expr if cap is None else expr.limit(cap)).to_pyarrow()
    _write_events(rows, total, fmt, output)


def _write_events(rows: pa.Table, total: int, fmt: EventsFormat, output: Path | None) -> None:
    """Print or write the rows; a cut table or export says so (on stderr for exports)."""
    cut = rows.num_rows < total
    if fmt is EventsFormat.TABLE:
        title = f"{total:,} events" + (f" (showing {rows.num_rows:,} of {total:,})" if cut else "")
        render_arrow(rows, OutputFormat.TABLE, out, title=title)
        if cut:
            err.print(f"showing {rows.num_rows:,} of {total:,} events; --limit 0 shows them all")
        return
    if fmt is EventsFormat.PARQUET:
        import pyarrow.parquet as pq

        assert output is not None  # checked before the store was opened
        output.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(rows, output)
    elif output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("w", encoding="utf-8", newline="") as fh:
            render_arrow(rows, OutputFormat(fmt.value), Console(file=fh, width=10_000))
    else:
        render_arrow(rows, OutputFormat(fmt.value), out)
    if output is not None:
        err.print(f"wrote {rows.num_rows:,} events to {escape(str(output))}")
    if cut:
        err.print(f"--limit: {rows.num_rows:,} of {total:,} events written")


@app.command("stats")
def stats_cmd(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Totals by origin, date ranges, files and rejects by reason."""
    with _open(db, read_only=True) as store:
        st = store.stats()
    if as_json:
        out.print_json(to_json(st.as_dict()))
        return
    t = Table(title=f"{st.events:,} events", header_style="bold")
    for c in ("origin", "events", "first", "last"):
        t.add_column(c)
    for r in st.by_origin:
        t.add_row(r["origin"], f"{r['events']:,}", r["first"] or "", r["last"] or "")
    out.print(t)
    out.print(
        f"files ingested: {st.files:,}; rows read {st.read:,} = stored {st.stored:,} + "
        f"rejected {st.rejected:,} + duplicates {st.duplicates:,}"
        + (f"; GDELT 2.0 mentions stored {st.mentions:,}" if st.mentions else "")
    )
    if st.rejected_by_reason:
        rt = Table(title="rejected rows by reason", header_style="bold")
        rt.add_column("reason")
        rt.add_column("rows", justify="right")
        for x in st.rejected_by_reason:
            rt.add_row(x["reason"], f"{x['rows']:,}")
        out.print(rt)


@fetch_app.command("dictionaries")
def fetch_dictionaries_cmd(
    dest: Annotated[
        Path | None,
        typer.Option(
            "--dest", help="Directory (default: $BRINKWATCH_DICTIONARIES or the data directory)."
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Mirror URL of the six files.")
    ] = None,
) -> None:
    """Download the standard CAMEO dictionaries (PETRARCH2, MIT licence), SHA-256 checked."""
    from brinkwatch.ingest.dictionaries import (
        BASE_URL,
        default_dictionaries_dir,
        fetch_dictionaries,
    )

    target = dest if dest is not None else default_dictionaries_dir()
    paths = fetch_dictionaries(
        target,
        base_url=base_url or BASE_URL,
        progress=lambda name: err.print(f"ok {escape(name)}", highlight=False),
    )
    err.print(
        f"{len(paths)} dictionary files in {escape(str(target))}; use them with "
        f"'brinkwatch code --dictionaries {escape(str(target))}'",
        highlight=False,
    )


@fetch_app.command("gdelt")
def fetch_gdelt_cmd(
    version: Annotated[int, typer.Option("--version", help="GDELT 1 or 2.")] = 2,
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")] = "",
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = "",
    dest: Annotated[Path, typer.Option("--dest", help="Download directory.")] = Path("gdelt-data"),
    no_ingest: Annotated[bool, typer.Option("--no-ingest", help="Only download.")] = False,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Mirror URL (or $BRINKWATCH_GDELT_BASE_URL).")
    ] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Download GDELT event files for a date range (size and MD5 checked), then ingest them."""
    from brinkwatch.ingest.fetch import fetch_gdelt

    first, last = _parse_date(start or None, "--from"), _parse_date(end or None, "--to")
    if first is None or last is None:
        raise ConfigError("give both --from and --to as YYYY-MM-DD", field="--from")
    with progress_bar(
        "[bold]fetch[/] {task.description}", DownloadColumn(), TransferSpeedColumn()
    ) as bar:
        task = bar.add_task("", total=None)

        def progress(name: str, done: int, total: int) -> None:
            bar.update(task, description=name, completed=done, total=total or None)

        report = fetch_gdelt(version, first, last, dest, base_url=base_url, progress=progress)
    err.print(
        f"fetched {len(report.downloaded)} file(s), {len(report.skipped)} already present, "
        f"{len(report.failed)} failed"
    )
    code = 1 if report.failed else 0
    if no_ingest or not report.paths:
        if as_json:
            out.print_json(
                to_json(
                    {
                        "downloaded": len(report.downloaded),
                        "skipped": len(report.skipped),
                        "paths": [str(p) for p in report.paths],
                    }
                )
            )
    else:
        with _open(db) as store:
            code = max(code, _run_ingest(store, list(report.paths), Format.AUTO, None, as_json))
    if code:
        raise typer.Exit(code)
