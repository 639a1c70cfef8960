"""The dashboard's figures in headless Chromium (issue 17, point 2).

Every figure has axis titles, a bar's hover lists the events behind it (the library's
:func:`~brinkwatch.measure.top_events` on the same store), a click on it filters the events
table to that direction and period, the impulse-response band is a filled line, a form shows a
loading indicator, no request fails (the favicon included), and every page's screenshot at
1400x900 holds non-blank figures (``test-artifacts/web/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from brinkwatch.measure import top_events
from brinkwatch.store import connect, select_events
from tests.web.conftest import ARTIFACTS
from tests.web.test_browser import Tab

#: Pages with figures drawn at load, and the figures each must show.
PAGES = {
    "overview": ("/", ["fig-triad"]),
    "dyad": (
        "/dyad?dyad=JPN-KOR&freq=month&from=2019-01-01&to=2020-12-31",
        ["fig-index", "fig-quads"],
    ),
    "explain": ("/explain?repl=20&freq=week", ["fig-irf"]),
    "instruments": ("/instruments", ["fig-timeline"]),
}

_AXES_JS = """id => {
  const L = document.getElementById(id)._fullLayout;
  return Object.keys(L).filter(k => /^[xy]axis\\d*$/.test(k)).map(k => ({
    axis: k, title: (L[k].title && L[k].title.text) || ""}));
}"""


class LoggedTab(Tab):
    """A :class:`Tab` at 1400x900 that also logs every failed response."""

    def __init__(self, page: Any, base: str) -> None:
        super().__init__(page, base)
        self.failed: list[str] = []
        self.ok: list[str] = []
        page.set_viewport_size({"width": 1400, "height": 900})
        page.on(
            "response",
            lambda r: (self.failed if r.status >= 400 else self.ok).append(f"{r.status} {r.url}"),
        )

    def figure_ids(self) -> list[str]:
        ids: list[str] = self.page.eval_on_selector_all(".figure", "fs => fs.map(f => f.id)")
        return ids

    def axes(self, fig: str) -> list[dict[str, str]]:
        self.page.locator(f"#{fig} .main-svg").first.wait_for()
        found: list[dict[str, str]] = self.page.evaluate(_AXES_JS, fig)
        return found


@pytest.fixture
def ltab(browser_context: Any, live_server: str) -> Iterator[LoggedTab]:
    page = browser_context.new_page()
    try:
        yield LoggedTab(page, live_server)
    finally:
        page.close()


def _non_blank(path: Path) -> float:
    """Share of pixels that are not (near) white: a drawn figure has lines, bars and text."""
    from PIL import Image

    img = Image.open(path).convert("L")
    hist = img.histogram()
    return 1 - sum(hist[245:]) / max(1, sum(hist))


def _run_scenario(tab: LoggedTab) -> None:
    tab.open("/scenario")
    tab.page.fill("#paths", "200")
    tab.page.click("#run")
    tab.page.locator("#result").wait_for(state="visible", timeout=180_000)


def test_every_figure_has_axis_titles_and_is_drawn(ltab: LoggedTab) -> None:
    for name, (path, figs) in PAGES.items():
        assert ltab.open(path).status == 200, path
        assert set(figs) <= set(ltab.figure_ids()), name
        for fig in ltab.figure_ids():
            axes = ltab.axes(fig)
            xs = [a["title"] for a in axes if a["axis"].startswith("x") and a["title"]]
            ys = [a["title"] for a in axes if a["axis"].startswith("y") and a["title"]]
            assert xs and ys, f"{name}/{fig} has untitled axes: {axes}"
            shot = ARTIFACTS / f"figure-{name}-{fig}.png"
            ltab.page.locator(f"#{fig}").screenshot(path=str(shot))
            assert _non_blank(shot) > 0.02, f"{shot} is blank"
        ltab.check(f"page-{name}")
    # The triad's left panels name the measure and its unit; the strip names its lanes.
    titles = [a["title"] for a in ltab.axes("fig-triad")] if ltab.open("/") else []
    assert sum("Goldstein points per month" in t for t in titles) == 3
    assert "origin" in titles
    _run_scenario(ltab)
    axes = ltab.axes("fig-scenario")
    assert {"probability", "difference in probability"} <= {a["title"] for a in axes}
    # Legends read as words: no internal id with underscores.
    names = ltab.page.evaluate(
        "() => document.getElementById('fig-scenario').data.map(t => t.name || '')"
    )
    assert names and not [n for n in names if "_" in n], names
    shot = ARTIFACTS / "figure-scenario-fig-scenario.png"
    ltab.page.locator("#fig-scenario").screenshot(path=str(shot))
    assert _non_blank(shot) > 0.02
    ltab.check("page-scenario")
    assert not ltab.failed, ltab.failed


def _bar_centre(tab: LoggedTab, fig: str, dyad: str, period: str) -> tuple[float, float]:
    box: dict[str, float] = tab.page.evaluate(
        """([id, dyad, period]) => {
          const gd = document.getElementById(id);
          const i = gd.data.findIndex(t => t.type === 'bar' && t.name === dyad);
          const j = gd.data[i].customdata.findIndex(c => c[1] === period);
          const trace = Array.from(gd.querySelectorAll('.barlayer .trace'))
            .find(g => g.__data__ && g.__data__[0].trace.index === i);
          const bar = Array.from(trace.querySelectorAll('.point'))
            .find(p => p.__data__ && p.__data__.i === j);
          const r = bar.getBoundingClientRect();
          return {x: r.x + r.width / 2, y: r.y + r.height / 2};
        }""",
        [fig, dyad, period],
    )
    return box["x"], box["y"]


def test_a_bar_shows_its_events_on_hover_and_filters_the_table_on_click(
    ltab: LoggedTab, web_db: Path
) -> None:
    ltab.open("/")
    ltab.page.locator("#fig-triad .main-svg").first.wait_for()
    start = date.fromisoformat(
        ltab.page.evaluate("() => document.getElementById('fig-triad').data[0].customdata[0][1]")
    )
    with connect(web_db, read_only=True) as s:
        top = top_events(s.events, "JPN", "KOR", freq="month", start=start, n=3)
    aug = top[date(2019, 8, 1)]
    assert aug
    x, y = _bar_centre(ltab, "fig-triad", "JPN->KOR", "2019-08-01")
    ltab.page.mouse.move(x, y)
    hover = ltab.page.locator("#fig-triad .hoverlayer .hovertext").first
    hover.wait_for(timeout=10_000)
    text = hover.text_content() or ""
    assert "JPN->KOR" in text and "2019-08-01" in text
    for e in aug:
        assert (e.text or e.reference or e.event_id)[:40] in text
    with ltab.page.expect_navigation():
        ltab.page.mouse.click(x, y)
    q = parse_qs(urlsplit(ltab.page.url).query)
    assert q["events_dyad"] == ["JPN->KOR"]
    assert (q["events_from"], q["events_to"]) == (["2019-08-01"], ["2019-08-31"])
    assert q["dyad"] == ["JPN-KOR"] and q["freq"] == ["month"]
    with connect(web_db, read_only=True) as s:
        want = select_events(
            s.events,
            dyad=("JPN", "KOR"),
            directed=True,
            start=date(2019, 8, 1),
            end=date(2019, 8, 31),
        )
        n = int(want.count().execute())
    assert n > 0
    assert ltab.page.get_attribute("#events-count", "data-total") == str(n)
    rows = ltab.rows("#events")
    assert len(rows) == n
    assert all("2019-08-01" <= r[0] <= "2019-08-31" for r in rows)
    assert all(r[2].startswith("JPN") and r[3].startswith("KOR") for r in rows)
    assert ltab.page.is_visible("#events-filter")
    ltab.check("dyad-clicked")
    assert not ltab.failed, ltab.failed


def test_irf_band_is_a_filled_line(ltab: LoggedTab) -> None:
    ltab.open("/explain?repl=20&freq=week")
    ltab.page.locator("#fig-irf .main-svg").first.wait_for()
    bands = ltab.page.evaluate(
        "() => document.getElementById('fig-irf')._fullData"
        ".filter(t => t.fill === 'toself').map(t => t.mode)"
    )
    assert bands and set(bands) == {"lines"}
    sizes = ltab.page.evaluate(
        "() => document.getElementById('fig-irf')._fullLayout.annotations.map(a => a.font.size)"
    )
    assert sizes and min(sizes) >= 12


def test_a_form_shows_a_loading_indicator_and_the_favicon_loads(ltab: LoggedTab) -> None:
    ltab.open("/")
    assert ltab.page.is_hidden("#busy")
    # Keep the page from leaving, to look at it while the request would be under way.
    ltab.page.evaluate(
        "() => { const f = document.getElementById('triad-form');"
        " f.addEventListener('submit', e => e.preventDefault()); f.requestSubmit(); }"
    )
    assert ltab.page.is_visible("#busy")
    assert ltab.page.get_attribute("main", "aria-busy") == "true"
    # Headless Chromium fetches no icons by itself: fetch the page's own icon link.
    status = ltab.page.evaluate(
        "async () => (await fetch(document.querySelector('link[rel=icon]').href)).status"
    )
    assert status == 200
    assert not ltab.failed, ltab.failed


def test_page_errors_name_settings_not_flags(ltab: LoggedTab) -> None:
    ltab.open("/dyad?dyad=JPN-KOR&freq=day&from=2000-01-01&to=2020-12-31")
    text = ltab.page.inner_text("#error")
    assert "--" not in text and "Error" not in text.split(":")[0]


def test_a_quad_class_bar_lists_its_class_events(ltab: LoggedTab, web_db: Path) -> None:
    from brinkwatch.measure import top_events_by_quad

    ltab.open("/dyad?dyad=JPN-KOR&freq=month&from=2019-01-01&to=2020-12-31")
    ltab.page.locator("#fig-quads .main-svg").first.wait_for()
    # The material-conflict bar of KOR->JPN in July 2019 (Seoul's retaliation).
    with connect(web_db, read_only=True) as s:
        top = top_events_by_quad(
            s.events, "KOR", "JPN", freq="month", start=date(2019, 1, 1), end=date(2020, 12, 31)
        )
    key = max(
        (k for k in top if k[1] in (3, 4)),
        key=lambda k: len(top[k]),
    )
    custom = ltab.page.evaluate(
        """([period, quad]) => {
          const gd = document.getElementById('fig-quads');
          for (const t of gd.data) for (const c of t.customdata)
            if (c[0] === 'KOR->JPN' && c[1] === period && c[4] === quad) return c;
          return null;
        }""",
        [key[0].isoformat(), key[1]],
    )
    assert custom is not None
    for e in top[key]:
        assert (e.text or e.reference or e.event_id)[:40] in custom[3]


@pytest.mark.parametrize("kind", ["change point", "alarm"])
def test_change_point_and_alarm_markers_click_through_to_their_events(
    ltab: LoggedTab, kind: str
) -> None:
    ltab.open("/dyad?dyad=JPN-KOR&freq=month&from=2019-01-01&to=2020-12-31")
    hint = ltab.page.inner_text("#events-hint")
    assert "quad-class bar" in hint and "change-point" in hint and "alarm" in hint
    ltab.page.locator("#fig-index .main-svg").first.wait_for()
    # Only the markers of the kind stay drawn (a marker sits on a series point, which would
    # take the click too); the first one's screen position comes from Plotly's own axes.
    found = ltab.page.evaluate(
        """async (kind) => {
          const gd = document.getElementById('fig-index');
          const i = gd.data.findIndex(t => (t.name || '').startsWith(kind));
          if (i < 0) return null;
          const others = gd.data.map((_, k) => k).filter(k => k !== i);
          await Plotly.restyle(gd, {visible: false}, others);
          const L = gd._fullLayout, t = gd._fullData[i];
          const xa = L[t.xaxis.replace('x', 'xaxis')], ya = L[t.yaxis.replace('y', 'yaxis')];
          const box = gd.querySelector('.main-svg').getBoundingClientRect();
          const x = box.x + xa._offset + xa.d2p(t.x[0]);
          const y = box.y + ya._offset + ya.d2p(t.y[0]);
          return {x: x, y: y, custom: t.customdata[0]};
        }""",
        kind,
    )
    assert found is not None, f"no {kind} marker on the dyad page"
    dyad, first, last = found["custom"][:3]
    assert "->" in dyad and first <= last
    with ltab.page.expect_navigation():
        ltab.page.mouse.click(found["x"], found["y"])
    q = parse_qs(urlsplit(ltab.page.url).query)
    assert q["events_dyad"] == [dyad]
    assert (q["events_from"], q["events_to"]) == ([first], [last])
    assert ltab.page.is_visible("#events-filter")
    rows = ltab.rows("#events")
    assert all(first <= r[0] <= last for r in rows)
    assert not ltab.failed, ltab.failed
