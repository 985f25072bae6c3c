"""One week's insights of a workspace, grouped into themes with a readable label each.

Pipeline: Slack markup out → language (given or detected) → content lemmas with the spaCy pipeline of
that language (parser and NER off) → language-neutral terms (:mod:`insights.themes.lexicon`) → week-space
vectors (:mod:`insights.themes.vectors`) → average-linkage clustering cut at a similarity floor, sampled
above a few thousand insights (:mod:`insights.themes.grouping`) → c-TF-IDF labels (:mod:`insights.themes.labels`)
and a theme-space centroid per theme for week-to-week matching (:mod:`insights.themes.trends`).
Insights with no content word at all (« +1 », a bare link) share one theme labelled ``divers``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from insights.language import detect_language
from insights.pipeline import LoadedPipelines
from insights.tagging.lemmas import content_lemmas
from insights.text import clean_slack_text
from insights.themes.grouping import MERGE_DISTANCE, group_rows
from insights.themes.labels import theme_labels
from insights.themes.vectors import terms_of, theme_centroids, week_vectors
from insights.types import Lang

NO_SUBJECT_LABEL = "divers"


@dataclass(frozen=True)
class ThemeItem:
    """One insight to group: its id, its text, who reported it (for counting), its language if known."""

    id: str
    text: str
    reporter: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class ThemeCluster:
    """A theme of one week: label and keywords from its insights, members, sizes, theme-space centroid."""

    key: str
    label: str
    keywords: tuple[str, ...]
    member_ids: tuple[str, ...]
    size: int
    reporters: int
    centroid: tuple[float, ...]


def _lang(item: ThemeItem, text: str) -> Lang:
    if item.lang == "fr":
        return "fr"
    if item.lang == "en":
        return "en"
    return detect_language(text)


def item_lemmas(items: Sequence[ThemeItem], pipelines: LoadedPipelines) -> list[tuple[str, ...]]:
    """Content lemmas of each item, read with the pipeline of its language."""
    texts = [clean_slack_text(item.text) for item in items]
    langs = [_lang(item, text) for item, text in zip(items, texts, strict=True)]
    return content_lemmas(texts, langs, pipelines)


def cluster_week(items: Sequence[ThemeItem], pipelines: LoadedPipelines, seed: int = 0) -> list[ThemeCluster]:
    """Group one week's insights into themes, biggest first."""
    lemmas = item_lemmas(items, pipelines)
    return cluster_lemmas([item.id for item in items], lemmas, [item.reporter for item in items], seed=seed)


def _assign(terms: list[list[str]], seed: int, distance: float) -> np.ndarray:
    """Theme index per insight; insights without terms get the last index."""
    with_terms = [i for i, doc in enumerate(terms) if doc]
    assignment = np.zeros(len(terms), dtype=np.int64)
    grouped = group_rows(week_vectors([terms[i] for i in with_terms]), distance=distance, seed=seed)
    assignment[with_terms] = grouped
    k = int(grouped.max()) + 1 if len(grouped) else 0
    assignment[[i for i, doc in enumerate(terms) if not doc]] = k
    return assignment


def cluster_lemmas(
    ids: Sequence[str],
    lemmas: Sequence[Sequence[str]],
    reporters: Sequence[str | None] | None = None,
    seed: int = 0,
    distance: float = MERGE_DISTANCE,
) -> list[ThemeCluster]:
    """Group insights given as precomputed content lemmas (skips spaCy: batch jobs, benchmarks)."""
    if len(ids) != len(lemmas):
        raise ValueError("one lemma list per id is needed")
    if not ids:
        return []
    terms = terms_of(lemmas)
    assignment = _assign(terms, seed, distance)
    k = int(assignment.max()) + 1
    labels = theme_labels(lemmas, terms, assignment, k)
    centroids = theme_centroids(terms, assignment, k)
    themes: list[ThemeCluster] = []
    for theme in range(k):
        members = np.flatnonzero(assignment == theme)
        no_subject = not terms[int(members[0])]
        label, keywords = (NO_SUBJECT_LABEL, ()) if no_subject else labels[theme]
        who = {reporters[i] for i in members.tolist() if reporters[i]} if reporters is not None else set()
        themes.append(
            ThemeCluster(
                key=f"t{theme + 1}",
                label=label,
                keywords=keywords,
                member_ids=tuple(ids[i] for i in members.tolist()),
                size=len(members),
                reporters=len(who),
                centroid=centroids[theme],
            )
        )
    return themes
