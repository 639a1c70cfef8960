"""The brief as a reader meets it (headless Chromium at 1400x900): bottom line first, words not ids.

The first screen holds the bottom-line sentences and a figure; no id of the data (machine states,
outcomes, levers, measures, instruments) or file path shows outside the appendix; tables stay in
the text column; the figures in the screenshots are drawn; the brief prints to A4 and Letter.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from brinkwatch.ingest.instruments import read_register
from brinkwatch.measure import measure_dyad
from brinkwatch.measure.instruments import in_force
from brinkwatch.report._bottom_line import bottom_line, latest_complete_period
from brinkwatch.report.brief import BriefData, render_brief
from brinkwatch.report.labels import MEASURE_LABELS, Labels
from brinkwatch.store import connect
from tests.report.conftest import BRIEF_ARGS, REGISTER

FIGURES = ["summary-plot", "index-plot", "triad-plot", "instruments-plot", "scenario-plot"]
WIDTH, HEIGHT = 1400, 900
#: File paths and command-line options: neither belongs in a reader's text.
PATH = re.compile(r"[\w.-]+/[\w./-]+\.(?:py|ya?ml|csv|txt|md|duckdb)\b|src/brinkwatch")
FLAG = re.compile(r"(?<![\w-])--[a-z]")


@pytest.fixture(scope="module")
def page(chromium: Any, brief_file: Path) -> Any:
    context = chromium.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    p = context.new_page()
    p.goto(brief_file.as_uri(), wait_until="load")
    for div in FIGURES:
        p.wait_for_selector(f"#{div} svg.main-svg", timeout=15_000)
    yield p
    context.close()


def _ids(data: BriefData) -> set[str]:
    """Every id the data carries that a reader must not meet in the text.

    Ids in snake_case always count. A one-word id counts when it is an upper-case code
    (``RHF``) that no title uses as a word: ``GSOMIA`` in "GSOMIA terminated" is a word, and so
    are lower-case ids such as the state ``active`` or the variant ``proposed``.
    """
    assert data.scenario is not None
    sc = data.scenario.scenario
    ids = {st for m in sc.machines for st in m.states}
    ids |= {m.name for m in sc.machines}
    ids |= {o.name for o in sc.outcomes} | {lv.name for lv in sc.levers}
    ids |= set(data.scenario.variants) | set(MEASURE_LABELS) | {data.measure.measure}
    ids |= {x.instrument for x in in_force(read_register(REGISTER), BRIEF_ARGS["end"])}
    ids |= {x.state for x in in_force(read_register(REGISTER), BRIEF_ARGS["end"])}
    words = " ".join(
        [o.title for o in sc.outcomes]
        + [f"{lv.title} {lv.description}" for lv in sc.levers]
        + [x.name for x in in_force(read_register(REGISTER), BRIEF_ARGS["end"])]
        + [sc.title]
    )
    return {
        i
        for i in ids
        if "_" in i or (i.isupper() and not re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", words))
    }


def _visible_text(page: Any, *, appendix: bool = False) -> str:
    """The page's rendered text (figures' SVG text included), without the appendix."""
    return str(
        page.evaluate(
            """(keep) => {
                const a = document.getElementById('appendix');
                if (!keep) a.style.display = 'none';
                const svg = Array.from(document.querySelectorAll('svg text'))
                    .map(t => t.textContent).join('\\n');
                const text = document.body.innerText + '\\n' + svg;
                a.style.display = '';
                return text;
            }""",
            appendix,
        )
    )


def test_the_first_screen_holds_the_bottom_line_and_a_figure(
    page: Any, brief_data: BriefData, artifacts: Path
) -> None:
    page.evaluate("() => window.scrollTo(0, 0)")
    boxes = page.eval_on_selector_all(
        "#bottom-line-sentences li",
        "ls => ls.map(l => { const r = l.getBoundingClientRect(); return [r.top, r.bottom]; })",
    )
    assert 3 <= len(boxes) <= 4
    assert all(top >= 0 and bottom <= HEIGHT for top, bottom in boxes)
    fig = page.eval_on_selector(
        "#summary-plot svg.main-svg",
        "s => { const r = s.getBoundingClientRect(); return [r.top, r.bottom, r.width]; }",
    )
    top, bottom, width = fig
    assert boxes[-1][1] <= top and bottom <= HEIGHT and width > 800
    sentences = page.eval_on_selector_all(
        "#bottom-line-sentences li", "ls => ls.map(l => l.innerText)"
    )
    # Where it stands, in the latest full period the sources cover, and its record.
    assert "the latest full month the sources cover" in sentences[0]
    assert "record low" in sentences[0] and "July 2019" in sentences[0]
    # What changed and when, with the alarms that matter, in the second sentence.
    assert sentences[1].startswith("The biggest shift came in")
    assert f", and {len(brief_data.measure.alarms)} alarm(s) of " in sentences[1]
    assert "critical" in sentences[1]
    # The lever sentence carries the adjusted comparison's own numbers and interval.
    assert brief_data.scenario is not None
    r = brief_data.scenario.ranking
    assert r is not None and r.top is not None and r.runner_up is not None
    lever = next(s for s in sentences if "levers compared" in s)
    assert f"{100 * r.top.effect:+.1f} and {100 * r.runner_up.effect:+.1f} points" in lever
    assert f"adjusted 95% interval {100 * r.gap_low:+.1f} to {100 * r.gap_high:+.1f}" in lever
    assert r.top.lever not in lever  # its title, not its id
    page.screenshot(path=str(artifacts / "brief-first-screen.png"))


def test_no_raw_id_or_path_in_the_visible_text(page: Any, brief_data: BriefData) -> None:
    ids = _ids(brief_data)
    assert {"gsomia_terminated", "notice_suspended", "goldstein_sum"} <= ids
    text = _visible_text(page)
    shown = sorted(i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text))
    assert shown == []
    assert PATH.findall(text) == [] and FLAG.findall(text) == []
    assert "Warning:" not in text and "min_active" not in text
    # Directions read as words, including both pairs with the United States.
    for pair in ("United States-Japan", "United States-South Korea"):
        assert f"{pair} events are too sparse in this window to estimate influence" in text
    assert "JPN->KOR" not in text
    # The appendix keeps the ids, each beside its label.
    appendix = page.inner_text("#appendix")
    for ident in ("gsomia_terminated", "goldstein_sum", "JPN->KOR", "notice_suspended"):
        assert ident in appendix


@pytest.mark.parametrize("width", [1400, 900])
def test_tables_stay_in_the_text_column(chromium: Any, brief_file: Path, width: int) -> None:
    context = chromium.new_context(viewport={"width": width, "height": HEIGHT})
    try:
        p = context.new_page()
        p.goto(brief_file.as_uri(), wait_until="load")
        assert p.evaluate("() => document.documentElement.scrollWidth") <= width
        over = p.evaluate(
            """() => Array.from(document.querySelectorAll('table')).filter(t => {
                const box = (t.closest('.scroll') || t).getBoundingClientRect();
                const col = t.closest('section').getBoundingClientRect();
                return box.left < col.left - 1 || box.right > col.right + 1;
            }).map(t => t.id)"""
        )
        assert over == []
    finally:
        context.close()


def test_the_figures_in_the_screenshots_are_not_blank(page: Any, artifacts: Path) -> None:
    shot = artifacts / "brief-reader-full.png"
    page.screenshot(path=str(shot), full_page=True)
    image = np.asarray(Image.open(shot).convert("L"), dtype=float)
    for div in FIGURES:
        x, y, w, h = page.eval_on_selector(
            f"#{div}",
            "e => { const r = e.getBoundingClientRect(); "
            "return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }",
        )
        assert w > 400 and h > 200, div
        crop = image[int(y) : int(y + h), int(x) : int(x + w)]
        # A drawn figure has lines and text on white: plenty of spread, many grey levels.
        assert crop.std() > 15, div
        assert len(np.unique(crop.round())) > 40, div
    # A blank box would fail the same check.
    assert image[:20, :20].std() < 1


@pytest.mark.parametrize(("paper", "points"), [("A4", (595, 842)), ("Letter", (612, 792))])
def test_the_brief_prints_to_pdf(
    page: Any, artifacts: Path, paper: str, points: tuple[int, int]
) -> None:
    # Printed, the interactive figures fit the paper's text column (A4: 186 mm, about 703 px).
    page.emulate_media(media="print")
    try:
        widths = page.eval_on_selector_all(
            "figure .js-plotly-plot",
            "fs => fs.map(f => f.querySelector('svg.main-svg').getBoundingClientRect().width)",
        )
    finally:
        page.emulate_media(media="screen")
    assert len(widths) == len(FIGURES) and max(widths) <= 703
    pdf = page.pdf(format=paper, print_background=True)
    assert pdf.startswith(b"%PDF")
    (artifacts / f"brief-{paper.lower()}.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page\b", pdf)
    assert len(pages) >= 4
    found = re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf)
    boxes = [[float(v) for v in m.split()[2:4]] for m in found]
    assert boxes and all(abs(w - points[0]) < 2 and abs(h - points[1]) < 2 for w, h in boxes)


def test_the_bottom_line_leads_with_the_latest_full_covered_period(brief_db: Path) -> None:
    """Asked up to December 2020, past the chronology's last day (24 September 2020)."""
    s = connect(brief_db, read_only=True)
    try:
        m = measure_dyad(
            s.events, "JPN-KOR", freq="month", start=date(2018, 1, 1), end=date(2020, 12, 31)
        )
    finally:
        s.close()
    assert m.rows[-1]["period"] == date(2020, 12, 1) and m.rows[-1]["events"] == 0
    last_day = max(c.last for c in m.coverage if c.used)
    assert last_day == date(2020, 9, 24)
    # September 2020 is partial, so August is the latest full month.
    assert latest_complete_period(m) == date(2020, 8, 1)
    first = bottom_line(m, Labels()).sentences[0]
    assert not first.startswith("In December 2020")
    assert "August 2020, the latest full month the sources cover" in first


