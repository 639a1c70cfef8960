"""brinkwatch: watch, measure, explain and simulate crises between allied states.

The public API is re-exported here; stages live in subpackages (``ingest``, ``store``,
``measure``, ``explain``, ``simulate``, ``coding``, ``report``).
"""

from brinkwatch.errors import (
    BrinkwatchError,
    CodebookError,
    ConfigError,
    FetchError,
    FileFormatError,
    IntegrityError,
    MappingError,
    StoreError,
)

__version__ = "0.1.0"

__all__ = [
    "BrinkwatchError",
    "CodebookError",
    "ConfigError",
    "FetchError",
    "FileFormatError",
    "IntegrityError",
    "MappingError",
    "StoreError",
    "__version__",
]
