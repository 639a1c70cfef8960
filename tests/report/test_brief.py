"""The brief's content: numbers from the library, every text escaped, nothing fetched."""

from __future__ import annotations

import re
import warnings
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape as escape_markup

from brinkwatch.errors import BrinkwatchWarning, ConfigError
from brinkwatch.explain import TriadVAR
from brinkwatch.measure import (
    DEFAULT_BASELINE,
    Freq,
    evaluate_alarms,
    parse_actor,
    triad_series,
)
from brinkwatch.measure.index import windowed_index
from brinkwatch.report.brief import BriefData, gather_brief, render_brief
from brinkwatch.report.labels import Labels, reword
from brinkwatch.simulate import (
    compare_levers,
    default_variants,
    fit_dynamics,
    parse_scenario,
    read_bundled_scenario,
    simulate_scenario,
)
from brinkwatch.store import Store, connect
from tests.report.conftest import BRIEF_ARGS, REGISTER

SECTIONS = [
    "bottom-line",
    "figures",
    "what-changed",
    "alarms",
    "instruments",
    "reciprocity",
    "scenario",
    "appendix",
]


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each element with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Tags()
    p.feed(html)
    return p.tags


def _field(html: str, dyad: str, field: str) -> str:
    m = re.search(rf'data-dyad="{re.escape(escape(dyad))}" data-field="{field}">([^<]*)<', html)
    assert m, (dyad, field)
    return m.group(1)


@pytest.fixture(scope="module")
def db_store(brief_db: Path) -> Store:
    return connect(brief_db, read_only=True)


def test_every_section_is_there_in_order(brief_file: Path) -> None:
    html = brief_file.read_text()
    ids = [a["id"] for t, a in _tags(html) if t == "section"]
    assert ids == SECTIONS
    assert html.count("<h2>") == len(SECTIONS)


def test_headline_numbers_are_the_library_index(brief_file: Path, db_store: Store) -> None:
    jpn, kor = parse_actor("JPN"), parse_actor("KOR")
    # The index looks back before the window, to the first day of the data.
    expr, first = windowed_index(
        db_store.events,
        [(jpn, kor), (kor, jpn)],
        freq=Freq.MONTH,
        start=BRIEF_ARGS["start"],
        end=BRIEF_ARGS["end"],
        baseline=DEFAULT_BASELINE[Freq.MONTH],
        # The store adds a two-day coded note to the chronology: the brief measures the
        # chronology alone (the densest origin) and says so, rather than add the two.
        origins=["chronology"],
    )
    rows = expr.to_pyarrow().to_pylist()
    html = brief_file.read_text()
    # The coverage warning is worded for a reader: which source the series counts.
    assert "the series counts the hand-coded chronology only" in html
    assert first is not None and f"data from {first:%Y-%m}" in html
    for dyad in ("JPN->KOR", "KOR->JPN"):
        rs = [r for r in rows if r["dyad"] == dyad]
        latest, lowest = rs[-1], min(rs, key=lambda r: (r["value"], r["period"]))
        assert _field(html, dyad, "latest-value") == f"{latest['value']:.1f}"
        assert _field(html, dyad, "latest-index") == f"{latest['index']:+.2f}"
        assert _field(html, dyad, "lowest-value") == f"{lowest['value']:.1f}"
        assert f"<td>{lowest['period']}</td>" in html
    # The summer of 2019 is the trough of the window in the chronology, as history has it.
    low = min((r for r in rows if r["dyad"] == "JPN->KOR"), key=lambda r: r["value"])
    assert low["period"].year == 2019 and 6 <= low["period"].month <= 9


