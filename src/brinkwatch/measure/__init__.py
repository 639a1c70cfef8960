"""Directed-dyad and triad relations: series, relation index, "lowest since", change points, alarms.

Series and indices are Ibis expressions over the canonical events table (DuckDB or Spark);
change points run on the resulting arrays; alarms combine both and carry their evidence.

Names load lazily (PEP 562), as in :mod:`brinkwatch`: importing this package or one of its
light modules does not import Ibis, NumPy or the store until a name that needs them is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from brinkwatch._lazy import lazy_exports

#: The series a relation index is computed on, as the CLI and the dashboard offer them (a test
#: keeps them within :data:`SERIES_COLUMNS`); here so that listing them loads nothing heavy.
INDEX_MEASURES = (
    "goldstein_sum",
    "goldstein_mean",
    "net_coop",
    "events",
    "verbal_coop",
    "material_coop",
    "verbal_conflict",
    "material_conflict",
)

#: Public name -> the module it comes from.
_LAZY: dict[str, str] = {
    "DEFAULT_BASELINE": "brinkwatch.measure.index",
    "PENALTY_FACTOR": "brinkwatch.measure.changepoints",
    "SERIES_COLUMNS": "brinkwatch.measure.dyads",
    "Actor": "brinkwatch.measure.dyads",
    "Alarm": "brinkwatch.measure.alarms",
    "AlarmRule": "brinkwatch.measure.alarms",
    "Alarms": "brinkwatch.measure.alarms",
    "ChangePoint": "brinkwatch.measure.changepoints",
    "Coverage": "brinkwatch.measure.relations",
    "Dyad": "brinkwatch.measure.dyads",
    "DyadHeadline": "brinkwatch.measure.relations",
    "DyadMeasure": "brinkwatch.measure.relations",
    "Evidence": "brinkwatch.measure.alarms",
    "Freq": "brinkwatch.measure._periods",
    "LabelledPeriod": "brinkwatch.measure.validity",
    "Labels": "brinkwatch.measure.validity",
    "TriadMeasure": "brinkwatch.measure.relations",
    "ValidityReport": "brinkwatch.measure.validity",
    "Weight": "brinkwatch.measure.dyads",
    "bic_penalty": "brinkwatch.measure.changepoints",
    "calendar": "brinkwatch.measure._periods",
    "change_points": "brinkwatch.measure.changepoints",
    "default_rules": "brinkwatch.measure.alarms",
    "dyad_series": "brinkwatch.measure.dyads",
    "evaluate_alarm_validity": "brinkwatch.measure.validity",
    "evaluate_alarms": "brinkwatch.measure.alarms",
    "indexed_series": "brinkwatch.measure.index",
    "lowest_since": "brinkwatch.measure.index",
    "measure_dyad": "brinkwatch.measure.relations",
    "measure_triad": "brinkwatch.measure.relations",
    "noise_scale": "brinkwatch.measure.changepoints",
    "parse_actor": "brinkwatch.measure.dyads",
    "parse_labels": "brinkwatch.measure.validity",
    "parse_rules": "brinkwatch.measure.alarms",
    "period_start": "brinkwatch.measure._periods",
    "relation_index": "brinkwatch.measure.index",
    "score_alarms": "brinkwatch.measure.validity",
    "top_events": "brinkwatch.measure.evidence",
    "top_events_by_quad": "brinkwatch.measure.evidence",
    "triad_pairs": "brinkwatch.measure.dyads",
    "triad_series": "brinkwatch.measure.dyads",
}

__all__ = [
    "DEFAULT_BASELINE",
    "INDEX_MEASURES",
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

if TYPE_CHECKING:
    from brinkwatch.measure._periods import Freq as Freq
    from brinkwatch.measure._periods import calendar as calendar
    from brinkwatch.measure._periods import period_start as period_start
    from brinkwatch.measure.alarms import Alarm as Alarm
    from brinkwatch.measure.alarms import AlarmRule as AlarmRule
    from brinkwatch.measure.alarms import Alarms as Alarms
    from brinkwatch.measure.alarms import Evidence as Evidence
    from brinkwatch.measure.alarms import default_rules as default_rules
    from brinkwatch.measure.alarms import evaluate_alarms as evaluate_alarms
    from brinkwatch.measure.alarms import parse_rules as parse_rules
    from brinkwatch.measure.changepoints import PENALTY_FACTOR as PENALTY_FACTOR
    from brinkwatch.measure.changepoints import ChangePoint as ChangePoint
    from brinkwatch.measure.changepoints import bic_penalty as bic_penalty
    from brinkwatch.measure.changepoints import change_points as change_points
    from brinkwatch.measure.changepoints import noise_scale as noise_scale
    from brinkwatch.measure.dyads import SERIES_COLUMNS as SERIES_COLUMNS
    from brinkwatch.measure.dyads import Actor as Actor
    from brinkwatch.measure.dyads import Dyad as Dyad
    from brinkwatch.measure.dyads import Weight as Weight
    from brinkwatch.measure.dyads import dyad_series as dyad_series
    from brinkwatch.measure.dyads import parse_actor as parse_actor
    from brinkwatch.measure.dyads import triad_pairs as triad_pairs
    from brinkwatch.measure.dyads import triad_series as triad_series
    from brinkwatch.measure.evidence import top_events as top_events
    from brinkwatch.measure.evidence import top_events_by_quad as top_events_by_quad
    from brinkwatch.measure.index import DEFAULT_BASELINE as DEFAULT_BASELINE
    from brinkwatch.measure.index import indexed_series as indexed_series
    from brinkwatch.measure.index import lowest_since as lowest_since
    from brinkwatch.measure.index import relation_index as relation_index
    from brinkwatch.measure.relations import Coverage as Coverage
    from brinkwatch.measure.relations import DyadHeadline as DyadHeadline
    from brinkwatch.measure.relations import DyadMeasure as DyadMeasure
    from brinkwatch.measure.relations import TriadMeasure as TriadMeasure
    from brinkwatch.measure.relations import measure_dyad as measure_dyad
    from brinkwatch.measure.relations import measure_triad as measure_triad
    from brinkwatch.measure.validity import LabelledPeriod as LabelledPeriod
    from brinkwatch.measure.validity import Labels as Labels
    from brinkwatch.measure.validity import ValidityReport as ValidityReport
    from brinkwatch.measure.validity import evaluate_alarm_validity as evaluate_alarm_validity
    from brinkwatch.measure.validity import parse_labels as parse_labels
    from brinkwatch.measure.validity import score_alarms as score_alarms


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
