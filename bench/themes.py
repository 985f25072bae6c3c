"""Theme scaling, embedding included: 1k, 10k and 100k insights in one week; and the tagging process's
throughput and memory against raw ``nlp.pipe`` with the same components.

Run from the repository root::

    .venv/bin/python -m bench.themes [--sizes 1000,10000,100000]
    .venv/bin/python -m bench.themes --tagging [N]

Each measurement runs in its own process, so its peak RSS is its own. Synthetic weeks recombine the dev
set (``insights_dev.jsonl``): its insights are cut into sentences, a synthetic insight is 1–3 sentences of
one dev theme (Zipf-like theme sizes; a word dropped now and then so texts vary) and keeps that theme as
its true theme. ``read_s`` is what the tagging process pays once per insight (spaCy + the USE component in
one ``nlp.pipe``, :func:`insights.themes.reading.read_texts`); above 10,000 the 10,000 readings are reused
with jittered vectors and ``read_s`` is extrapolated. ``group_s`` is :func:`group_readings`, ``label_s`` the
labels of the groups of 2+. AMI against the synthetic truth is printed for scale.

``--tagging``: ``Tagger.tag_many`` on pipelines that carry the USE component (as ``bot.jobs.tagger_process``
loads them) against raw ``nlp.pipe`` over the same texts and components, alternated, best of 3; the
process's resident memory once loaded.
"""

from __future__ import annotations

import json
import random
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from bench.quality_themes import data_dir
from insights.themes.types import Reading

SIZES = (1_000, 10_000, 100_000)
READ_LIMIT = 10_000
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