def test_alarms_are_listed_with_their_evidence(brief_file: Path, db_store: Store) -> None:
    alarms = evaluate_alarms(
        db_store.events,
        parse_actor("JPN"),
        parse_actor("KOR"),
        freq="month",
        start=BRIEF_ARGS["start"],
        end=BRIEF_ARGS["end"],
        origins=["chronology"],  # what the brief measures: see the headline test
    )
    assert alarms
    html = brief_file.read_text()
    table = html[html.index('id="alarm-table"') : html.index('<section id="instruments">')]
    assert table.count("<tr>") == len(alarms) + 1  # a header row, then one row per alarm
    assert f"{len(alarms)} alarm(s) in the window" in html
    for a in alarms:
        # The detail names the measure in words, not by its id.
        want = a.detail.replace("goldstein_sum", "conflict-cooperation score")
        assert want.replace("<", "&lt;").replace(">", "&gt;") in table
    # The analyst's note, coded, covers two days: the brief does not add it to the chronology's
    # series (a few days of one origin would read as a spike) and says so (issue 14, item 3).
    assert "jpn-kor-2019-note.txt" not in table
    # Its events fall on 2 August ("on 2 August", a date in the text) and on the note's date.
    row = '<td class="num">2</td><td>2019-08-02</td><td>2019-08-05</td>'
    assert f'<tr data-origin="coded"><td>coded</td>{row}' in html
    # Chronology events cite their report.
    assert re.search(r"<cite>(Yonhap|Kyodo|Reuters)[^<]*2019-0[78]-\d\d</cite>", table)


def test_reciprocity_and_granger_numbers_are_the_var(
    brief_data: BriefData, brief_file: Path, db_store: Store
) -> None:
    usa, jpn, kor = (parse_actor(x) for x in BRIEF_ARGS["triad"])
    table = triad_series(
        db_store.events, usa, jpn, kor, freq="month",
        start=BRIEF_ARGS["start"], end=BRIEF_ARGS["end"],
    ).to_pyarrow()  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = TriadVAR(measure="net_coop").fit(table)
    granger = model.granger()
    assert granger, "the chronology supports a JPN-KOR VAR"
    html = brief_file.read_text()
    gt = html[html.index('id="granger-table"') : html.index('<section id="scenario">')]
    for g in granger:
        label = g.label.replace(">", "&gt;")
        m = re.search(
            rf'<td data-label="{re.escape(label)}">[^<]*</td><td>{g.kind}</td>'
            r"<td[^>]*>([^<]+)</td>",
            gt,
        )
        assert m and m.group(1) == f"{g.stat:.2f}", label
    assert f"VAR({model.lag_order_})" in html
    rec = brief_data.explain.reciprocity if brief_data.explain else None
    assert rec is not None and rec.lines and rec.same_period_lines
    for line in [*rec.lines, *rec.same_period_lines, *rec.disagreements]:
        assert str(escape_markup(reword(line, Labels()))) in html
    # Bold rows are the tests that survive Holm's correction over the whole family.
    bold = re.findall(r'<tr class="sig"><td data-label="([^"]+)">', gt)
    assert bold == [g.label.replace(">", "&gt;") for g in granger if g.significant_holm]


