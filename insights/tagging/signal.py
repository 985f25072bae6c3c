"""Customer signal of an insight (lead, at risk, reference, competitor) and the organisation it is about.

A text classifier says which signal the words carry; the organisations found in the text
(:mod:`insights.tagging.orgs`) decide whether there is anyone to carry it: no named organisation, no signal,
and suppliers, carriers and vendors never carry one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from insights.tagging.model import NONE
from insights.tagging.orgs import OrgMention
from insights.types import SIGNALS, Signal

__all__ = ["NONE", "decide_signal"]
# Below this probability the best signal is not trusted over "none".
MIN_SIGNAL_PROBABILITY = 0.3
# With a competitor named after « contre », "lost to"…, this much is enough for competitor news.
COMPETITOR_CUE_PROBABILITY = 0.15
# A subject found only by weak clues (a capitalised word and little else) needs a surer signal.
WEAK_SUBJECT_SCORE = 1.5
WEAK_SUBJECT_PROBABILITY = 0.5


def _subject(signal: Signal, mentions: Sequence[OrgMention]) -> OrgMention | None:
    candidates = [m for m in mentions if m.role != "vendor"]
    if signal == "competitor":
        for group in (
            [m for m in candidates if m.role == "competitor"],
            [m for m in candidates if m.competitor_cue and m.role != "customer"],
        ):
            if group:
                return group[0]
    else:
        candidates = [m for m in candidates if m.role != "competitor" or len(candidates) == 1]
        known = [m for m in candidates if m.role == "customer"]
        if known:
            return known[0]
    return candidates[0] if candidates else None


def decide_signal(probabilities: dict[str, float], mentions: Sequence[OrgMention]) -> tuple[Signal | None, str | None]:
    """Pick the signal and its subject from the classifier's probabilities and the organisations found."""
    if not any(m.role != "vendor" for m in mentions):
        return None, None
    ranked = sorted(((p, s) for s, p in probabilities.items() if s in SIGNALS), reverse=True)
    known_competitors = [m for m in mentions if m.role == "competitor"]
    known_customers = [m for m in mentions if m.role == "customer"]
    # News naming a known competitor is competitor news, unless the words clearly speak of a customer.
    if known_competitors and not known_customers:
        return "competitor", known_competitors[0].text
    if not ranked:
        return None, None
    probability, best = ranked[0]
    # "Lost the deal to X", « perdu contre X »: a competitor named after a cue is competitor news.
    if (
        best != "competitor"
        and probabilities.get("competitor", 0.0) >= COMPETITOR_CUE_PROBABILITY
        and any(m.competitor_cue and m.role != "vendor" for m in mentions)
    ):
        best, probability = "competitor", max(probability, MIN_SIGNAL_PROBABILITY)
    signal = cast(Signal, best)
    if probability < MIN_SIGNAL_PROBABILITY or probability < probabilities.get(NONE, 0.0) * 0.8:
        return None, None
    subject = _subject(signal, mentions)
    if subject is None:
        return None, None
    if subject.score < WEAK_SUBJECT_SCORE and subject.role == "unknown" and probability < WEAK_SUBJECT_PROBABILITY:
        return None, None
    return signal, subject.text
