"""The brief in headless Chromium, offline: every section shows, figures draw, nothing fetched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from brinkwatch.ingest.instruments import read_register
from brinkwatch.measure.instruments import in_force
from brinkwatch.report.brief import BriefData
from tests.report.conftest import BRIEF_ARGS, REGISTER
from tests.report.test_brief import SECTIONS

FIGURES = ("summary-plot", "index-plot", "triad-plot", "instruments-plot", "scenario-plot")

HEADINGS = [
    "Bottom line",
    "The evidence in figures",
    "Where the relation stands",
    "Alarms and their evidence",
    f"Instruments in force on {BRIEF_ARGS['end']}",
    "Reciprocity in the triad",
    "Scenario comparison",
    "Appendix: methods, data and sources",
]


def _open_offline(browser: Any, path: Path) -> tuple[Any, Any, list[str], list[str]]:
    """Open a file with every request that is not file: or data: recorded and aborted."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    page = context.new_page()
    blocked: list[str] = []
    errors: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri(), wait_until="load")
    return context, page, blocked, errors


def _check_instruments(page: Any) -> None:
    """The in-force table on screen is the register's state on the brief's date."""
    want = in_force(read_register(REGISTER), BRIEF_ARGS["end"])
    rows = page.eval_on_selector_all(
        "#instruments-table tr[data-instrument]",
        "rs => rs.map(r => [r.dataset.instrument, r.cells[1].innerText, r.cells[3].innerText])",
    )
    # States read as words ("notice suspended"), the id stays in the row's data attribute.
    assert rows == [[x.instrument, x.state.replace("_", " "), f"{x.weight:.1f}"] for x in want]
    assert page.is_visible("#instruments-table")


def test_the_interactive_brief_renders_offline(
    chromium: Any, brief_file: Path, brief_data: BriefData, artifacts: Path
) -> None:
    context, page, blocked, errors = _open_offline(chromium, brief_file)
    try:
        # Plotly draws its SVG layers into each figure's div once the inline script ran.
        for div in FIGURES:
            page.wait_for_selector(f"#{div} svg.main-svg", timeout=15_000)
        assert page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)") == HEADINGS
        ids = page.eval_on_selector_all("section", "ss => ss.map(s => s.id)")
        assert ids == SECTIONS
        for sid in SECTIONS:
            assert page.is_visible(f"#{sid}")
        # The index figure has one line per direction, with the alarm markers on top.
        traces = page.evaluate("() => document.getElementById('index-plot').data.map(t => t.name)")
        assert traces[:2] == ["Japan towards South Korea", "South Korea towards Japan"]
        assert any(t.startswith("alarm: ") for t in traces)
        n_points = page.evaluate(
            "() => document.querySelectorAll('#index-plot .scatterlayer .trace').length"
        )
        assert n_points == len(traces)
        # The headline number on screen is the library's latest index of JPN->KOR.
        head = brief_data.measure.headlines[0]
        shown = page.text_content(f'[data-dyad="{head.dyad}"][data-field="latest-index"]')
        assert shown == f"{head.latest['index']:+.2f}"
        # The comparison table shows every variant of the run.
        assert brief_data.scenario is not None
        variants = {r["variant"] for r in brief_data.scenario.comparison.to_pylist()}
        cols = page.eval_on_selector_all(
            "#comparison-table tr:first-child th[data-variant]",
            "ths => ths.map(t => t.dataset.variant)",
        )
        assert set(cols) == variants
        alarm_rows = page.eval_on_selector_all("#alarm-table tr", "rs => rs.length")
        assert alarm_rows == len(brief_data.measure.alarms) + 1
        _check_instruments(page)
        # The one-day coded note is not added to the chronology's series; the brief says so.
        assert page.is_visible('#coverage-table tr[data-origin="coded"]')
        page.screenshot(path=str(artifacts / "brief-plotly.png"), full_page=True)
    finally:
        context.close()
    assert blocked == [], f"the brief asked the network for {blocked}"
    assert errors == []


def test_the_static_brief_shows_its_images_offline(
    chromium: Any, static_file: Path, artifacts: Path
) -> None:
    context, page, blocked, errors = _open_offline(chromium, static_file)
    try:
        sizes = page.eval_on_selector_all(
            "img", "is => is.map(i => [i.id, i.complete, i.naturalWidth, i.naturalHeight])"
        )
        assert [s[0] for s in sizes] == [
            "summary-plot",
            "index-plot",
            "triad-plot",
            "instruments-plot",
            "scenario-plot",
        ]
        for _, complete, width, height in sizes:
            assert complete and width > 500 and height > 200
        assert page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)") == HEADINGS
        assert page.evaluate("() => typeof window.Plotly") == "undefined"
        _check_instruments(page)
        page.screenshot(path=str(artifacts / "brief-static.png"), full_page=True)
    finally:
        context.close()
    assert blocked == [] and errors == []


def test_a_request_from_the_page_would_be_caught(chromium: Any, tmp_path: Path) -> None:
    """The guard itself works: a page that asks the network is reported, not passed."""
    page_file = tmp_path / "leaky.html"
    page_file.write_text('<html><body><img src="http://example.invalid/x.png"></body></html>')
    context, _, blocked, _ = _open_offline(chromium, page_file)
    context.close()
    assert blocked == ["http://example.invalid/x.png"]
