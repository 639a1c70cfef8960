"""The standard CAMEO dictionaries on disk: download them checksummed, load them with a cache.

The project does not ship PETRARCH2's dictionaries (``CAMEO.2.0.txt`` and the Phoenix actor,
agent and discard files). :func:`fetch_dictionaries` downloads them from the pinned PETRARCH2
commit and checks each against its SHA-256 below; :func:`load_dictionaries` reads a directory
of them, parses and compiles them (:mod:`brinkwatch.coding._petrarch`) and keeps the compiled
form in the user cache directory, keyed by the files' SHA-256, so that the next load only
unpickles it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx
import platformdirs

from brinkwatch.coding import (
    ActorDictionary,
    Dictionaries,
    parse_agents,
    parse_discards,
    parse_petrarch_actors,
    parse_verbs,
)
from brinkwatch.errors import ConfigError, FetchError, LexiconError

__all__ = [
    "BASE_URL",
    "DICTIONARIES_ENV",
    "FILES",
    "compile_dictionaries",
    "default_dictionaries_dir",
    "fetch_dictionaries",
    "load_dictionaries",
]

BASE_URL = (
    "https://raw.githubusercontent.com/openeventdata/petrarch2/676801c/petrarch2/data/dictionaries/"
)
"""PETRARCH2's dictionary folder at the pinned commit 676801c."""

DICTIONARIES_ENV = "BRINKWATCH_DICTIONARIES"
"""Environment variable naming a directory that holds the dictionaries."""

#: The six files and their SHA-256 at the pinned commit.
FILES: dict[str, str] = {
    "CAMEO.2.0.txt": "4a442ee42f7574651ec1c594f127353cdffbf18fa97b207ad5d8298a3cfaa08f",
    "Phoenix.Countries.actors.txt": (
        "8d4ee11692ccb1636a5cf4421849c420508acbd9b930adab457472b843276506"
    ),
    "Phoenix.International.actors.txt": (
        "6fafbbe39bc47858edb9262411ab005b97977818237f85f3808fd11701a3ad2c"
    ),
    "Phoenix.MilNonState.actors.txt": (
        "78496d642ceb3501137f12a3d8af7820b139319200b5ecffa05f0f91a2508f3b"
    ),
    "Phoenix.agents.txt": "336330de3ae91cb7daeeb50a7320ff4c9f11e5e69b6dd3a4ebedc522751a95c6",
    "Phoenix.discards.txt": "862e66f907e520906142fff15a2be58c540c11f2ebdc0610e97fe45c36ed067a",
}
_ACTOR_FILES = (
    "Phoenix.Countries.actors.txt",
    "Phoenix.International.actors.txt",
    "Phoenix.MilNonState.actors.txt",
)
# The largest file is 1.5 MB; anything far bigger is not one of them.
_MAX_BYTES = 32 << 20
# Bump when the compiled form changes, so that old caches are not read.
_CACHE_VERSION = "3"


def default_dictionaries_dir() -> Path:
    """Return where the dictionaries live: ``$BRINKWATCH_DICTIONARIES`` or the data directory.

    The data directory is ``platformdirs.user_data_dir("brinkwatch")``; the dictionaries go
    to its ``dictionaries`` folder.
    """
    env = os.environ.get(DICTIONARIES_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("brinkwatch")) / "dictionaries"


