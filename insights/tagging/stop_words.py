"""Stop words, read from a data file so the web process never imports spaCy's French language data.

``spacy.lang.fr.stop_words`` pulls in French tokenizer exceptions (seconds to import); the near-duplicate
index in the web process only needs the word lists.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Final

_LISTS: Final = json.loads(resources.files("insights").joinpath("data/stop_words.json").read_text("utf-8"))

FR_STOP_WORDS: Final = frozenset(_LISTS["fr"])
EN_STOP_WORDS: Final = frozenset(_LISTS["en"])
# Content words to the tagger that say nothing about the subject of an insight ("faire", "truc", "merci").
GENERIC: Final = frozenset(_LISTS["generic"])
STOP_WORDS: Final = FR_STOP_WORDS | EN_STOP_WORDS | GENERIC