def rss_mb() -> float:
    """Resident memory of this process now, MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    """Peak resident memory of this process, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dev_rows() -> list[dict[str, Any]]:
    with (data_dir() / "insights_dev.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def synthetic(n: int, seed: int) -> list[tuple[str, str, str]]:
    """(lang, text, true theme) for n synthetic insights."""
    rng = random.Random(seed)
    by_theme: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in dev_rows():
        for sentence in _SENTENCE.split(str(row["text"])):
            if len(sentence.split()) >= 3:
                by_theme[str(row["theme"])].append((str(row["lang"]), sentence))
    themes = sorted(by_theme)
    rng.shuffle(themes)
    weights = [1 / (rank + 1) ** 0.75 for rank in range(len(themes))]
    out = []
    for _ in range(n):
        theme = rng.choices(themes, weights)[0]
        lang = rng.choice(by_theme[theme])[0]
        pool = [s for s in by_theme[theme] if s[0] == lang]
        words = " ".join(s for _, s in rng.sample(pool, min(len(pool), rng.randint(1, 3)))).split()
        if len(words) > 4 and rng.random() < 0.5:
            words.pop(rng.randrange(len(words)))
        out.append((lang, " ".join(words), theme))
    return out


def tiled(readings: list[Reading], true: list[str], n: int) -> tuple[list[Reading], list[str]]:
    """n readings: the given ones, then copies with fresh ids and jittered unit vectors."""
    rng = np.random.default_rng(n)
    out, labels = list(readings), list(true)
    while len(out) < n:
        k = len(out) % len(readings)
        r = readings[k]
        vector = r.vector + rng.normal(0, 0.02, r.vector.shape).astype(np.float32)
        out.append(
            Reading(id=str(len(out)), lang=r.lang, words=r.words, vector=vector / np.linalg.norm(vector), reporter=None)
        )
        labels.append(true[k])
    return out, labels


def synthetic_readings(n: int, seed: int) -> tuple[list[Reading], list[str], list[str], float]:
    """Readings of n synthetic insights (read by the project's pipelines with USE), their true themes, texts,
    and the seconds reading all n would take (extrapolated above :data:`READ_LIMIT`)."""
    from insights.pipeline import load_pipelines
    from insights.themes.reading import read_texts

    data = synthetic(min(n, READ_LIMIT), seed)
    pipelines = load_pipelines(sentence_vector=True)
    started = time.perf_counter()
    readings = read_texts([d[1] for d in data], [str(i) for i in range(len(data))], [d[0] for d in data], pipelines)
    read_s = (time.perf_counter() - started) * n / len(data)
    by_id = {r.id: r for r in readings}
    ordered, true = tiled([by_id[str(i)] for i in range(len(data))], [d[2] for d in data], n)
    return ordered, true, [d[1] for d in data], read_s


def measure(n: int) -> dict[str, float]:
    """One week of n insights, in its own process: read, group, label; peak memory."""
    from sklearn.metrics import adjusted_mutual_info_score

    from insights.themes.grouping import group_readings
    from insights.themes.labels import group_labels

    readings, true, _texts, read_s = synthetic_readings(n, seed=n)
    loaded = rss_mb()
    before = peak_mb()
    started = time.perf_counter()
    assignment = group_readings(readings)
    group_s = time.perf_counter() - started
    started = time.perf_counter()
    groups: dict[int, list[Reading]] = defaultdict(list)
    for reading, group in zip(readings, assignment.tolist(), strict=True):
        groups[group].append(reading)
    group_labels([g for g in groups.values() if len(g) >= 2])
    label_s = time.perf_counter() - started
    return {
        "n": n,
        "read_s": read_s,
        "group_s": group_s,
        "label_s": label_s,
        "themes": len(groups),
        "rss_mb": loaded,
        "peak_before_mb": before,
        "peak_mb": peak_mb(),
        "ami": adjusted_mutual_info_score(true, assignment),
    }


def tagging(n: int) -> dict[str, float]:
    """The tagging process's work (Tagger.tag_many with USE) against raw nlp.pipe with the same components."""
    from insights.pipeline import load_pipelines
    from insights.tagging.tagger import Tagger
    from insights.tagging.training import default_model
    from insights.text import clean_slack_text
    from insights.types import LANGS

    rows = dev_rows()
    rng = random.Random(0)
    texts = [str(rows[i % len(rows)]["text"]) for i in range(n)]
    rng.shuffle(texts)
    started = time.perf_counter()
    pipelines = load_pipelines(sentence_vector=True)
    tagger = Tagger(pipelines, model=default_model())
    tagger.tag_many(texts[:200])  # warm-up: the encoder, lingua, first batches
    load_s = time.perf_counter() - started
    loaded = rss_mb()
    tags = tagger.tag_many(texts)
    groups = {
        lang: [clean_slack_text(t) for t, tg in zip(texts, tags, strict=True) if tg.lang == lang] for lang in LANGS
    }
    raw, tagged = [], []
    for _ in range(3):
        started = time.perf_counter()
        for lang in LANGS:
            for _doc in pipelines.for_lang(lang).pipe(groups[lang], batch_size=64):
                pass
        raw.append(time.perf_counter() - started)
        started = time.perf_counter()
        tagger.tag_many(texts)
        tagged.append(time.perf_counter() - started)
    return {
        "n": n,
        "raw_texts_s": n / min(raw),
        "tag_texts_s": n / min(tagged),
        "load_s": load_s,
        "rss_loaded_mb": loaded,
        "rss_after_mb": rss_mb(),
        "peak_mb": peak_mb(),
    }


def child(args: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.themes", *args], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Print the scaling table, or with ``--tagging`` the tagging process's figures."""
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(measure(int(sys.argv[2]))))
        return
    if sys.argv[1:2] == ["--one-tagging"]:
        print(json.dumps(tagging(int(sys.argv[2]))))
        return
    if "--tagging" in sys.argv:
        rest = sys.argv[sys.argv.index("--tagging") + 1 :]
        r = child(["--one-tagging", rest[0] if rest else "2000"])
        print(f"{int(r['n'])} dev insights (repeated, shuffled), pipelines with the USE component, batch 64")
        print(f"raw nlp.pipe        {r['raw_texts_s']:7.0f} texts/s (best of 3, alternated)")
        print(f"Tagger.tag_many     {r['tag_texts_s']:7.0f} texts/s  = {r['tag_texts_s'] / r['raw_texts_s']:.2f}x raw")
        print(f"load + warm-up      {r['load_s']:7.1f} s")
        print(
            f"resident memory     {r['rss_loaded_mb']:7.0f} MB loaded, {r['rss_after_mb']:.0f} MB after,"
            f" peak {r['peak_mb']:.0f}"
        )
        return
    sizes = list(SIZES)
    if "--sizes" in sys.argv:
        sizes = [int(x) for x in sys.argv[sys.argv.index("--sizes") + 1].split(",")]
    print("n        read_s(spaCy+USE)  group_s  label_s  themes  RSS_MB  peak_before_MB  peak_MB  AMI(synthetic)")
    for n in sizes:
        r = child(["--one", str(n)])
        print(
            f"{int(r['n']):<8d} {r['read_s']:17.1f}  {r['group_s']:7.2f}  {r['label_s']:7.2f}  {int(r['themes']):6d}  "
            f"{r['rss_mb']:6.0f}  {r['peak_before_mb']:14.0f}  {r['peak_mb']:7.0f}  {r['ami']:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
