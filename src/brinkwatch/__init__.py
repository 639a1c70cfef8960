"""brinkwatch: watch, measure, explain and simulate crises between allied states.

The public API is re-exported here: the stages' entry points, the shared types, and every error
and warning class. Stages live in subpackages (``ingest``, ``store``, ``measure``, ``explain``,
``simulate``, ``coding``, ``report``); ``brinkwatch.ingest`` is always the subpackage (its entry
point is ``brinkwatch.ingest.ingest``), whatever was imported first.

Names load lazily (PEP 562): ``import brinkwatch`` imports none of the stages, so the CLI starts
fast; ``brinkwatch.connect`` imports :mod:`brinkwatch.store` on first use. To export a name,
add one line to ``_LAZY``; the ``TYPE_CHECKING`` imports below repeat it for type checkers, and
``tests/test_exported_members.py`` checks that the two agree.

Examples
--------
>>> import brinkwatch
>>> store = brinkwatch.connect(":memory:")
>>> brinkwatch.ingest.ingest(store, []).read
0
>>> issubclass(brinkwatch.SparseDataWarning, brinkwatch.BrinkwatchWarning)
True
>>> brinkwatch.measure_dyad.__module__
'brinkwatch.measure.relations'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from brinkwatch._lazy import lazy_exports

__version__ = "0.1.0"

#: Public name -> the module it comes from. One line per name.
_LAZY: dict[str, str] = {
    # store and ingest
    "connect": "brinkwatch.store",
    "Store": "brinkwatch.store",
    "IngestReport": "brinkwatch.ingest",
    # measure
    "measure_dyad": "brinkwatch.measure",
    "measure_triad": "brinkwatch.measure",
    "dyad_series": "brinkwatch.measure",
    "triad_series": "brinkwatch.measure",
    "relation_index": "brinkwatch.measure",
    "change_points": "brinkwatch.measure",
    "evaluate_alarms": "brinkwatch.measure",
    # explain
    "explain_triad": "brinkwatch.explain",
    "TriadVAR": "brinkwatch.explain",
    # simulate
    "parse_scenario": "brinkwatch.simulate",
    "fit_dynamics": "brinkwatch.simulate",
    "run_scenario": "brinkwatch.simulate",
    "run_variants": "brinkwatch.simulate",
    "HawkesModel": "brinkwatch.simulate",
    # coding
    "Coder": "brinkwatch.coding",
    # report
    "gather_brief": "brinkwatch.report.brief",
    "render_brief": "brinkwatch.report.brief",
    # shared types
    "Progress": "brinkwatch._types",
    "SeedLike": "brinkwatch._types",
    # errors
    "BrinkwatchError": "brinkwatch.errors",
    "BusyError": "brinkwatch.errors",
    "ClusterError": "brinkwatch.errors",
    "CodebookError": "brinkwatch.errors",
    "ConfigError": "brinkwatch.errors",
    "DeliveryError": "brinkwatch.errors",
    "FetchError": "brinkwatch.errors",
    "WatchLockedError": "brinkwatch.errors",
    "FileFormatError": "brinkwatch.errors",
    "InsufficientDataError": "brinkwatch.errors",
    "IntegrityError": "brinkwatch.errors",
    "LexiconError": "brinkwatch.errors",
    "MappingError": "brinkwatch.errors",
    "ModelMissingError": "brinkwatch.errors",
    "NotFittedError": "brinkwatch.errors",
    "RegisterError": "brinkwatch.errors",
    "ScenarioError": "brinkwatch.errors",
    "SimulationError": "brinkwatch.errors",
    "StoreError": "brinkwatch.errors",
    "StoreLockedError": "brinkwatch.errors",
    # warnings
    "BrinkwatchWarning": "brinkwatch.errors",
    "ConvergenceWarning": "brinkwatch.errors",
    "CoverageWarning": "brinkwatch.errors",
    "ExplosiveModelWarning": "brinkwatch.errors",
    "NonStationaryWarning": "brinkwatch.errors",
    "OriginOverrideWarning": "brinkwatch.errors",
    "SparseDataWarning": "brinkwatch.errors",
}

__all__ = [*_LAZY, "__version__"]

if TYPE_CHECKING:
    from brinkwatch._types import Progress as Progress
    from brinkwatch._types import SeedLike as SeedLike
    from brinkwatch.coding import Coder as Coder
    from brinkwatch.errors import BrinkwatchError as BrinkwatchError
    from brinkwatch.errors import BrinkwatchWarning as BrinkwatchWarning
    from brinkwatch.errors import BusyError as BusyError
    from brinkwatch.errors import ClusterError as ClusterError
    from brinkwatch.errors import CodebookError as CodebookError
    from brinkwatch.errors import ConfigError as ConfigError
    from brinkwatch.errors import ConvergenceWarning as ConvergenceWarning
    from brinkwatch.errors import CoverageWarning as CoverageWarning
    from brinkwatch.errors import DeliveryError as DeliveryError
    from brinkwatch.errors import ExplosiveModelWarning as ExplosiveModelWarning
    from brinkwatch.errors import FetchError as FetchError
    from brinkwatch.errors import FileFormatError as FileFormatError
    from brinkwatch.errors import InsufficientDataError as InsufficientDataError
    from brinkwatch.errors import IntegrityError as IntegrityError
    from brinkwatch.errors import LexiconError as LexiconError
    from brinkwatch.errors import MappingError as MappingError
    from brinkwatch.errors import ModelMissingError as ModelMissingError
    from brinkwatch.errors import NonStationaryWarning as NonStationaryWarning
    from brinkwatch.errors import NotFittedError as NotFittedError
    from brinkwatch.errors import OriginOverrideWarning as OriginOverrideWarning
    from brinkwatch.errors import RegisterError as RegisterError
    from brinkwatch.errors import ScenarioError as ScenarioError
    from brinkwatch.errors import SimulationError as SimulationError
    from brinkwatch.errors import SparseDataWarning as SparseDataWarning
    from brinkwatch.errors import StoreError as StoreError
    from brinkwatch.errors import StoreLockedError as StoreLockedError
    from brinkwatch.errors import WatchLockedError as WatchLockedError
    from brinkwatch.explain import TriadVAR as TriadVAR
    from brinkwatch.explain import explain_triad as explain_triad
    from brinkwatch.ingest import IngestReport as IngestReport
    from brinkwatch.measure import change_points as change_points
    from brinkwatch.measure import dyad_series as dyad_series
    from brinkwatch.measure import evaluate_alarms as evaluate_alarms
    from brinkwatch.measure import measure_dyad as measure_dyad
    from brinkwatch.measure import measure_triad as measure_triad
    from brinkwatch.measure import relation_index as relation_index
    from brinkwatch.measure import triad_series as triad_series
    from brinkwatch.report.brief import gather_brief as gather_brief
    from brinkwatch.report.brief import render_brief as render_brief
    from brinkwatch.simulate import HawkesModel as HawkesModel
    from brinkwatch.simulate import fit_dynamics as fit_dynamics
    from brinkwatch.simulate import parse_scenario as parse_scenario
    from brinkwatch.simulate import run_scenario as run_scenario
    from brinkwatch.simulate import run_variants as run_variants
    from brinkwatch.store import Store as Store
    from brinkwatch.store import connect as connect


#: Stages reached as attributes (``brinkwatch.ingest.ingest``), imported on first use. A stage
#: and an exported name never share a name, so the attribute means the same in any import order.
_STAGES = ("coding", "explain", "ingest", "measure", "report", "simulate", "store")

_exported, __dir__ = lazy_exports(__name__, _LAZY)


def __getattr__(name: str) -> Any:
    if name in _STAGES:
        return importlib.import_module(f"{__name__}.{name}")
    return _exported(name)
