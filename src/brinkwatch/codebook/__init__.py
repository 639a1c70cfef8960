"""The CAMEO codebook: event codes, Goldstein weights, quad classes, countries and actors.

The codebook is package data written by this project (``brinkwatch/codebook/data/*.csv``);
the loaders read it once and cache the result. ``docs/codebook.md`` says what each file
holds and how it is checked against third-party copies of CAMEO.
"""

from __future__ import annotations

from brinkwatch.codebook._countries import country_code
from brinkwatch.codebook._dyads import (
    LABEL_SEP,
    Actor,
    Dyad,
    as_actor,
    parse_actor,
    split_label,
)
from brinkwatch.codebook._events import (
    QUAD_CLASS_NAMES,
    EventCode,
    lookup_event,
    quad_class_of_root,
)
from brinkwatch.codebook._tables import actor_types, countries, event_codes, icews_sectors

__all__ = [
    "LABEL_SEP",
    "QUAD_CLASS_NAMES",
    "Actor",
    "Dyad",
    "EventCode",
    "actor_types",
    "as_actor",
    "countries",
    "country_code",
    "event_codes",
    "icews_sectors",
    "lookup_event",
    "parse_actor",
    "quad_class_of_root",
    "split_label",
]