def test_the_static_brief_shows_no_raw_id_in_its_text_or_its_figures(
    brief_data: BriefData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Image text cannot be read back: every text the PNG figures draw is caught as drawn."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    drawn: list[str] = []
    save = Figure.savefig

    def spy(self: Figure, *args: Any, **kwargs: Any) -> None:
        save(self, *args, **kwargs)  # drawn first, so date ticks and legends hold their text
        drawn.extend(t.get_text() for t in self.findobj(Text) if t.get_text())

    monkeypatch.setattr(Figure, "savefig", spy)
    html = render_brief(brief_data, static=True)
    assert html.count("data:image/png;base64,") == len(FIGURES)
    figure_text = "\n".join(drawn)
    # The figures do draw the scenario's outcomes, levers and states, and the register's lanes.
    assert brief_data.scenario is not None
    sc = brief_data.scenario.scenario
    assert sc.outcomes[0].title in figure_text and "no lever" in figure_text
    assert "notice suspended" in figure_text
    body = re.sub(r"(?s)<section id=\"appendix\">.*", "", html)
    body = re.sub(r"(?s)<(style|script)[^>]*>.*?</\1>|<[^>]+>", " ", body)
    text = body + "\n" + figure_text
    ids = _ids(brief_data)
    shown = sorted(i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text))
    assert shown == []
    assert PATH.findall(text) == [] and FLAG.findall(text) == [] and "Warning:" not in text
