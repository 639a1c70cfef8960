"""Code English text into CAMEO events with their evidence (spaCy dependency parses).

``Coder().code(text, date=...)`` finds events with the project's verb-pattern lexicon
(``data/coding/lexicon.yaml``) and actor dictionary (``data/coding/actors.yaml``); each event
carries its sentence, character span, rule and confidence, and :func:`events_to_table` turns
them into rows with the store's canonical columns (origin ``coded``). ``docs/coding.md``
describes the lexicon, the syntax the coder understands and its measured accuracy.
"""

from brinkwatch.coding._actors import (
    Actor,
    ActorDictionary,
    ActorEntry,
    default_actors,
    parse_actor_yaml,
    parse_petrarch_actors,
)
from brinkwatch.coding._coder import CodedEvent, CodedEvents, Coder, events_to_table
from brinkwatch.coding._evaluate import (
    EvaluationReport,
    Record,
    evaluate,
    parse_validation_records,
)
from brinkwatch.coding._lexicon import Lexicon, default_lexicon, parse_lexicon
from brinkwatch.coding._model import load_model
from brinkwatch.coding._petrarch import (
    Dictionaries,
    PhrasePattern,
    VerbDictionary,
    parse_agents,
    parse_discards,
    parse_verbs,
)

__all__ = [
    "Actor",
    "ActorDictionary",
    "ActorEntry",
    "CodedEvent",
    "CodedEvents",
    "Coder",
    "Dictionaries",
    "EvaluationReport",
    "Lexicon",
    "PhrasePattern",
    "Record",
    "VerbDictionary",
    "default_actors",
    "default_lexicon",
    "evaluate",
    "events_to_table",
    "load_model",
    "parse_actor_yaml",
    "parse_agents",
    "parse_discards",
    "parse_lexicon",
    "parse_petrarch_actors",
    "parse_validation_records",
    "parse_verbs",
]
