"""Theme scaling: clustering + labels + trends for 1k, 10k and 100k insights in one week.

Run from the repository root: ``python -m bench.themes``. Add ``--spacy`` to also time the full path
from raw text (language detection, spaCy lemmas) for 1k and 10k insights, and ``--spacy-100k`` for
100k too (spaCy alone reads ~300 of these 1–3-sentence insights a second on 2 cores: ~5 minutes).
Each measurement runs in a fresh subprocess, so its peak RSS is its own; ``+RSS_MB`` is how much the
peak grew while clustering (the process already holds the spaCy model and the synthetic data, so small
runs show 0), and ``traced_MB`` the peak of memory allocated by the clustering itself (tracemalloc, in
a second, untimed run).

The synthetic weeks recombine the dev set (``insights_dev.jsonl``): its 260 insights are cut into
sentences, each sentence keeps its insight's gold theme, language and spaCy lemmas (computed once);
a synthetic insight picks a theme (Zipf-like: the biggest theme ~8× the smallest), then 1–3 random
sentences of that theme, so texts are realistic, new combinations, and keep a gold theme (NMI is printed
too, for scale, not as a quality figure). Reporters are drawn from a pool of n/5 people.

Baseline in the same run: TF-IDF over the same terms + MiniBatchKMeans with a fixed k = 20.
"""

from __future__ import annotations

import json
import random
import re
import resource
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import normalized_mutual_info_score

from bench.quality_themes import data_dir
from insights.pipeline import LoadedPipelines, load_pipelines
from insights.tagging.lemmas import content_lemmas
from insights.text import clean_slack_text
from insights.themes.trends import PastTheme, as_past, theme_trends
from insights.themes.vectors import term_tfidf, terms_of
from insights.themes.weekly import ThemeCluster, ThemeItem, cluster_lemmas, cluster_week

SIZES = (1_000, 10_000, 100_000)
BASELINE_K = 20
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class Sentence:
    """A sentence of a dev insight, with what it is about."""

    theme: str
    lang: str
    text: str
    lemmas: tuple[str, ...]


def dev_sentences(pipelines: LoadedPipelines) -> list[Sentence]:
    """Sentences of the dev insights with their gold theme and lemmas (spaCy runs once, on 260 texts)."""
    with (data_dir() / "insights_dev.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    parts = [(r["theme"], r["lang"], s) for r in rows for s in _SENTENCE.split(r["text"]) if len(s.split()) >= 3]
    lemmas = content_lemmas([clean_slack_text(p[2]) for p in parts], [p[1] for p in parts], pipelines)
    return [Sentence(theme, lang, text, lem) for (theme, lang, text), lem in zip(parts, lemmas, strict=True)]


Week = tuple[list[str], list[ThemeItem], list[tuple[str, ...]]]


def synthetic_week(sentences: list[Sentence], n: int, seed: int) -> Week:
    """n synthetic insights: gold themes, items (text, reporter, lang) and their lemmas."""
    rng = random.Random(seed)
    by_theme: dict[str, list[Sentence]] = {}
    for sentence in sentences:
        by_theme.setdefault(sentence.theme, []).append(sentence)
    themes = sorted(by_theme)
    rng.shuffle(themes)
    weights = [1 / (rank + 1) ** 0.75 for rank in range(len(themes))]
    gold, items, lemmas = [], [], []
    for i in range(n):
        theme = rng.choices(themes, weights)[0]
        picked = rng.sample(by_theme[theme], min(len(by_theme[theme]), rng.randint(1, 3)))
        gold.append(theme)
        reporter = f"U{rng.randrange(n // 5 + 1)}"
        items.append(ThemeItem(id=str(i), text=" ".join(s.text for s in picked), reporter=reporter))
        lemmas.append(tuple(lemma for s in picked for lemma in s.lemmas))
    return gold, items, lemmas


def _assignment(themes: list[ThemeCluster], n: int) -> list[str]:
    owner = [""] * n
    for theme in themes:
        for member in theme.member_ids:
            owner[int(member)] = theme.key
    return owner


def _history(sentences: list[Sentence]) -> list[PastTheme]:
    """Eight earlier weeks of 1,000 insights each, to match this week's themes against."""
    past: list[PastTheme] = []
    for week in range(1, 9):
        _, items, lemmas = synthetic_week(sentences, 1_000, seed=100 + week)
        past.extend(as_past(cluster_lemmas([i.id for i in items], lemmas), week))
    return past


def measure(mode: str, n: int) -> dict[str, Any]:
    """One measurement, meant to run alone in its process: time, peak RSS, themes, NMI."""
    loaded = load_pipelines()
    sentences = dev_sentences(loaded)
    gold, items, lemmas = synthetic_week(sentences, n, seed=n)
    history = _history(sentences) if mode != "baseline" else []
    pipelines = loaded if mode == "spacy" else None
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    predicted, k, trend_seconds = _cluster(mode, items, lemmas, history, pipelines)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    traced = float("nan")
    if mode != "spacy":  # a second, traced run: tracemalloc slows Python code down, so not timed
        tracemalloc.start()
        _cluster(mode, items, lemmas, history, pipelines)
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return {
        "mode": mode,
        "n": n,
        "seconds": seconds,
        "trend_seconds": trend_seconds,
        "k": k,
        "peak_mb": peak / 1024,
        "growth_mb": (peak - before) / 1024,
        "traced_mb": traced,
        "nmi": normalized_mutual_info_score(gold, predicted),
    }


def _cluster(
    mode: str,
    items: list[ThemeItem],
    lemmas: list[tuple[str, ...]],
    history: list[PastTheme],
    pipelines: LoadedPipelines | None,
) -> tuple[list[str], int, float]:
    """Theme of each insight, number of themes, seconds spent on trends."""
    if mode == "baseline":
        matrix, _ = term_tfidf(terms_of(lemmas))
        predicted = [str(x) for x in MiniBatchKMeans(BASELINE_K, random_state=0, n_init=3).fit_predict(matrix)]
        return predicted, BASELINE_K, 0.0
    if pipelines is not None:
        themes = cluster_week(items, pipelines)
    else:
        themes = cluster_lemmas([i.id for i in items], lemmas, [i.reporter for i in items])
    trend_started = time.perf_counter()
    trends = theme_trends(themes, history, 9)
    trend_seconds = time.perf_counter() - trend_started
    assert len(trends) == len(themes)
    return _assignment(themes, len(items)), len(themes), trend_seconds


def _run_child(mode: str, n: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.themes", "--one", mode, str(n)], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Print time, peak memory and growth per size for the system and the baseline."""
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
        return
    runs: list[tuple[str, tuple[int, ...]]] = [("lemmas", SIZES), ("baseline", SIZES)]
    if "--spacy" in sys.argv:
        runs.append(("spacy", SIZES if "--spacy-100k" in sys.argv else SIZES[:2]))
    print("mode      n        seconds  ×prev   trends_s  themes  peak_RSS_MB  +RSS_MB  traced_MB  NMI(synthetic gold)")
    for mode, sizes in runs:
        previous = None
        for n in sizes:
            r = _run_child(mode, n)
            ratio = f"{r['seconds'] / previous:5.1f}" if previous else "    -"
            previous = r["seconds"]
            print(
                f"{mode:9s} {n:<8d} {r['seconds']:7.2f}  {ratio}  {r['trend_seconds']:8.3f}  {r['k']:6d}  "
                f"{r['peak_mb']:11.0f}  {r['growth_mb']:7.0f}  {r['traced_mb']:9.0f}  {r['nmi']:.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
