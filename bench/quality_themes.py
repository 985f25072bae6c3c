"""Theme quality with the number of themes chosen by the system (issue 11's measures).

Run from the repository root: ``.venv/bin/python -m bench.quality_themes``. Data: ``insights_dev.jsonl``
(true ``theme`` per ``week`` 1–3) and ``banking77_test.csv`` (77 intents) from ``$PEPITES_DATA_DIR``, else
``shared/data`` beside the repository. Each text is read once, as the tagging process reads it
(``load_pipelines(sentence_vector=True)``: spaCy + USE), then:

- per set: AMI, ARI (chance-corrected; NMI rewards crumbs), themes found against the true number, the share
  of one-insight themes, and top-5 F1 (each of the five largest true themes matched to its best theme:
  what a manager sees first), for the week grouped alone and for the catalogue fed week after week;
- labels: the share of themes (2+ insights) whose every label word is written as such in one of its insights;
- stability: a week fed to a catalogue, then 10 % more: the share of earlier pairs kept together / apart
  (and what re-grouping from scratch would give);
- learning: week 1's true themes as a manager's curation (themes named by people), then weeks 2 and 3
  assigned: accuracy on insights whose theme existed in week 1, and top-5 F1.
"""

from __future__ import annotations

import csv
import json
import os
import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

from insights.pipeline import LoadedPipelines, load_pipelines
from insights.text import clean_slack_text
from insights.themes.assign import ingest
from insights.themes.catalogue import Event, Founded, Renamed, replay
from insights.themes.grouping import group_readings
from insights.themes.labels import group_labels, label_words
from insights.themes.reading import read_texts
from insights.themes.types import Reading

Sets = dict[str, tuple[list[Reading], list[str]]]


