"""Tests of the CAMEO codebook: its invariants, its loaders, and a check against shared data.

The shared data (``../shared/data`` beside the project root) holds third-party copies of
CAMEO and real GDELT and ICEWS files. The codebook is written by this project; those files
only check it. Tests that need them skip when they are absent.
"""

from __future__ import annotations

import csv
import doctest
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

import brinkwatch.codebook as cb
from brinkwatch.codebook import (
    QUAD_CLASS_NAMES,
    EventCode,
    _countries,
    _events,
    _tables,
    actor_types,
    countries,
    country_code,
    event_codes,
    icews_sectors,
    lookup_event,
    quad_class_of_root,
)
from brinkwatch.errors import BrinkwatchError, CodebookError

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

# GDELT's Goldstein table (CAMEO.goldsteinscale.txt; GDELT writes these weights into every
# event's GoldsteinScale) and the manual-derived cameo-codes.csv (whose weights are ICEWS's
# "Intensity" values) disagree on these codes. The codebook follows GDELT; docs/codebook.md
# says why. Each entry: code -> (GDELT weight = ours, manual/ICEWS weight, reason).
WEIGHT_DIFFERS_FROM_MANUAL: dict[str, tuple[float, float, str]] = {
    "016": (-2.0, -5.0, "Deny responsibility: GDELT -2.0 (its data agrees), ICEWS -5.0"),
    "022": (3.2, 3.4, "Appeal for diplomatic cooperation: GDELT 3.2 (its data agrees), ICEWS 3.4"),
    "164": (-7.0, -6.5, "Halt negotiations: GDELT -7.0 (its data agrees), ICEWS -6.5"),
    "165": (-6.5, -7.0, "Halt mediation: GDELT -6.5, ICEWS -7.0 (the two swap 164 and 165)"),
}

# GDELT's QuadClass column groups roots 01-05, 06-09, 10-14, 15-20; the codebook uses the
# usual CAMEO grouping 01-05, 06-08, 09-13, 14-20. Roots whose GDELT quad class differs:
# root -> (our quad class, GDELT's quad class, reason).
GDELT_QUAD_CLASS_DIFFERS: dict[str, tuple[int, int, str]] = {
    "09": (
        3,
        2,
        "Investigate: verbal conflict in CAMEO's grouping, material cooperation in GDELT's",
    ),
    "14": (4, 3, "Protest: material conflict in CAMEO's grouping, verbal conflict in GDELT's"),
}

# Codes of the CAMEO manual that GDELT's two lookup files lack, and why.
MISSING_FROM_GDELT_LOOKUP: dict[str, str] = {
    "106": "the line for 106 is glued to 1056's in CAMEO.eventcodes.txt "
    "('...engagement106:[-5.0] Demand withdrawal') and absent from CAMEO.goldsteinscale.txt",
    "1213": "Reject judicial cooperation is in the manual but in neither GDELT lookup file",
}

# ICEWS sectors that carry no actor role; the codebook maps them to an empty actor_type.
ROLELESS_SECTORS = {"Unspecified", "Ideological", "Nationalist", "Secular", "Global", "Regional"}

# Fields of the shared files that mean "no value".
MISSING = {"", "NA"}


# ---------------------------------------------------------------------------------------
# Shared data: fixtures that skip with a clear reason when ../shared/data is absent
# ---------------------------------------------------------------------------------------


def _shared(subdir: str, what: str) -> Path:
    path = SHARED_DATA / subdir
    if not path.is_dir():
        pytest.skip(
            f"../shared/data/{subdir} not found: the codebook check needs the shared {what} "
            "files beside the project root"
        )
    return path


@pytest.fixture(scope="module")
def cameo_dir() -> Path:
    return _shared("cameo", "CAMEO")


