"""Hand-built readings for the theme engine's tests: no spaCy model, no USE weights.

A reading's words are tagged by a few rules (articles, prepositions, capitalised names) and its vector
is a deterministic bag of hashed word vectors, so insights that share words are close: enough to test
the catalogue's logic, not the encoder's quality.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from insights.themes.features import fold
from insights.themes.types import Reading, Word

DETS = {"le", "la", "les", "l'", "un", "une", "des", "du", "the", "a", "an", "our", "my", "ce", "cette"}
ADPS = {"de", "d'", "à", "au", "aux", "en", "pour", "sur", "dans", "of", "for", "on", "in", "with", "avec"}
STOPS = {"est", "sont", "encore", "is", "are", "again", "et", "and", "pas", "not", "trop", "très", "too"}
ADJS = {"cassée", "lent", "lente", "lents", "broken", "slow", "new", "nouveau", "nouvelle", "down", "froid", "cold"}
TOKEN = re.compile(r"\w+'|\w+’|[\w-]+|[^\w\s]")


def _word_vector(word: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(fold(word).encode(), digest_size=8).digest(), "little")
    return np.random.default_rng(seed).standard_normal(512).astype(np.float32)


def make_reading(id: str, text: str, lang: str = "fr", reporter: str | None = None) -> Reading:
    words: list[Word] = []
    start = True
    for token in TOKEN.findall(text):
        low = token.lower()
        if not token[0].isalnum():
            pos = "PUNCT"
        elif low in DETS:
            pos = "DET"
        elif low in ADPS:
            pos = "ADP"
        elif low in ADJS:
            pos = "ADJ"
        elif low in STOPS:
            pos = "AUX"
        elif token[0].isupper() and not token.isupper():
            pos = "PROPN"
        else:
            pos = "NOUN"
        person = pos == "PROPN" and not start
        words.append(Word(token, low, pos, is_stop=low in STOPS | DETS | ADPS, person=person, sent_start=start))
        start = token in {".", "!", "?"}
    content = [w for w in words if w.pos in {"NOUN", "ADJ"}]
    vector = sum((_word_vector(w.lemma) for w in content), np.zeros(512, np.float32)) + _word_vector("<work>") * 0.5
    vector = vector / np.linalg.norm(vector)
    return Reading(id=id, lang=lang, words=tuple(words), vector=vector.astype(np.float32), reporter=reporter)


@pytest.fixture
def vpn_week() -> list[Reading]:
    """Two subjects in two languages, and one insight about nothing else."""
    return [
        make_reading("v1", "Le VPN est encore down, impossible de bosser depuis la maison.", "fr"),
        make_reading("v2", "VPN down again from home this morning.", "en"),
        make_reading("v3", "Coupure du VPN à la maison, VPN down pendant la réunion.", "fr"),
        make_reading("n1", "Quatre signatures pour une note de frais de 12 euros.", "fr"),
        make_reading("n2", "Ma note de frais bloquée depuis trois semaines, frais de taxi.", "fr"),
        make_reading("n3", "Expense report: four signatures for a taxi note de frais.", "en"),
        make_reading("c1", "La machine à café du deuxième étage fuit.", "fr"),
    ]
