"""Cue words for customer signals, French and English, with negation: features for the signal classifier.

The cue patterns (regex fragments over lower-case, accent-free text) live in
``insights/data/signal_cues.json``, one list per family. A cue with a negation in the three words before
it (« pas », « jamais », "not", "no longer"…) counts as negated, not as the cue: « ne menace plus de
partir » is no risk, "not interested" is no lead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from importlib import resources
from typing import Final

import numpy as np
from numpy.typing import NDArray

from insights.tagging.kind_rules import any_word, normalize

__all__ = ["FEATURE_NAMES", "UNNAMED_COMPETITOR", "cue_counts", "normalize", "signal_features"]

_CUES: dict[str, list[str]] = json.loads(
    resources.files("insights").joinpath("data/signal_cues.json").read_text("utf-8")
)
# The four signals, then suppliers (« fournisseur », "carrier") and customer words (« client », "their").
FAMILIES: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (name, any_word(*_CUES[name])) for name in ("lead", "at_risk", "reference", "competitor", "vendor", "customer")
)
# « l'offre d'un concurrent », "a competitor's price": a competitor spoken of without a name.
UNNAMED_COMPETITOR: Final = any_word(*_CUES["unnamed_competitor"])
NEGATION: Final = re.compile(
    r"(?<![\w])(?:ne|pas|plus|jamais|aucun\w*|sans|ni|no|not|never|nobody|don't|doesn't|didn't|won't|isn't|"
    r"no longer|n')(?![\w])"
)
# Cues that carry their own negation and must not be read as negated.
_SELF_NEGATED = re.compile(r"^(?:ne renouvel|pas renouvel|pas content|sent pas|plus de reponse|toujours pas|aucune)")
FEATURE_NAMES: Final = tuple([name for name, _ in FAMILIES] + [f"not_{name}" for name, _ in FAMILIES[:4]])
_UNNEGATED = frozenset({"vendor", "customer"})


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - 30) : start].split()[-3:]
    return bool(NEGATION.search(" ".join(window)))


def cue_counts(text: str) -> dict[str, float]:
    """Cues per family in one text, negated cues of the four signals counted apart (``not_at_risk``…)."""
    t = normalize(text)
    out = dict.fromkeys(FEATURE_NAMES, 0.0)
    for name, pattern in FAMILIES:
        for m in pattern.finditer(t):
            if name in _UNNEGATED or _SELF_NEGATED.match(m.group(0)) or not _negated(t, m.start()):
                out[name] += 1.0
            else:
                out[f"not_{name}"] += 1.0
    return out


def signal_features(texts: Iterable[str]) -> NDArray[np.float64]:
    """One row of squashed cue counts per text, in :data:`FEATURE_NAMES` order."""
    rows = [cue_counts(t) for t in texts]
    arr = np.asarray([[r[n] for n in FEATURE_NAMES] for r in rows], dtype=np.float64)
    arr = arr.reshape(-1, len(FEATURE_NAMES))
    return arr / (1.0 + arr)