@pytest.fixture(scope="module")
def manual(cameo_dir: Path) -> dict[str, dict[str, str]]:
    """cameo-codes.csv: the CAMEO manual as data, keyed by code."""
    # The file's example sentences hold a few bytes that are not UTF-8; codes, names and
    # weights are plain ASCII, so replacing those bytes loses nothing we compare.
    with (cameo_dir / "cameo-codes.csv").open(encoding="utf-8", errors="replace") as fh:
        return {row["code"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def gdelt_names(cameo_dir: Path) -> dict[str, str]:
    return _read_gdelt_lookup(cameo_dir / "CAMEO.eventcodes.txt", "EVENTDESCRIPTION")


@pytest.fixture(scope="module")
def gdelt_weights(cameo_dir: Path) -> dict[str, float]:
    table = _read_gdelt_lookup(cameo_dir / "CAMEO.goldsteinscale.txt", "GOLDSTEINSCALE")
    return {code: float(weight) for code, weight in table.items()}


def _read_gdelt_lookup(path: Path, column: str) -> dict[str, str]:
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        return {row["CAMEOEVENTCODE"]: row[column] for row in csv.DictReader(fh, delimiter="\t")}


@pytest.fixture(scope="module")
def icews_rows() -> list[dict[str, str]]:
    path = _shared("icews", "ICEWS") / "events.2018.sample.tab"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def gdelt_events() -> list[dict[str, str]]:
    """The shared GDELT events as dicts with GDELT's own field names (a subset)."""
    gdelt = _shared("gdelt", "GDELT")
    return list(_iter_gdelt(gdelt))


# Positions in the headerless GDELT 1.0 and 2.0 event files (the first 31 agree).
_GDELT_FIELDS = {
    "Actor1CountryCode": 7,
    "Actor2CountryCode": 17,
    "EventCode": 26,
    "EventBaseCode": 27,
    "EventRootCode": 28,
    "QuadClass": 29,
    "GoldsteinScale": 30,
}
# The pandas re-export renames columns, and not always aptly: its "Actor_1_Country_Code"
# holds GDELT's Actor1Code (e.g. "USAGOV"), and "Actor_1_Country_ABBR" holds
# Actor1CountryCode. Its base and root codes lost their leading zeros ("21", "2"), so only
# Event_Code is read from it.
_PANDAS_FIELDS = {
    "Actor1CountryCode": "Actor_1_Country_ABBR",
    "Actor2CountryCode": "Actor_2_Country_ABBR",
    "EventCode": "Event_Code",
    "QuadClass": "Quad_Class",
    "GoldsteinScale": "Goldstein_Scale",
}


def _iter_gdelt(gdelt: Path) -> Iterator[dict[str, str]]:
    for path in sorted([*gdelt.glob("*.CSV"), *gdelt.glob("*.tsv")]):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
                yield {"file": path.name} | {k: row[i] for k, i in _GDELT_FIELDS.items()}
    for path in sorted(gdelt.glob("pandas-export-*/*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                yield {"file": path.name} | {k: row[c] for k, c in _PANDAS_FIELDS.items()}


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------

_NOT_SPECIFIED = re.compile(r",?\s*not spec(ified)?\s+below\s*$")


def _norm_name(name: str) -> str:
    """Lowercase, drop GDELT's ', not specified below' suffix, punctuation and whitespace."""
    name = _NOT_SPECIFIED.sub("", name.strip().lower())
    return re.sub(r"[\W_]+", "", name)


def _codebook_events() -> dict[str, dict[str, object]]:
    return {str(row["code"]): row for row in event_codes().to_pylist()}


def _expected_quad_class(root: str) -> int:
    number = int(root)
    return 1 if number <= 5 else 2 if number <= 8 else 3 if number <= 13 else 4


def _sector_actor_type(sectors: str) -> str:
    """Resolve an ICEWS sector list as the codebook prescribes: lowest priority wins."""
    table = {row["sector"]: row for row in icews_sectors().to_pylist()}
    ranked = sorted((table[s]["priority"], table[s]["actor_type"]) for s in sectors.split(",") if s)
    typed = [actor_type for _, actor_type in ranked if actor_type]
    return str(typed[0]) if typed else ""


# ---------------------------------------------------------------------------------------
# Public API and loaders
# ---------------------------------------------------------------------------------------


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in vars(cb) if not name.startswith("_") and name != "annotations"}
    assert public == set(cb.__all__)
    assert len(cb.__all__) == len(set(cb.__all__))


@pytest.mark.parametrize("module", [_tables, _events, _countries], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0


def test_event_codes_schema() -> None:
    assert event_codes().schema == pa.schema(
        [
            ("code", pa.string()),
            ("name", pa.string()),
            ("root", pa.string()),
            ("level", pa.int8()),
            ("goldstein", pa.float64()),
            ("quad_class", pa.int8()),
            ("description", pa.string()),
        ]
    )


@pytest.mark.parametrize(
    ("loader", "columns"),
    [
        (countries, ["code", "iso3", "name", "kind", "aliases"]),
        (actor_types, ["code", "name", "description"]),
    ],
    ids=["countries", "actor_types"],
)
def test_string_tables_schema(loader: object, columns: list[str]) -> None:
    table = loader()  # type: ignore[operator]
    assert table.schema == pa.schema([(c, pa.string()) for c in columns])
    assert table.num_rows > 0
    assert all(table[c].null_count == 0 for c in columns)


def test_icews_sectors_schema() -> None:
    assert icews_sectors().schema == pa.schema(
        [("sector", pa.string()), ("actor_type", pa.string()), ("priority", pa.int32())]
    )


def test_loaders_are_cached() -> None:
    assert event_codes() is event_codes()
    assert countries() is countries()


def test_the_look_up_rows_read_without_arrow_match_the_arrow_tables() -> None:
    # Dyad parsing reads the rows with the csv module so that the CLI starts without Arrow.
    from brinkwatch.codebook._tables import actor_type_codes, country_rows

    assert list(country_rows()) == countries().to_pylist()
    assert actor_type_codes() == set(actor_types()["code"].to_pylist())
    assert {r["code"] for r in country_rows()} >= {"JPN", "KOR", "USA", "PRK", "MEA"}


def test_the_header_check_names_the_file_and_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from brinkwatch.codebook import _tables

    monkeypatch.setattr(_tables, "_raw", lambda name: (b"code,label\nJPN,Japan\n", name))
    with pytest.raises(CodebookError, match="must have the header code,iso3,name") as err:
        _tables._records("countries.csv", _tables._COUNTRY_COLUMNS)
    assert err.value.path == "countries.csv" and err.value.line == 1


def test_leading_zeros_are_kept() -> None:
    codes = set(event_codes()["code"].to_pylist())
    assert {"01", "010", "0213", "0874"} <= codes
    assert not any(len(code) < 2 for code in codes)


# ---------------------------------------------------------------------------------------
# Event code invariants
# ---------------------------------------------------------------------------------------


def test_event_codes_are_unique() -> None:
    counts = Counter(event_codes()["code"].to_pylist())
    assert [code for code, n in counts.items() if n > 1] == []


def test_event_code_structure() -> None:
    events = _codebook_events()
    problems = []
    for code, row in events.items():
        if not (code.isdigit() and 2 <= len(code) <= 4):
            problems.append(f"{code}: not 2-4 digits")
        if row["root"] != code[:2]:
            problems.append(f"{code}: root {row['root']!r} is not its first two digits")
        if code[:2] not in events:
            problems.append(f"{code}: root {code[:2]} is not in the codebook")
        if len(code) == 4 and code[:3] not in events:
            problems.append(f"{code}: parent {code[:3]} is not in the codebook")
        if row["level"] != len(code):
            problems.append(f"{code}: level {row['level']} but {len(code)} digits")
        if row["quad_class"] != _expected_quad_class(code[:2]):
            problems.append(f"{code}: quad class {row['quad_class']} does not follow its root")
        if not str(row["name"]).strip():
            problems.append(f"{code}: empty name")
        if not -10.0 <= float(str(row["goldstein"])) <= 10.0:
            problems.append(f"{code}: Goldstein weight {row['goldstein']} outside [-10, 10]")
    assert problems == [], "\n".join(problems)


def test_all_twenty_roots_and_their_residual_codes() -> None:
    events = _codebook_events()
    roots = sorted(code for code in events if len(code) == 2)
    assert roots == [f"{n:02d}" for n in range(1, 21)]
    # Every root has its "not specified below" code, X0 (010, 020, ..., 200).
    assert [r for r in roots if f"{r}0" not in events] == []


def test_quad_class_of_root_follows_the_cameo_rule() -> None:
    for number in range(1, 21):
        root = f"{number:02d}"
        assert quad_class_of_root(root) == _expected_quad_class(root), root


def test_quad_class_names() -> None:
    assert QUAD_CLASS_NAMES == {
        1: "verbal cooperation",
        2: "material cooperation",
        3: "verbal conflict",
        4: "material conflict",
    }


@pytest.mark.parametrize("bad", ["1", "21", "0213", "", "xx"])
def test_quad_class_of_root_rejects_non_roots(bad: str) -> None:
    with pytest.raises(CodebookError, match="two-digit CAMEO root"):
        quad_class_of_root(bad)


# ---------------------------------------------------------------------------------------
# lookup_event
# ---------------------------------------------------------------------------------------


def test_lookup_event_returns_the_code() -> None:
    event = lookup_event("1313")
    assert event == EventCode(
        code="1313",
        name="Threaten to reduce or break relations",
        root="13",
        level=4,
        goldstein=-5.8,
        quad_class=3,
        description="",
    )
    assert lookup_event(" 010 ").name == "Make statement"
    assert lookup_event("163").name == "Impose embargo, boycott, or sanctions"


def test_event_code_is_frozen() -> None:
    event = lookup_event("01")
    with pytest.raises(AttributeError):
        event.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ("0215", "closest known code is '021'"),
        ("213", "did you mean '0213'"),
        ("99", "roots run from '01'"),
        ("abc", "2 to 4 digits"),
    ],
)
def test_lookup_event_unknown_code(code: str, hint: str) -> None:
    with pytest.raises(CodebookError) as info:
        lookup_event(code)
    message = str(info.value)
    assert f"'{code}' is not a CAMEO event code" in message
    assert hint in message
    assert isinstance(info.value, LookupError)
    assert isinstance(info.value, BrinkwatchError)


def test_lookup_event_rejects_numbers() -> None:
    with pytest.raises(CodebookError, match="must be a string"):
        lookup_event(213)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# Countries
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("KOR", "KOR"),
        ("kor", "KOR"),
        ("South Korea", "KOR"),
        ("Republic of Korea", "KOR"),
        ("ROK", "KOR"),
        ("North Korea", "PRK"),
        ("DPRK", "PRK"),
        ("Japan", "JPN"),
        ("United States of America", "USA"),
        ("US", "USA"),
        ("usa", "USA"),
        ("  russian   federation ", "RUS"),
        ("Occupied Palestinian Territory", "PSE"),
        ("Congo", "COG"),
        ("Democratic Republic of Congo", "COD"),
        ("Middle East", "MEA"),
        ("TMP", "TMP"),
        ("Kosovo", "KOS"),
    ],
)
def test_country_code(text: str, code: str) -> None:
    assert country_code(text) == code


