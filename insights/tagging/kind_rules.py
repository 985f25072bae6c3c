"""Keyword rules for the kind of an insight: cue words per kind, negation, sarcasm, where the proposal sits.

The rules work on the lower-cased, accent-free text with stem patterns (``plant(e|ent|é)``), so they
need no spaCy call and the classifier that they feed trains in about a second. They give both a
stand-alone guess (:func:`rule_kind`) and numeric features for the trained model (:func:`kind_features`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from insights.text import clean_slack_text
from insights.types import Kind


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Lower-case, accent-free, Slack-free text that the cue patterns are written for."""
    text = clean_slack_text(text).lower().replace("’", "'")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def any_word(*words: str) -> re.Pattern[str]:
    """A pattern matching any of ``words`` (regex fragments) as whole words of normalised text."""
    return re.compile(r"(?<![\w])(?:" + "|".join(words) + r")(?![\w])")


# The cue words per kind (regex fragments over normalised text) live in a data file, edited without code.
_CUES: dict[str, list[str]] = json.loads(resources.files("insights").joinpath("data/kind_cues.json").read_text("utf-8"))
PROBLEM = any_word(*_CUES["problem"])
DYSFUNCTION = any_word(*_CUES["dysfunction"])
SUCCESS = any_word(*_CUES["success"])
IDEA = any_word(*_CUES["idea"])
OTHER = any_word(*_CUES["other"])
# "pas de souci", "aucune erreur", "zero retard", "no issues": a problem word that is denied.
NEGATED_PROBLEM = re.compile(
    r"(?<!\w)(?:pas (?:de|d'un|une seule|un seul|une|un)|pas d'|aucune?|zero|0|plus (?:de|d'|aucune?)|sans"
    r"|no|not a single|zero|without(?: a)?|never had a)\s*(?:\w+\s){0,2}?"
    r"(?:soucis?|problemes?|pannes?|retards?|erreurs?|bugs?|reclamations?|plaintes?|coupures?|casse|incidents?"
    r"|issues?|complaints?|downtime|problems?|late|delays?|errors?|tickets?|hitch|alarms? missed|alerte manquee)(?!\w)"
)
POSITIVE_OPENER = re.compile(
    r"^(?:super|genial|trop bien|bravo|parfait|top|ouf|great|wonderful|fantastic|oh fantastic|perfect|nice|love"
    r" (?:how|that)|bien joue)\b"
)
IRONY = re.compile(r"(?<!\w)(?:encore|again|toujours|record battu|very (?:agile|efficient)|truly|🙃|🙄|😑|🤡|💀)(?!\w)")
QUESTION_END = re.compile(r"\?\s*\W*$")
HEDGED_TAIL = re.compile(r"(?:peut-etre|un jour|maybe|perhaps)[^.!?]*[.?!]?\s*\W*$")

FEATURE_NAMES = (
    "problem",
    "dysfunction",
    "success",
    "idea",
    "other",
    "negated_problem",
    "sarcasm",
    "idea_first",
    "idea_tail_only",
    "question",
    "short",
    "exclaim",
)


def _count(pattern: re.Pattern[str], text: str) -> int:
    return len(pattern.findall(text))


def cue_counts(text: str) -> dict[str, float]:
    """Count the cues of each kind in one insight, with negation and sarcasm applied."""
    t = normalize(text)
    negated = _count(NEGATED_PROBLEM, t)
    problem = max(0, _count(PROBLEM, t) - negated)
    sarcasm = float(bool(POSITIVE_OPENER.search(t) and (IRONY.search(t) or problem)))
    success = _count(SUCCESS, t) + negated
    if sarcasm:
        success = 0
    # The proposal is the point when it opens the message ("Et si…", "Proposal:", "We could…").
    first_idea = IDEA.search(t)
    idea_first = float(first_idea is not None and first_idea.start() <= max(25, len(t) // 3))
    idea_any = _count(IDEA, t)
    idea_tail_only = float(idea_any > 0 and not idea_first and bool(HEDGED_TAIL.search(t)))
    return {
        "problem": float(problem),
        "dysfunction": float(_count(DYSFUNCTION, t)),
        "success": float(success),
        "idea": float(idea_any),
        "other": float(_count(OTHER, t)),
        "negated_problem": float(negated),
        "sarcasm": sarcasm,
        "idea_first": idea_first,
        "idea_tail_only": idea_tail_only,
        "question": float(bool(QUESTION_END.search(t))),
        "short": float(len(t.split()) <= 6),
        "exclaim": float("!" in t),
    }


def kind_features(texts: Iterable[str]) -> NDArray[np.float64]:
    """One row of rule features per text, squashed to [0, 1) so they sit beside TF-IDF weights."""
    rows = [[counts[name] for name in FEATURE_NAMES] for counts in map(cue_counts, texts)]
    arr = np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURE_NAMES))
    return arr / (1.0 + arr)


def rule_kind(text: str) -> tuple[Kind, float]:
    """The rules' own guess, used when no trained model is available; confidence is deliberately modest."""
    c = cue_counts(text)
    if c["sarcasm"]:
        return ("dysfunction" if c["dysfunction"] > c["problem"] else "problem"), 0.6
    scores: dict[Kind, float] = {
        "idea": c["idea"] * 1.5 + c["idea_first"] * 2 - c["idea_tail_only"] * 2,
        "problem": c["problem"],
        "dysfunction": c["dysfunction"] * 0.8,
        "success": c["success"],
        "other": c["other"] + c["question"],
    }
    ranked: Sequence[tuple[Kind, float]] = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top <= 0:
        return "other", 0.3
    return best, round(min(0.9, 0.4 + 0.1 * (top - second)), 3)
