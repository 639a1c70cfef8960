"""``brinkwatch code``: code text files into CAMEO events, or score the coder on records."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import MofNCompleteColumn, Progress
from rich.table import Table

from brinkwatch.cli._app import DbOption, _open, _parse_date, app, err, out, progress_bar
from brinkwatch.cli._render import OutputFormat, render_arrow, to_json
from brinkwatch.errors import ConfigError, LexiconError

if TYPE_CHECKING:
    from brinkwatch.coding import ActorDictionary, Dictionaries

# spaCy and the coder are imported inside the command: other commands start without them.


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"cannot read the {what}: {exc}", path=path) from exc


def _actors(path: Path | None) -> ActorDictionary:
    from brinkwatch.coding import default_actors, parse_petrarch_actors

    base = default_actors()
    if path is None:
        return base
    extra = parse_petrarch_actors(_read(path, "actor dictionary"), source=str(path))
    if not extra.entries:
        raise LexiconError(
            "no actors found; expected a PETRARCH/TABARI dictionary (PHRASE [CODE] lines)",
            path=path,
        )
    return base.extended(extra)


def _dictionaries(path: Path | None) -> Dictionaries | None:
    """Load the dictionaries of --dictionaries DIR or $BRINKWATCH_DICTIONARIES, if given."""
    import os

    from brinkwatch.ingest.dictionaries import DICTIONARIES_ENV, load_dictionaries

    if path is None and not os.environ.get(DICTIONARIES_ENV):
        return None
    return load_dictionaries(path.expanduser() if path is not None else None)


def _bar() -> Progress:
    return progress_bar("[bold]{task.description}[/]", MofNCompleteColumn())


@app.command("code")
def code_cmd(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Text files or directories (.txt, .md).")
    ] = None,
    day: Annotated[
        str | None,
        typer.Option("--date", help="The texts' date, YYYY-MM-DD (a 'date:' first line wins)."),
    ] = None,
    actors: Annotated[
        Path | None, typer.Option("--actors", help="Extra actors: a PETRARCH/TABARI dictionary.")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    do_ingest: Annotated[
        bool, typer.Option("--ingest", help="Store the events (origin 'coded').")
    ] = False,
    db: DbOption = None,
    records: Annotated[
        Path | None,
        typer.Option("--evaluate", help="Score the coder on PETRARCH validation records."),
    ] = None,
    dictionaries: Annotated[
        Path | None,
        typer.Option(
            "--dictionaries",
            help="Also use the standard CAMEO dictionaries in DIR (or $BRINKWATCH_DICTIONARIES);"
            " get them with 'brinkwatch fetch dictionaries'.",
        ),
    ] = None,
) -> None:
    """Code English text into CAMEO events with their evidence, or score the coder."""
    from brinkwatch.coding import CodedEvent, Coder

    coder = Coder(actors=_actors(actors), dictionaries=_dictionaries(dictionaries))
    err.print(f"lexicon: {escape(coder.lexicon_name)}", highlight=False)
    if records is not None:
        if paths:
            raise ConfigError("give text files or --evaluate RECORDS.xml, not both")
        _evaluate(coder, records, fmt)
        return
    if not paths:
        raise ConfigError(
            "give text files or directories to code, or --evaluate RECORDS.xml", field="PATHS"
        )
    from brinkwatch.coding import events_to_table
    from brinkwatch.ingest import read_texts

    default_day = _parse_date(day, "--date")
    docs = read_texts(paths)
    undated = [d.name for d in docs if d.day is None and default_day is None]
    if do_ingest and undated:
        raise ConfigError(
            f"{len(undated)} text(s) have no date (first: {undated[0]}); stored events need "
            "one: pass --date YYYY-MM-DD or start the file with a 'date: YYYY-MM-DD' line",
            field="--date",
        )
    events: list[CodedEvent] = []
    with _bar() as bar:
        task = bar.add_task("code", total=len(docs))
        batch = [(d.text, d.day or default_day, d.name) for d in docs]
        for evs in coder.code_many(batch):
            events.extend(evs)
            bar.advance(task)
    table = events_to_table(events)
    if fmt is OutputFormat.TABLE:
        _print_events(table)
    else:
        render_arrow(table, fmt, out)
    if do_ingest:
        from brinkwatch.ingest import ingest_coded

        with _open(db) as store:
            rep = ingest_coded(store, table, source_name=", ".join(d.name for d in docs)[:500])
        err.print(
            f"ingest: {rep.read} coded events, {rep.stored} stored, {rep.duplicates} already "
            f"stored, {rep.rejected} rejected (batch {rep.batch_id})"
        )
        if not rep.ok:
            err.print(f"[bold red]failed[/]: {escape(rep.error or '')}", highlight=False)
            raise typer.Exit(1)


def _print_events(table: object) -> None:
    import pyarrow as pa

    assert isinstance(table, pa.Table)
    t = Table(title=f"coded events ({table.num_rows})", header_style="bold")
    for c in ("date", "source", "target", "code", "flags", "conf", "rule"):
        t.add_column(c, no_wrap=True, overflow="ellipsis")
    t.add_column("evidence", overflow="fold", min_width=30)
    for r in table.to_pylist():
        # The words that triggered the event, in bold inside their sentence.
        s, a, b = r["sentence_text"], r["span_start"] - r["sentence_start"], 0
        b = a + r["span_end"] - r["span_start"]
        evidence = escape(s[:a]) + "[bold]" + escape(s[a:b]) + "[/]" + escape(s[b:])
        when = str(r["event_date"] or "")
        if r["date_phrase"]:
            # Which words of the text set the date.
            when += f' ("{escape(r["date_phrase"])}")'
        t.add_row(
            when,
            r["source_code"],
            r["target_code"],
            r["cameo_code"],
            r["flags"],
            f"{r['confidence']:.2f}",
            r["rule"],
            " ".join(evidence.split()),
        )
    out.print(t)


def _evaluate(coder: object, path: Path, fmt: OutputFormat) -> None:
    import pyarrow as pa

    from brinkwatch.coding import Coder, evaluate, parse_validation_records

    assert isinstance(coder, Coder)
    recs = parse_validation_records(_read(path, "validation records"), source=str(path))
    with _bar() as bar:
        task = bar.add_task("evaluate", total=len(recs))
        report = evaluate(coder, recs, progress=lambda n: bar.update(task, completed=n))
    rows = report.rows(extra=True)
    if fmt is OutputFormat.JSON:
        out.print_json(
            to_json(
                {
                    "records": report.records,
                    "skipped": report.skipped,
                    "gold": report.gold,
                    "predicted": report.predicted,
                    "scores": rows,
                }
            )
        )
        return
    if fmt is OutputFormat.CSV:
        render_arrow(pa.Table.from_pylist(rows), fmt, out)
        return
    out.print(
        f"{escape(path.name)}: {report.records} records ({report.skipped} skipped), "
        f"{report.gold} gold events, {report.predicted} coded",
        highlight=False,
    )
    t = Table(header_style="bold")
    for c in ("measure", "precision", "recall", "F1", "matched"):
        t.add_column(c, justify="left" if c == "measure" else "right")
    for r in rows:
        t.add_row(
            str(r["measure"]),
            f"{r['precision']:.1%}",
            f"{r['recall']:.1%}",
            f"{r['f1']:.1%}",
            str(r["matched"]),
        )
    out.print(t)
