"""Theme quality: NMI/ARI with the number of themes chosen by the system, against a true-k baseline.

Run from the repository root: ``python -m bench.quality_themes``. Data: ``insights_dev.jsonl`` (gold
``theme`` per ``week`` 1–3) and ``banking77_test.csv`` (77 intents) from ``$PEPITES_DATA_DIR``, else
``../shared/data``. Beside each figure, in the same run: TF-IDF (word 1–2-grams of the cleaned text) +
KMeans given the TRUE number of themes, and "every insight alone" (NMI rewards many small clusters;
this shows how much). Trend accuracy: gold trends are derived from the gold themes' sizes across weeks
with the rules of :mod:`insights.themes.trends`; each system theme is mapped to its majority gold theme and
its trend compared with that theme's gold trend.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from insights.pipeline import LoadedPipelines, load_pipelines
from insights.text import clean_slack_text
from insights.themes.trends import PastTheme, Trend, as_past, size_trend, theme_trends
from insights.themes.weekly import ThemeCluster, ThemeItem, cluster_week


def data_dir() -> Path:
    """Where the shared data sets are: $PEPITES_DATA_DIR, else ../shared/data beside the repository."""
    override = os.environ.get("PEPITES_DATA_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "data"


def _predicted(themes: Sequence[ThemeCluster], ids: Sequence[str]) -> list[str]:
    owner = {member: theme.key for theme in themes for member in theme.member_ids}
    return [owner[i] for i in ids]


def _baseline(texts: Sequence[str], k: int) -> list[int]:
    vectors = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)).fit_transform(clean_slack_text(t) for t in texts)
    return [int(x) for x in KMeans(k, n_init=10, random_state=0).fit_predict(vectors)]


def _scores(gold: Sequence[str], predicted: Sequence[object]) -> str:
    return f"NMI {normalized_mutual_info_score(gold, predicted):.3f} ARI {adjusted_rand_score(gold, predicted):.3f}"


def evaluate(name: str, ids: list[str], texts: list[str], gold: list[str], themes: list[ThemeCluster]) -> None:
    """Print system, baseline and every-insight-alone scores for one set of insights."""
    k = len(set(gold))
    alone = sum(1 for theme in themes if theme.size == 1)
    print(f"{name}: {len(ids)} insights, {k} gold themes")
    print(f"  system   k={len(themes):<4d} {_scores(gold, _predicted(themes, ids))}  ({alone} one-insight themes)")
    print(f"  baseline k={k:<4d} {_scores(gold, _baseline(texts, k))}  (TF-IDF + KMeans, true k)")
    print(f"  alone    k={len(ids):<4d} {_scores(gold, ids)}  (every insight its own theme)")


def gold_trends(rows: Sequence[dict[str, object]]) -> dict[tuple[int, str], Trend]:
    """Trend of each gold theme in each week, by the same rules as the system's."""
    sizes = Counter((int(str(r["week"])), str(r["theme"])) for r in rows)
    trends: dict[tuple[int, str], Trend] = {}
    for week, theme in sizes:
        earlier = [w for w in range(1, week) if (w, theme) in sizes]
        if not earlier:
            trends[(week, theme)] = "new"
        elif (week - 1, theme) not in sizes:
            trends[(week, theme)] = "recurring"
        else:
            trends[(week, theme)] = size_trend(sizes[(week, theme)], sizes[(week - 1, theme)])
    return trends


def dev_set(pipelines: LoadedPipelines) -> None:
    """Per-week scores and trend accuracy on the labelled dev insights."""
    with (data_dir() / "insights_dev.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    gold_trend = gold_trends(rows)
    history: list[PastTheme] = []
    right = total = right_big = total_big = 0
    for week in sorted({int(r["week"]) for r in rows}):
        week_rows = [r for r in rows if int(r["week"]) == week]
        ids = [str(r["id"]) for r in week_rows]
        texts = [str(r["text"]) for r in week_rows]
        gold = [str(r["theme"]) for r in week_rows]
        themes = cluster_week([ThemeItem(id=i, text=t) for i, t in zip(ids, texts, strict=True)], pipelines)
        evaluate(f"dev week {week}", ids, texts, gold, themes)
        trends = theme_trends(themes, history, week)
        gold_of = dict(zip(ids, gold, strict=True))
        for theme in themes:
            majority = Counter(gold_of[m] for m in theme.member_ids).most_common(1)[0][0]
            hit = trends[theme.key].trend == gold_trend[(week, majority)]
            right, total = right + hit, total + 1
            if theme.size >= 3:
                right_big, total_big = right_big + hit, total_big + 1
        history.extend(as_past(themes, week))
    print(
        f"dev trends: {right}/{total} system themes right ({right / total:.1%}); "
        f"themes of 3+ insights {right_big}/{total_big} ({right_big / max(total_big, 1):.1%})"
    )


def banking(pipelines: LoadedPipelines) -> None:
    """Scores on banking77's 3,080 English questions, 77 intents."""
    with (data_dir() / "banking77_test.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = [str(i) for i in range(len(rows))]
    texts = [r["text"] for r in rows]
    started = time.perf_counter()
    themes = cluster_week([ThemeItem(id=i, text=t, lang="en") for i, t in zip(ids, texts, strict=True)], pipelines)
    elapsed = time.perf_counter() - started
    evaluate(f"banking77 (system {elapsed:.1f} s incl. spaCy)", ids, texts, [r["category"] for r in rows], themes)


def main() -> None:
    """Print the theme quality figures."""
    pipelines = load_pipelines()
    print(f"English pipeline: {pipelines.english_source}")
    dev_set(pipelines)
    banking(pipelines)


if __name__ == "__main__":
    main()