def test_sparse_data_warnings_become_notes_not_warnings(brief_db: Path) -> None:
    s = connect(brief_db, read_only=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = gather_brief(s.events, dyad="JPN-KOR", triad=["USA", "JPN", "KOR"], repl=20,
                            start=BRIEF_ARGS["start"], end=BRIEF_ARGS["end"])  # fmt: skip
    s.close()
    assert not [w for w in caught if issubclass(w.category, BrinkwatchWarning)]
    assert data.explain is not None
    # Three of the six USA dyads are nearly empty in the chronology: each is a note.
    sparse = [n for n in data.explain_notes if n.startswith("SparseDataWarning")]
    assert len(sparse) >= 2
    html = render_brief(data)
    notes = html[html.index('<section id="reciprocity">') : html.index('<section id="scenario">')]
    # Worded for a reader: the pair in words, no warning class, no option name.
    assert 'class="notes"' in notes and "events are too sparse in this window" in notes
    assert "United States-Japan events are too sparse" in notes
    assert "SparseDataWarning" not in notes and "min_active" not in notes
    assert "No scenario was run" in html


def test_scenario_comparison_is_the_simulation(brief_file: Path, db_store: Store) -> None:
    sc = parse_scenario(read_bundled_scenario("jpn-kor-2019"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dyn = fit_dynamics(sc, db_store.events)
    runs = simulate_scenario(
        sc, dyn, variants=default_variants(sc), n_paths=BRIEF_ARGS["n_paths"],
        seed=BRIEF_ARGS["seed"],
    )  # fmt: skip
    cmp = {(r["variant"], r["outcome"]): r for r in compare_levers(runs).to_pylist()}
    html = brief_file.read_text()
    for (variant, outcome), r in cmp.items():
        m = re.search(
            rf'data-variant="{re.escape(variant)}" data-outcome="{outcome}">([^<]+)(<br>'
            r'<span class="delta">([^<]+)</span>)?</td>',
            html,
        )
        assert m, (variant, outcome)
        assert m.group(1) == f"{100 * r['probability']:.1f}%"
        if variant != "none":
            want = (
                f"{100 * r['difference']:+.1f} [{100 * r['diff_low']:+.1f}, "
                f"{100 * r['diff_high']:+.1f}]"
            )
            assert m.group(3) == want
    assert f"{BRIEF_ARGS['n_paths']:,} simulated paths per variant" in html


def test_sources_state_the_store_and_the_window(brief_data: BriefData, brief_file: Path) -> None:
    html = brief_file.read_text()
    src = html[html.index('<section id="appendix">') :]
    assert brief_data.stats is not None
    for r in brief_data.stats.by_origin:
        assert f'<td>{r["origin"]}</td><td class="num">{r["events"]:,}</td>' in src
    assert {r["origin"] for r in brief_data.stats.by_origin} == {"chronology", "coded"}
    assert '<span id="window">2018-01-01 to 2019-12-01</span>' in html
    assert "requested 2018-01-01 to 2019-12-31" in html


def test_the_file_fetches_nothing_and_inlines_plotly_once(
    brief_file: Path, static_file: Path
) -> None:
    for path, scripts in ((brief_file, True), (static_file, False)):
        html = path.read_text()
        tags = _tags(html)
        assert not [a for t, a in tags if t in ("link", "iframe", "object", "embed")]
        assert all((a.get("src") or "").startswith("data:") for t, a in tags if "src" in a)
        assert not [a for t, a in tags if t == "script" and "src" in a]
        # Links exist only as evidence to follow, never loaded.
        assert all(t == "a" for t, a in tags if "href" in a)
        # Index, instruments timeline and scenario.
        assert (html.count("Plotly.newPlot") == 5) is scripts
    assert brief_file.read_text().count("plotly.js v") == 1  # the library's banner, once
    assert static_file.stat().st_size < brief_file.stat().st_size / 5


def test_untrusted_text_is_escaped_and_only_web_links_are_links(store: Store) -> None:
    store.con.execute(
        "INSERT INTO event_rows (event_id, origin, event_date, source_country, target_country, "
        "cameo_code, cameo_root, quad_class, goldstein, batch_id, description, source_url) VALUES "
        "('1', 'csv', '2019-07-04', 'JPN', 'KOR', '163', '16', 4, -8.0, 1, "
        "'<script>alert(1)</script> & co', 'javascript:alert(2)'), "
        "('2', 'csv', '2019-08-04', 'KOR', 'JPN', '163', '16', 4, -8.0, 1, 'x', "
        "'https://example.org/a?b=1&c=2')"
    )
    html = render_brief(gather_brief(store.events, dyad="JPN-KOR"))
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert 'href="javascript' not in html and "<cite>javascript:alert(2)</cite>" in html
    assert '<a href="https://example.org/a?b=1&amp;c=2">' in html
    # One event each way: no VAR asked for, none run; the sections still say so.
    assert "No triad was given" in html and "No scenario was run" in html


def test_a_triad_too_thin_for_a_var_is_reported_not_raised(store: Store) -> None:
    store.con.execute(
        "INSERT INTO event_rows (event_id, origin, event_date, source_country, target_country, "
        "cameo_code, cameo_root, quad_class, goldstein, batch_id) VALUES "
        "('1', 'csv', '2019-07-04', 'JPN', 'KOR', '163', '16', 4, -8.0, 1), "
        "('2', 'csv', '2019-09-04', 'USA', 'KOR', '042', '04', 1, 1.9, 1)"
    )
    data = gather_brief(store.events, dyad="JPN-KOR", triad=["USA", "JPN", "KOR"])
    assert data.explain is not None and data.explain.model.insufficient_
    html = render_brief(data)
    assert "no VAR could be fitted" in html and "no VAR fitted" in html


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"dyad": "JPNKOR"}, "dyad"),
        ({"dyad": "JPN-JPN"}, "dyad"),
        ({"dyad": "JPN-XXX"}, "dyad"),
        ({"dyad": "JPN-KOR", "freq": "year"}, "freq"),
        ({"dyad": "JPN-KOR", "triad": ["USA", "JPN"]}, "triad"),
        ({"dyad": "JPN-KOR", "triad": ["USA", "JPN", "JPN"]}, "triad"),
    ],
)
def test_bad_arguments_are_config_errors(
    store: Store, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ConfigError) as exc:
        gather_brief(store.events, **kwargs)  # type: ignore[arg-type]
    assert exc.value.field == field