@pytest.mark.parametrize("text", ["Atlantis", "", "NA", "Korea"])
def test_country_code_unknown_is_none(text: str) -> None:
    assert country_code(text) is None


def test_country_names_and_aliases_are_unambiguous() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for row in countries().to_pylist():
        for text in [row["code"], row["name"], *row["aliases"].split("|")]:
            if text:
                owners[" ".join(text.casefold().split())].add(row["code"])
    clashes = sorted(
        f"{key!r} -> {sorted(codes)}" for key, codes in owners.items() if len(codes) > 1
    )
    assert clashes == [], "\n".join(clashes)


def test_country_rows_are_consistent() -> None:
    table = countries().to_pylist()
    codes = [row["code"] for row in table]
    states = {row["code"] for row in table if row["kind"] == "state"}
    problems = [f"duplicate code {c}" for c, n in Counter(codes).items() if n > 1]
    for row in table:
        code, iso3, kind = row["code"], row["iso3"], row["kind"]
        if not re.fullmatch(r"[A-Z]{3}", code):
            problems.append(f"{code}: not three capital letters")
        if kind not in {"state", "region", "other"}:
            problems.append(f"{code}: kind {kind!r}")
        if kind == "state" and iso3 != code:
            problems.append(f"{code}: a state whose iso3 is {iso3!r}")
        if kind == "region" and iso3:
            problems.append(f"{code}: a region with iso3 {iso3!r}")
        if kind == "other" and iso3 and iso3 not in states:
            problems.append(f"{code}: iso3 {iso3!r} is not a state in the table")
        if not row["name"].strip():
            problems.append(f"{code}: empty name")
    assert problems == [], "\n".join(problems)
    assert len(states) == 249  # every ISO 3166-1 alpha-3 entry