def data_dir() -> Path:
    """Where the shared data sets are: $PEPITES_DATA_DIR, else shared/data beside the repository."""
    override = os.environ.get("PEPITES_DATA_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "data"


def top5_f1(true: Sequence[Any], found: Sequence[Any], top: int = 5) -> float:
    """For each of the ``top`` largest true themes, the F1 of its best-matching found theme; averaged."""
    true_size, found_size = Counter(true), Counter(found)
    both = Counter(zip(true, found, strict=True))
    best: dict[Any, float] = defaultdict(float)
    for (t, f), inter in both.items():
        best[t] = max(best[t], 2 * inter / (true_size[t] + found_size[f]))
    largest = sorted(true_size.items(), key=lambda kv: (-kv[1], str(kv[0])))[:top]
    return sum(best[t] for t, _ in largest) / len(largest)


def scores(true: Sequence[Any], found: Sequence[Any]) -> dict[str, float]:
    sizes = Counter(found)
    return {
        "ami": adjusted_mutual_info_score(true, found),
        "ari": adjusted_rand_score(true, found),
        "k": float(len(sizes)),
        "true_k": float(len(set(true))),
        "alone": sum(1 for s in sizes.values() if s == 1) / max(len(sizes), 1),
        "top5": top5_f1(true, found),
    }


def line(name: str, s: dict[str, float]) -> str:
    return (
        f"  {name:28s} AMI {s['ami']:.3f}  ARI {s['ari']:.3f}  themes {int(s['k']):4d}/{int(s['true_k']):<3d}"
        f" ({s['k'] / s['true_k']:.2f}x)  one-insight {s['alone']:.0%}  top5-F1 {s['top5']:.3f}"
    )


def with_singletons(ids: Sequence[str], theme_of: dict[str, str]) -> list[str]:
    """Each insight's theme; an insight no theme holds (« autres ») counts as its own."""
    return [theme_of.get(i, f"alone:{i}") for i in ids]


def pair_stability(before: Sequence[object], after: Sequence[object]) -> float:
    """Share of pairs of the earlier insights that stayed together / apart."""
    a, b = np.asarray([str(x) for x in before]), np.asarray([str(x) for x in after])
    same_a, same_b = a[:, None] == a[None, :], b[:, None] == b[None, :]
    upper = np.triu(np.ones_like(same_a), 1)
    return float(((same_a == same_b) & upper).sum() / upper.sum())


def read_sets(pipelines: LoadedPipelines) -> tuple[Sets, list[dict[str, Any]], list[Reading]]:
    """Dev weeks 1–3 and banking77, read once; also the dev rows and readings in file order."""
    with (data_dir() / "insights_dev.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(row) for row in handle if row.strip()]
    with (data_dir() / "banking77_test.csv").open(encoding="utf-8", newline="") as handle:
        bank = list(csv.DictReader(handle))
    started = time.perf_counter()
    dev = read_texts(
        [clean_slack_text(str(r["text"])) for r in rows],
        [str(r["id"]) for r in rows],
        [str(r["lang"]) for r in rows],
        pipelines,
    )
    bank_readings = read_texts(
        [clean_slack_text(r["text"]) for r in bank], [f"b{i}" for i in range(len(bank))], ["en"] * len(bank), pipelines
    )
    elapsed = time.perf_counter() - started
    print(f"read {len(dev) + len(bank_readings)} texts (spaCy + USE) in {elapsed:.1f} s")
    sets: Sets = {}
    for week in (1, 2, 3):
        idx = [k for k, r in enumerate(rows) if int(r["week"]) == week]
        sets[f"dev week {week}"] = ([dev[k] for k in idx], [str(rows[k]["theme"]) for k in idx])
    sets["banking77 (3,080)"] = (bank_readings, [r["category"] for r in bank])
    return sets, rows, dev


def grouped(sets: Sets) -> None:
    """Each set grouped on its own (what a new workspace's first digest does)."""
    print("each set grouped alone (insights.themes.grouping.group_readings, defaults)")
    dev: list[dict[str, float]] = []
    for name, (readings, true) in sets.items():
        started = time.perf_counter()
        s = scores(true, group_readings(readings).tolist())
        print(line(name, s) + f"  ({time.perf_counter() - started:.1f} s)")
        if name.startswith("dev"):
            dev.append(s)
    print(
        f"  dev mean AMI {np.mean([s['ami'] for s in dev]):.3f}  ARI {np.mean([s['ari'] for s in dev]):.3f}"
        f"  top5-F1 {np.mean([s['top5'] for s in dev]):.3f}"
    )


def catalogue_weeks(sets: Sets) -> None:
    """The dev weeks fed to one catalogue in order (what the digests show week after week)."""
    print("dev weeks fed to one catalogue (ingest: join the closest theme, group the rest; singletons alone)")
    log: list[Event] = []
    stored: dict[str, Reading] = {}
    for week in (1, 2, 3):
        readings, true = sets[f"dev week {week}"]
        log += ingest(replay(log), readings, stored, str(week))
        stored.update({r.id: r for r in readings})
        print(line(f"dev week {week}", scores(true, with_singletons([r.id for r in readings], replay(log).theme_of))))


def _written(label: str, texts: Sequence[str]) -> bool:
    words = label_words(label)
    lowered = [t.lower() for t in texts]
    return bool(words) and all(
        any(re.search(rf"(?<!\w){re.escape(w.lower())}(?!\w)", t) for t in lowered) for w in words
    )


def labels(sets: Sets, texts: dict[str, str]) -> None:
    """Labels of the dev weeks' themes (2+ insights): every word written as such in one of the insights."""
    total = written = 0
    examples: list[str] = []
    for name, (readings, _true) in sets.items():
        if not name.startswith("dev"):
            continue
        groups: dict[int, list[Reading]] = defaultdict(list)
        for reading, group in zip(readings, group_readings(readings).tolist(), strict=True):
            groups[group].append(reading)
        big = [g for g in groups.values() if len(g) >= 2]
        for group, label in zip(big, group_labels(big, "fr"), strict=True):
            ok = label is not None and _written(label, [texts[r.id] for r in group])
            total, written = total + 1, written + ok
            if name == "dev week 1" and label and len(examples) < 10:
                examples.append(label)
            if not ok:
                print(f"   not as written: {label!r}")
    print(f"labels written as in the insights: {written}/{total} = {written / max(total, 1):.0%}")
    print(f"  dev week 1: {' · '.join(examples)}")


def stability(sets: Sets) -> None:
    """A week fed to a catalogue, then 10 % more insights: earlier pairs kept together / apart."""
    for name, (readings, _true) in sets.items():
        cut = int(len(readings) * 10 / 11)
        stored = {r.id: r for r in readings}
        log: list[Event] = list(ingest(replay([]), readings[:cut], stored, "w"))
        before = with_singletons([r.id for r in readings[:cut]], replay(log).theme_of)
        log += ingest(replay(log), readings[cut:], stored, "w")
        after = with_singletons([r.id for r in readings[:cut]], replay(log).theme_of)
        scratch = pair_stability(group_readings(readings[:cut]).tolist(), group_readings(readings).tolist()[:cut])
        print(
            f"stability {name} (+{len(readings) - cut}): catalogue {pair_stability(before, after):.3f}"
            f"   (re-grouping from scratch: {scratch:.3f})"
        )


def learning(rows: list[dict[str, Any]], dev: list[Reading]) -> None:
    """Week 1's true themes as a manager's curation (founded and named), then weeks 2 and 3 assigned."""
    by_week: dict[int, list[tuple[Reading, str]]] = defaultdict(list)
    for reading, row in zip(dev, rows, strict=True):
        by_week[int(row["week"])].append((reading, str(row["theme"])))
    stored = {r.id: r for r in dev}
    curation: list[Event] = []
    theme_of_true: dict[str, str] = {}
    for true in sorted({t for _, t in by_week[1]}):
        members = tuple(r.id for r, t in by_week[1] if t == true)
        founded = Founded(seq=len(curation) + 1, theme_id=f"cur-{true}", label=true, members=members, week="1")
        curation += [founded, Renamed(seq=len(curation) + 2, by="manager", theme_id=founded.theme_id, label=true)]
        theme_of_true[true] = founded.theme_id
    for week in (2, 3):
        items = [r for r, _ in by_week[week]]
        truth = [t for _, t in by_week[week]]
        log = [*curation, *ingest(replay(curation), items, stored, str(week))]
        found = with_singletons([r.id for r in items], replay(log).theme_of)
        known = [(f, t) for f, t in zip(found, truth, strict=True) if t in theme_of_true]
        accuracy = sum(f == theme_of_true[t] for f, t in known) / len(known)
        print(
            f"learning week {week}: accuracy {accuracy:.3f} on {len(known)} insights of week-1 themes,"
            f" top5-F1 {scores(truth, found)['top5']:.3f}"
        )


def main() -> None:
    """Print every theme quality figure."""
    pipelines = load_pipelines(sentence_vector=True)
    print(f"pipelines: {pipelines.fr.meta.get('name')} + {pipelines.english_source}, with USE")
    sets, rows, dev = read_sets(pipelines)
    grouped(sets)
    catalogue_weeks(sets)
    labels(sets, {str(r["id"]): clean_slack_text(str(r["text"])) for r in rows})
    stability(sets)
    learning(rows, dev)


if __name__ == "__main__":
    main()