def fetch_dictionaries(
    dest: Path,
    *,
    base_url: str = BASE_URL,
    client: httpx.Client | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Download the six dictionary files to ``dest``, each checked against its SHA-256.

    A file already present with the right checksum is kept. A file is written under a
    temporary name and renamed only once its checksum matches.

    Parameters
    ----------
    dest
        Directory to write to (created if missing).
    base_url
        Where the files are; the pinned PETRARCH2 commit by default.
    client
        An ``httpx.Client`` to use (tests, proxies); a new one otherwise.
    progress
        Called with each file name as it is done.

    Returns
    -------
    list of Path
        The six files.

    Raises
    ------
    FetchError
        When a download fails or a file's checksum does not match.
    """
    dest.mkdir(parents=True, exist_ok=True)
    base = base_url if base_url.endswith("/") else base_url + "/"
    own = client is None
    http = client or httpx.Client(timeout=60.0, follow_redirects=True)
    out: list[Path] = []
    try:
        for name, sha in FILES.items():
            path = dest / name
            if not (path.is_file() and _sha256(path.read_bytes()) == sha):
                _download(http, base + name, path, sha)
            out.append(path)
            if progress is not None:
                progress(name)
    finally:
        if own:
            http.close()
    return out


def _download(http: httpx.Client, url: str, path: Path, sha: str) -> None:
    try:
        resp = http.get(url)
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot download {url}: {exc}; check the network and re-run") from exc
    if resp.status_code != 200:
        raise FetchError(f"{url} answered HTTP {resp.status_code}; check the URL and re-run")
    body = resp.content
    if len(body) > _MAX_BYTES:
        raise FetchError(f"{url} sent {len(body)} bytes, far more than a dictionary holds")
    got = _sha256(body)
    if got != sha:
        raise FetchError(
            f"checksum mismatch for {url}: SHA-256 {got}, expected {sha}; the file is not the "
            "pinned PETRARCH2 dictionary (a proxy page, or a changed file); nothing was written",
            path=path,
        )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".part")
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    Path(tmp).replace(path)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > _MAX_BYTES:
            raise LexiconError(
                f"{size} bytes is far more than a dictionary holds; is this the right file?",
                path=path,
            )
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the dictionary: {exc}; run 'brinkwatch fetch dictionaries' or pass "
            "--dictionaries DIR with the six files",
            path=path,
        ) from exc


def compile_dictionaries(texts: dict[str, str], name: str) -> Dictionaries:
    """Parse the six files' texts (keyed by file name) into :class:`Dictionaries`."""
    verbs = parse_verbs(texts["CAMEO.2.0.txt"], source="CAMEO.2.0.txt")
    actors = ActorDictionary()
    for f in _ACTOR_FILES:
        actors = actors.extended(parse_petrarch_actors(texts[f], source=f, lenient=True))
    suffix, prefix, _ = parse_agents(texts["Phoenix.agents.txt"], source="Phoenix.agents.txt")
    actors = ActorDictionary(actors.entries, suffix)
    sentence, story = parse_discards(texts["Phoenix.discards.txt"], source="Phoenix.discards.txt")
    return Dictionaries(verbs, actors, prefix, sentence, story, name)


def load_dictionaries(
    directory: Path | None = None, *, cache_dir: Path | None = None
) -> Dictionaries:
    """Load the standard dictionaries from ``directory``, from the cache when it is current.

    Parameters
    ----------
    directory
        Holds the six files (:data:`FILES`); :func:`default_dictionaries_dir` when ``None``.
        Their checksums need not match the pinned ones (a user may edit them): the cache is
        keyed by what the files hold.
    cache_dir
        Where the compiled form is kept; the user cache directory when ``None``.

    Returns
    -------
    Dictionaries
        Named ``CAMEO.2.0 + Phoenix (DIRECTORY)``.

    Raises
    ------
    ConfigError
        When a file is missing, naming it and how to get it.
    LexiconError
        When a file cannot be parsed, with its name and line.
    """
    directory = directory or default_dictionaries_dir()
    missing = [n for n in FILES if not (directory / n).is_file()]
    if missing:
        raise ConfigError(
            f"the dictionaries directory lacks {', '.join(missing)}; run 'brinkwatch fetch "
            "dictionaries' or point --dictionaries (or $BRINKWATCH_DICTIONARIES) at a copy",
            path=directory,
        )
    raw = {n: _read(directory / n) for n in FILES}
    key = hashlib.sha256(
        (_CACHE_VERSION + "".join(_sha256(raw[n]) for n in FILES)).encode()
    ).hexdigest()
    cache = (cache_dir or Path(platformdirs.user_cache_dir("brinkwatch"))) / "dictionaries"
    cached = cache / f"{key}.pickle"
    name = f"CAMEO.2.0 + Phoenix ({directory})"
    if cached.is_file():
        try:
            with cached.open("rb") as fh:
                # Our own file, written below under a key of the inputs' content.
                got = pickle.load(fh)
            if isinstance(got, Dictionaries):
                return Dictionaries(
                    got.verbs, got.actors, got.prefix_agents, got.sentence_discards,
                    got.story_discards, name,
                )  # fmt: skip
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            pass  # a stale or broken cache is rebuilt
    texts = {n: b.decode("utf-8", errors="replace") for n, b in raw.items()}
    compiled = compile_dictionaries(texts, name)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(compiled, fh, protocol=pickle.HIGHEST_PROTOCOL)
        Path(tmp).replace(cached)
    except OSError:
        pass  # no cache: the next load parses again
    return compiled