def test_cameo_region_codes_are_present() -> None:
    regions = {"AFR", "ASA", "EUR", "WST", "SAM", "NAF", "MEA", "SAS", "SEA", "CAU", "BLK"}
    regions |= {"CAS", "EAF", "WAF", "CFR", "SAF", "LAM", "NMR", "CRB", "PGS", "BAL", "MDT"}
    regions |= {"SCN", "EIN"}
    assert regions - set(countries()["code"].to_pylist()) == set()


# ---------------------------------------------------------------------------------------
# Actor types and ICEWS sectors
# ---------------------------------------------------------------------------------------


def test_actor_types() -> None:
    codes = actor_types()["code"].to_pylist()
    assert len(codes) == len(set(codes))
    expected = {"GOV", "MIL", "BUS", "JUD", "OPP", "MED", "COP", "LEG", "REB", "INS", "SPY"}
    expected |= {"EDU", "HLH", "CVL", "LAB", "AGR", "ELI", "CRM", "REF", "MOD", "RAD", "NGO"}
    expected |= {"IGO", "UAF", "REL", "ENV", "HRI", "SEP", "PTY", "MNC", "IMG", "UIS", "DEV"}
    assert expected - set(codes) == set()
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in codes)


def test_icews_sectors_map_to_known_actor_types() -> None:
    types = set(actor_types()["code"].to_pylist())
    rows = icews_sectors().to_pylist()
    sectors = [row["sector"] for row in rows]
    assert [s for s, n in Counter(sectors).items() if n > 1] == []
    unknown = [
        f"{row['sector']} -> {row['actor_type']}"
        for row in rows
        if row["actor_type"] and row["actor_type"] not in types
    ]
    assert unknown == [], "\n".join(unknown)
    roleless = {row["sector"] for row in rows if not row["actor_type"]}
    assert roleless == ROLELESS_SECTORS


