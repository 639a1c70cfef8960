"""End to end in headless Chromium: every page, against the library's own numbers, offline.

Each test opens a page of a live server on 127.0.0.1, works it like a user, checks that the
tables and figures show what the library computes on the same store, saves a screenshot
(``test-artifacts/web/``) and checks that no request left 127.0.0.1.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from brinkwatch.explain import TriadVAR
from brinkwatch.measure import (
    DEFAULT_BASELINE,
    Actor,
    dyad_series,
    indexed_series,
    triad_pairs,
    triad_series,
)
from brinkwatch.report import labels_for
from brinkwatch.simulate import (
    fit_dynamics,
    outcome_table,
    parse_scenario,
    rank_levers,
    read_bundled_scenario,
    simulate_scenario,
)
from brinkwatch.store import connect, select_events
from tests.web.conftest import ARTIFACTS, REGISTER


class Tab:
    """A browser page with a log of every request and page error."""

    def __init__(self, page: Any, base: str) -> None:
        self.page, self.base = page, base
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.set_default_timeout(60_000)
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        # Anything not for the dashboard is refused, so a stray asset fails loudly.
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(base + "/") else route.abort()
            ),
        )

    def open(self, path: str) -> Any:
        resp = self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        return resp

    def check(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        foreign = [u for u in self.requests if not u.startswith(self.base + "/")]
        assert not foreign, f"requests left 127.0.0.1: {foreign}"
        assert not self.errors, f"JavaScript errors: {self.errors}"
        assert any(u.endswith("/static/plotly.min.js") for u in self.requests)

    def rows(self, table: str) -> list[list[str]]:
        rows: list[list[str]] = self.page.eval_on_selector_all(
            f"{table} tbody tr",
            "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))",
        )
        return rows

    def traces(self, fig: str) -> list[dict[str, Any]]:
        self.page.locator(f"#{fig} .main-svg").first.wait_for()
        data: list[dict[str, Any]] = self.page.evaluate(
            "id => document.getElementById(id).data.map(t => ({name: t.name, x: t.x, y: t.y, "
            "meta: t.meta ?? null}))",
            fig,
        )
        return data


@pytest.fixture
def tab(browser_context: Any, live_server: str) -> Iterator[Tab]:
    page = browser_context.new_page()
    try:
        yield Tab(page, live_server)
    finally:
        page.close()


def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "–" if x is None else format(x, spec)


def _indexed(db: Path, pairs: list[tuple[Actor, Actor]], freq: str, **kw: Any) -> list[Any]:
    with connect(db, read_only=True) as s:
        ser = dyad_series(s.events, pairs, freq=freq, **kw)
        rows: list[Any] = (
            indexed_series(ser, baseline=DEFAULT_BASELINE[freq]).to_pyarrow().to_pylist()
        )
    return rows


def _latest(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        out[r["dyad"]] = r
    return out


def test_overview_shows_the_six_dyads(tab: Tab, web_db: Path) -> None:
    resp = tab.open("/")
    assert resp.status == 200
    a, b, c = Actor("USA"), Actor("JPN"), Actor("KOR")
    latest = _latest(_indexed(web_db, triad_pairs(a, b, c), "month"))
    shown = {r[0]: r for r in tab.rows("#dyads")}
    assert set(shown) == set(latest) and len(shown) == 6
    for dyad, r in latest.items():
        assert shown[dyad][1] == r["period"].isoformat()
        assert shown[dyad][2] == _fmt(r["value"]), dyad
        assert shown[dyad][3] == _fmt(r["index"]), dyad
    traces = tab.traces("fig-triad")
    # The six dyads' panels, and under them the coverage strip: one lane, the chronology.
    assert {t["name"] for t in traces if t["meta"] != "coverage"} == set(latest)
    assert [t["name"] for t in traces if t["meta"] == "coverage"] == ["chronology"]
    assert tab.page.locator("#fig-triad .main-svg").first.inner_html().count("chronology") >= 1
    assert "chronology:" in tab.page.locator("#coverage").inner_text()
    assert tab.page.locator("#alarms tbody tr").count() >= 1
    tab.check("overview")


def test_dyad_view_follows_a_new_dyad_and_window(tab: Tab, web_db: Path) -> None:
    tab.open("/dyad")
    assert tab.page.locator("#dyads tbody tr").count() == 2  # JPN-KOR both ways
    tab.page.fill("input[name=dyad]", "USA-JPN")
    tab.page.fill("input[name=from]", "2019-01-01")
    tab.page.fill("input[name=to]", "2020-06-30")
    tab.page.select_option("select[name=freq]", "month")
    with tab.page.expect_navigation():
        tab.page.click("#dyad-form button[type=submit]")
    assert "dyad=USA-JPN" in tab.page.url and "from=2019-01-01" in tab.page.url
    usa, jpn = Actor("USA"), Actor("JPN")
    window = {"start": date(2019, 1, 1), "end": date(2020, 6, 30)}
    rows = _indexed(web_db, [(usa, jpn), (jpn, usa)], "month", **window)
    latest = _latest(rows)
    shown = {r[0]: r for r in tab.rows("#dyads")}
    assert set(shown) == {"USA->JPN", "JPN->USA"}
    for dyad, r in latest.items():
        assert shown[dyad][1] == "2020-06-01"
        assert shown[dyad][2] == _fmt(r["value"])
        assert shown[dyad][6] == str(sum(x["events"] for x in rows if x["dyad"] == dyad))
        quads = next(q for q in tab.rows("#quads") if q[0] == dyad)
        kinds = ("verbal_coop", "material_coop", "verbal_conflict", "material_conflict")
        want = [sum(x[k] for x in rows if x["dyad"] == dyad) for k in kinds]
        assert [int(v) for v in quads[1:]] == want
    # The index figure plots the library's series, one trace per direction.
    traces = {t["name"]: t for t in tab.traces("fig-index")}
    for dyad in latest:
        ys = [x["value"] for x in rows if x["dyad"] == dyad]
        assert traces[dyad]["y"] == pytest.approx(ys, nan_ok=True)
    tab.traces("fig-quads")
    with connect(web_db, read_only=True) as s:
        total = int(select_events(s.events, dyad=("USA", "JPN"), **window).count().execute())
    assert tab.page.get_attribute("#events-count", "data-total") == str(total)
    assert tab.page.locator("#events tbody tr").count() == min(total, 200)
    # Evidence: the chronology cites its sources.
    assert tab.page.locator("#events tbody tr cite").count() == min(total, 200)
    tab.check("dyad")
    # An inverted range is refused with the reason shown above the form.
    tab.page.fill("input[name=from]", "2021-01-01")
    with tab.page.expect_navigation():
        tab.page.click("#dyad-form button[type=submit]")
    assert "inverted" in tab.page.inner_text("#error")
    tab.check("dyad-error")


def test_instruments_page_shows_what_is_in_force(tab: Tab) -> None:
    from brinkwatch.ingest.instruments import read_register
    from brinkwatch.measure.instruments import in_force

    tab.open("/coder")
    with tab.page.expect_navigation():
        tab.page.click("nav a[href='/instruments']")
    tab.page.fill("input[name=at]", "2019-12-01")
    with tab.page.expect_navigation():
        tab.page.click("#instruments-form button[type=submit]")
    assert "at=2019-12-01" in tab.page.url
    want = in_force(read_register(REGISTER), date(2019, 12, 1))
    shown = tab.rows("#in-force")
    assert [(r[2], r[3].split(" ")[0], r[4]) for r in shown] == [
        (x.state, x.since.isoformat(), f"{x.weight:.1f}") for x in want
    ]
    assert [r[0].splitlines()[-1] for r in shown] == [x.instrument for x in want]
    assert "Seoul conditionally suspends its notice" in shown[0][5]
    # The timeline: one lane per instrument, hovering gives the citation.
    traces = tab.traces("fig-timeline")
    assert {t["y"][0] for t in traces} == {x.instrument for x in want}
    # Plotly's drag layer covers the bars, so move the mouse there as a user would.
    box = tab.page.locator("#fig-timeline .bars .point").first.bounding_box()
    tab.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tab.page.locator("#fig-timeline .hovertext").first.wait_for(timeout=10_000)
    assert "Yonhap" in (tab.page.locator("#fig-timeline .hovertext").first.text_content() or "")
    tab.check("instruments")
    # The dyad page draws the frictions in force beside the index.
    tab.open("/dyad?dyad=JPN-KOR&freq=month&from=2019-01-01&to=2020-12-31")
    fr = [t for t in tab.traces("fig-index") if t["meta"] == "frictions"]
    assert len(fr) == 1 and max(fr[0]["y"]) > 0
    assert "instruments register" in tab.page.inner_text("#frictions-note")
    tab.check("dyad-frictions")


def test_explain_view_shows_granger_and_responses(tab: Tab, web_db: Path) -> None:
    # By week: by month the criteria choose 0 lags and the page shows no tests (issue 14).
    tab.open("/explain?repl=20&freq=week")
    a, b, c = Actor("USA"), Actor("JPN"), Actor("KOR")
    with connect(web_db, read_only=True) as s:
        table = triad_series(s.events, a, b, c, freq="week").to_pyarrow()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = TriadVAR(measure="net_coop").fit(table)
    tests = model.granger()
    shown = {r[0]: r for r in tab.rows("#granger")}
    assert len(shown) == len(tests) > 0
    for g in tests:
        assert shown[g.label][2] == _fmt(g.stat)
        assert shown[g.label][4] == _fmt(g.pvalue, ".3f")
    k = len(model.names_)
    assert len(tab.traces("fig-irf")) == 2 * k * k  # a band and a line per panel
    tab.check("explain")


def test_scenario_runs_in_the_background(tab: Tab, web_db: Path) -> None:
    tab.open("/scenario")
    sc = parse_scenario(read_bundled_scenario("jpn-kor-2019"), source="jpn-kor-2019")
    checked = tab.page.eval_on_selector_all("#levers input:checked", "bs => bs.map(b => b.value)")
    assert checked == list(sc.actual)
    # Too many paths: refused before anything runs, with the bound in the message.
    tab.page.fill("#paths", "60000")
    tab.page.click("#run")
    tab.page.locator("#run-error").wait_for(state="visible")
    assert "50,000" in tab.page.inner_text("#run-error")
    tab.page.fill("#paths", "200")
    tab.page.click("#run")
    tab.page.locator("#progress").wait_for()
    tab.page.locator("#result").wait_for(state="visible", timeout=120_000)
    assert tab.page.get_attribute("#progress", "value") == "1"
    with connect(web_db, read_only=True) as s, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dyn = fit_dynamics(sc, s.events)
    variants = {"none": (), "actual": sc.actual, **{n: (n,) for n in sc.actual}}
    runs = simulate_scenario(sc, dyn, variants=variants, n_paths=200, seed=0)
    want = {r["title"]: r["probability"] for r in outcome_table(runs["none"]).to_pylist()}
    shown = {r[0]: r[2] for r in tab.rows("#outcomes")}
    assert shown == {t: f"{100 * p:.1f}%" for t, p in want.items()}
    actual = {o.name: f"{100 * runs['actual'].outcomes[o.name].mean():.1f}%" for o in sc.outcomes}
    cells = tab.page.eval_on_selector_all(
        "#comparison td[data-variant=actual]",
        "tds => tds.map(td => [td.parentElement.dataset.outcome, td.innerText.split(' ')[0]])",
    )
    assert dict(cells) == actual
    # The best-lever claim is the brief's, from the same adjusted ranking of the single levers.
    ranking = rank_levers(runs)
    said = tab.page.inner_text("#lever-sentence")
    assert f"{ranking.n_levers} levers compared" in said
    assert ranking.top is not None
    assert ranking.verdict == "none" or labels_for(sc, None).lever(ranking.top.lever) in said
    assert len(tab.traces("fig-scenario")) > 0
    tab.check("scenario")


def test_coder_reviews_rows_and_stores_the_edited_one_with_its_text_date(
    tab: Tab, web_db: Path
) -> None:
    # Runs last among the browser tests: it writes to the store.
    tab.open("/coder")
    tab.page.fill("#coder-date", "2019-07-08")
    tab.page.fill(
        "#coder-text",
        "Tokyo has retaliated by restricting sales of technology components to South Korean "
        "firms. South Korea's president condemned Japan's export curbs on Thursday.",
    )
    tab.page.click("#code")
    tab.page.locator("#coded-events tbody tr").first.wait_for()
    marks = tab.page.eval_on_selector_all("#coded-events mark", "ms => ms.map(m => m.innerText)")
    assert "restricting sales" in marks
    rows = tab.page.locator("#coded-events tbody tr")
    embargo = rows.filter(has_text="163 ")
    condemned = rows.filter(has_text="Thursday")
    # The second sentence is dated by its own "on Thursday", not by the text's date.
    assert condemned.locator("td.edit-date").inner_text().startswith("2019-07-04")
    assert "Thursday" in condemned.locator(".date-phrase").inner_text()
    rejected_id = embargo.get_attribute("data-event-id")
    embargo.locator("button.review-reject").click()
    condemned.locator("button.review-edit").click()
    assert condemned.locator("input.edit-date").input_value() == "2019-07-04"
    condemned.locator("input.edit-code").fill("112")
    condemned.locator("input.edit-target").fill("JPNGOV")
    tab.page.click("#add")
    tab.page.wait_for_function("document.getElementById('added').innerText.startsWith('Stored')")
    assert tab.page.inner_text("#added").startswith("Stored 1 event(s)")
    with connect(web_db, read_only=True) as s:
        ev = s.events
        got = (
            ev.filter((ev.origin == "coded") & (ev.event_date == date(2019, 7, 4)))
            .select("source_code", "target_code", "cameo_code", "event_id")
            .to_pyarrow()
            .to_pylist()
        )
        assert not ev.filter(ev.event_id == rejected_id).count().execute()
    assert [(r["source_code"], r["target_code"], r["cameo_code"]) for r in got] == [
        ("KORGOV", "JPNGOV", "112")
    ]
    tab.check("coder")