def test_an_inverted_window_is_refused(store: Store) -> None:
    with pytest.raises(ConfigError, match=r"starts \(2019-12-31\) after it ends \(2019-01-01\)"):
        gather_brief(
            store.events,
            dyad="JPN-KOR",
            start=BRIEF_ARGS["end"],
            end=BRIEF_ARGS["start"].replace(year=2019),
        )


def test_the_index_figure_carries_the_coverage_strip(
    brief_data: BriefData, brief_file: Path
) -> None:
    html = brief_file.read_text()
    # The chronology and the coded note (two days): two lanes, the note's not counted.
    assert [c.origin for c in brief_data.measure.coverage] == ["chronology", "coded"]
    assert html.count('"meta":"coverage"') == 2
    assert "coded text (not counted)" in html
    assert "coded text: 2 days with data, 2019-08-02..2019-08-05" in html
    assert "The strip below shows the days with data of each source (grey lanes" in html


def _instrument_rows(html: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(
        r'<tr data-instrument="([^"]+)">.*?data-field="state">([^<]*)<.*?'
        r'data-field="friction">([^<]*)<',
        html,
        flags=re.S,
    )
    return {i: (state, w) for i, state, w in rows}


def test_the_instruments_in_force_on_the_brief_date_are_the_register(
    brief_data: BriefData, brief_file: Path, static_file: Path
) -> None:
    from brinkwatch.ingest.instruments import read_register
    from brinkwatch.measure.instruments import in_force

    html = brief_file.read_text()
    on = BRIEF_ARGS["end"]
    assert brief_data.on == on
    assert f'<span id="instruments-date">{on}</span>' in html
    expected = {
        x.instrument: (x.state.replace("_", " "), f"{x.weight:.1f}")
        for x in in_force(read_register(REGISTER), on)
    }
    assert _instrument_rows(html) == expected
    # End of 2019: the GSOMIA notice suspended, photoresist eased, the other two imposed.
    assert expected["GSOMIA"] == ("notice suspended", "1.0")
    assert expected["JPN_controls_photoresist"] == ("eased", "2.0")
    assert "Seoul conditionally suspends its notice terminating GSOMIA" in html
    # The timeline (one lane per instrument) and the frictions beside the index.
    assert 'id="instruments-plot"' in html and '"meta":"frictions"' in html
    static = static_file.read_text()
    assert '<img id="instruments-plot"' in static
    assert _instrument_rows(static) == expected


def test_a_brief_without_a_register_says_so(store: Store) -> None:
    from tests.report.test_brief import _tags as tags

    html = render_brief(gather_brief(store.events, dyad="JPN-KOR"))
    assert "No instruments register" in html and "data-instrument" not in html
    assert "instruments" in [a["id"] for t, a in tags(html) if t == "section"]