def test_each_priority_means_one_actor_type() -> None:
    # Ties between sectors of one actor then never need a tie-break.
    types_by_priority: dict[int, set[str]] = defaultdict(set)
    for row in icews_sectors().to_pylist():
        types_by_priority[row["priority"]].add(row["actor_type"])
    assert {p: t for p, t in types_by_priority.items() if len(t) > 1} == {}


@pytest.mark.parametrize(
    ("sectors", "actor_type"),
    [
        ("Military,Government", "MIL"),
        ("Executive,Foreign Ministry,Government", "GOV"),
        ("Government,Police", "COP"),
        ("Judicial,Government", "JUD"),
        ("Government,Legislative / Parliamentary", "LEG"),
        (
            "Executive,Government,Lower House,Defense / Security Ministry,"
            "Legislative / Parliamentary",
            "GOV",
        ),
        ("Military Intelligence,Government,Military", "SPY"),
        ("Government,Executive Office,Executive,Military,Elite", "GOV"),
        (
            "Executive,Government,State Media,Information / Communication / Transparency Ministry",
            "MED",
        ),
        ("International Government Organization,Regional Diplomatic IGOs,Regional", "IGO"),
        ("Dissident,Protestors / Popular Opposition / Mobs", "OPP"),
        ("Criminals / Gangs,Dissident", "CRM"),
        ("Business,Social", "BUS"),
        ("General Population / Civilian / Social,Social", "CVL"),
        ("Parties,Government Major Party (In Government),(National) Major Party", "PTY"),
        ("Unspecified", ""),
    ],
)
def test_sector_priorities_resolve_actors(sectors: str, actor_type: str) -> None:
    assert _sector_actor_type(sectors) == actor_type


