"""Directed-dyad and triad relations: series, relation index, "lowest since", change points, alarms.

Series and indices are Ibis expressions over the canonical events table (DuckDB or Spark);
change points run on the resulting arrays; alarms combine both and carry their evidence.
"""

from brinkwatch.measure._periods import Freq, calendar, period_start
from brinkwatch.measure.alarms import (
    Alarm,
    AlarmRule,
    Alarms,
    Evidence,
    default_rules,
    evaluate_alarms,
    parse_rules,
)
from brinkwatch.measure.changepoints import (
    PENALTY_FACTOR,
    ChangePoint,
    bic_penalty,
    change_points,
    noise_scale,
)
from brinkwatch.measure.dyads import (
    SERIES_COLUMNS,
    Actor,
    Dyad,
    Weight,
    dyad_series,
    parse_actor,
    triad_pairs,
    triad_series,
)
from brinkwatch.measure.evidence import top_events, top_events_by_quad
from brinkwatch.measure.index import (
    DEFAULT_BASELINE,
    indexed_series,
    lowest_since,
    relation_index,
)
from brinkwatch.measure.relations import (
    Coverage,
    DyadHeadline,
    DyadMeasure,
    TriadMeasure,
    measure_dyad,
    measure_triad,
)
from brinkwatch.measure.validity import (
    LabelledPeriod,
    Labels,
    ValidityReport,
    evaluate_alarm_validity,
    parse_labels,
    score_alarms,
)

__all__ = [
    "DEFAULT_BASELINE",
    "PENALTY_FACTOR",
    "SERIES_COLUMNS",
    "Actor",
    "Alarm",
    "AlarmRule",
    "Alarms",
    "ChangePoint",
    "Coverage",
    "Dyad",
    "DyadHeadline",
    "DyadMeasure",
    "Evidence",
    "Freq",
    "LabelledPeriod",
    "Labels",
    "TriadMeasure",
    "ValidityReport",
    "Weight",
    "bic_penalty",
    "calendar",
    "change_points",
    "default_rules",
    "dyad_series",
    "evaluate_alarm_validity",
    "evaluate_alarms",
    "indexed_series",
    "lowest_since",
    "measure_dyad",
    "measure_triad",
    "noise_scale",
    "parse_actor",
    "parse_labels",
    "parse_rules",
    "period_start",
    "relation_index",
    "score_alarms",
    "top_events",
    "top_events_by_quad",
    "triad_pairs",
    "triad_series",
]