# ---------------------------------------------------------------------------------------
# Check against the shared CAMEO files
# ---------------------------------------------------------------------------------------


def test_codes_match_the_cameo_manual(manual: dict[str, dict[str, str]]) -> None:
    ours = set(_codebook_events())
    mismatches = [
        f"missing from the codebook: {c} {manual[c]['name']}" for c in manual.keys() - ours
    ]
    mismatches += [f"not in the CAMEO manual: {c}" for c in ours - manual.keys()]
    assert sorted(mismatches) == [], "\n".join(sorted(mismatches))


def test_names_match_the_cameo_manual(manual: dict[str, dict[str, str]]) -> None:
    # Names are checked against the manual only: GDELT's CAMEO.eventcodes.txt carries older
    # labels for 101-108 ("Demand information, investigation" ...), typos ("matyerial"),
    # mojibake (044) and a lost line (106); docs/codebook.md lists them.
    mismatches = [
        f"{code}: ours {row['name']!r}, manual {manual[code]['name']!r}"
        for code, row in sorted(_codebook_events().items())
        if code in manual and _norm_name(str(row["name"])) != _norm_name(manual[code]["name"])
    ]
    assert mismatches == [], "\n".join(mismatches)


def test_codes_match_the_gdelt_lookup(
    gdelt_names: dict[str, str], gdelt_weights: dict[str, float]
) -> None:
    ours = set(_codebook_events())
    mismatches = [
        f"in GDELT's CAMEO.eventcodes.txt, not ours: {c}" for c in gdelt_names.keys() - ours
    ]
    mismatches += [
        f"in GDELT's goldstein table, not ours: {c}" for c in gdelt_weights.keys() - ours
    ]
    for code in sorted(ours - gdelt_names.keys()):
        if code not in MISSING_FROM_GDELT_LOOKUP:
            mismatches.append(f"ours, not in GDELT's CAMEO.eventcodes.txt: {code}")
    for code in sorted(MISSING_FROM_GDELT_LOOKUP):
        if code in gdelt_names or code in gdelt_weights:
            mismatches.append(f"allow-list entry {code} is stale: GDELT's lookup has it now")
    assert mismatches == [], "\n".join(mismatches)


def test_weights_match_gdelt(gdelt_weights: dict[str, float]) -> None:
    mismatches = [
        f"{code}: ours {row['goldstein']}, GDELT {gdelt_weights[code]}"
        for code, row in sorted(_codebook_events().items())
        if code in gdelt_weights and row["goldstein"] != gdelt_weights[code]
    ]
    assert mismatches == [], "\n".join(mismatches)


def test_weights_match_the_manual_except_where_gdelt_differs(
    manual: dict[str, dict[str, str]], gdelt_weights: dict[str, float]
) -> None:
    mismatches = []
    for code, row in sorted(_codebook_events().items()):
        if code not in manual:
            continue
        ours, theirs = row["goldstein"], manual[code]["goldstein"]
        if theirs in MISSING:
            mismatches.append(f"{code}: the manual gives no weight")
            continue
        expected = WEIGHT_DIFFERS_FROM_MANUAL.get(code)
        if expected is None:
            if ours != float(theirs):
                mismatches.append(f"{code}: ours {ours}, manual {theirs}")
        elif (ours, float(theirs), gdelt_weights.get(code)) != (
            expected[0],
            expected[1],
            expected[0],
        ):
            mismatches.append(
                f"{code}: allow-list says GDELT/ours {expected[0]} and manual {expected[1]} "
                f"({expected[2]}); found ours {ours}, manual {theirs}, "
                f"GDELT {gdelt_weights.get(code)}"
            )
    assert mismatches == [], "\n".join(mismatches)


# ---------------------------------------------------------------------------------------
# Check against the shared ICEWS and GDELT events
# ---------------------------------------------------------------------------------------


def test_every_icews_sector_is_mapped(icews_rows: list[dict[str, str]]) -> None:
    seen = {
        sector
        for row in icews_rows
        for column in ("Source Sectors", "Target Sectors")
        for sector in row[column].split(",")
        if sector not in MISSING
    }
    mapped = set(icews_sectors()["sector"].to_pylist())
    assert sorted(seen - mapped) == []
    assert len(seen) > 100


def test_every_icews_country_name_is_mapped(icews_rows: list[dict[str, str]]) -> None:
    names = {
        row[column]
        for row in icews_rows
        for column in ("Source Country", "Target Country", "Country")
        if row[column] not in MISSING
    }
    assert sorted(name for name in names if country_code(name) is None) == []
    assert country_code("Russian Federation") == "RUS"


def test_every_icews_event_code_is_in_the_codebook(icews_rows: list[dict[str, str]]) -> None:
    events = _codebook_events()
    assert sorted({row["CAMEO Code"] for row in icews_rows} - events.keys()) == []


def test_icews_intensity_is_our_weight_except_the_allow_list(
    icews_rows: list[dict[str, str]],
) -> None:
    events = _codebook_events()
    mismatches = set()
    for row in icews_rows:
        code, intensity = row["CAMEO Code"], float(row["Intensity"])
        allowed = WEIGHT_DIFFERS_FROM_MANUAL.get(code)
        want = allowed[1] if allowed is not None else events[code]["goldstein"]
        if intensity != want:
            mismatches.add(f"{code}: ICEWS intensity {intensity}, expected {want}")
    assert sorted(mismatches) == []


def test_every_gdelt_country_code_is_in_the_codebook(gdelt_events: list[dict[str, str]]) -> None:
    known = set(countries()["code"].to_pylist())
    misses = sorted(
        {
            f"{row['file']}: {row[column]}"
            for row in gdelt_events
            for column in ("Actor1CountryCode", "Actor2CountryCode")
            if row[column] and row[column] not in known
        }
    )
    assert misses == [], "\n".join(misses)


def test_every_gdelt_event_code_is_in_the_codebook(gdelt_events: list[dict[str, str]]) -> None:
    known = _codebook_events().keys()
    misses = sorted(
        {
            f"{row['file']}: {column} {row[column]}"
            for row in gdelt_events
            for column in ("EventCode", "EventBaseCode", "EventRootCode")
            if column in row and row[column] not in known
        }
    )
    assert misses == [], "\n".join(misses)


def test_gdelt_weights_are_ours(gdelt_events: list[dict[str, str]]) -> None:
    events = _codebook_events()
    mismatches = {
        f"{row['EventCode']}: GDELT {row['GoldsteinScale']}, ours "
        f"{events[row['EventCode']]['goldstein']}"
        for row in gdelt_events
        if float(row["GoldsteinScale"]) != events[row["EventCode"]]["goldstein"]
    }
    assert sorted(mismatches) == []


def test_gdelt_quad_classes_are_ours_except_roots_09_and_14(
    gdelt_events: list[dict[str, str]],
) -> None:
    events = _codebook_events()
    mismatches = set()
    for row in gdelt_events:
        code, theirs = row["EventCode"], int(row["QuadClass"])
        ours = events[code]["quad_class"]
        allowed = GDELT_QUAD_CLASS_DIFFERS.get(code[:2])
        want = (allowed[0], allowed[1]) if allowed is not None else (theirs, theirs)
        if (ours, theirs) != want:
            mismatches.add(f"{code}: GDELT quad class {theirs}, ours {ours}")
    assert sorted(mismatches) == []
    roots_seen = {row["EventCode"][:2] for row in gdelt_events}
    assert set(GDELT_QUAD_CLASS_DIFFERS) <= roots_seen
