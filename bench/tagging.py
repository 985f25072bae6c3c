"""Tagging speed: ``Tagger.tag_many`` against raw ``nlp.pipe`` on the same pipelines, latency, load, memory.

    python -m bench.tagging [N]

N (default 2,000) insights are drawn from ``insights_dev.jsonl`` (written for this project), repeated
and shuffled. The raw figure runs each language's pipeline over the same texts, grouped the same way,
so the ratio is what tagging adds on top of spaCy.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

from bench.quality_tagging import data_dir, load_dev
from insights.pipeline import load_pipelines
from insights.tagging.tagger import Tagger
from insights.tagging.training import default_model
from insights.text import clean_slack_text
from insights.types import LANGS

BATCH_SIZE = 64
ROUNDS = 3


def rss_mb() -> float:
    """Resident memory of this process in MB, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    """Print throughput (tagger vs raw spaCy), single-insight latency, load time and memory."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    dev, _ = load_dev(data_dir() / "insights_dev.jsonl")
    rng = random.Random(0)
    texts = [dev[i % len(dev)].text for i in range(n)]
    rng.shuffle(texts)

    rss_before = rss_mb()
    started = time.perf_counter()
    pipelines = load_pipelines()
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    model = default_model()
    train_s = time.perf_counter() - started
    tagger = Tagger(pipelines, model=model)
    tagger.tag_many(texts[:200])  # warm-up: lingua's models, first batches
    rss_loaded = rss_mb()

    # Raw spaCy over the same cleaned texts, grouped by the languages the tagger finds. The two are
    # run alternately, ROUNDS times, and the best time of each is kept, so that other load on the
    # machine does not favour one of them.
    tags = tagger.tag_many(texts, batch_size=BATCH_SIZE)
    cleaned = [(clean_slack_text(t), tg.lang) for t, tg in zip(texts, tags, strict=True)]
    groups = {lang: [t for t, tag_lang in cleaned if tag_lang == lang] for lang in LANGS}
    tag_times, raw_times = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for lang in LANGS:
            for _doc in pipelines.for_lang(lang).pipe(groups[lang], batch_size=BATCH_SIZE):
                pass
        raw_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        tagger.tag_many(texts, batch_size=BATCH_SIZE)
        tag_times.append(time.perf_counter() - started)
    raw_s, tag_s = min(raw_times), min(tag_times)

    latencies = []
    for text in texts[:200]:
        one = time.perf_counter()
        tagger.tag(text)
        latencies.append(time.perf_counter() - one)

    words = sum(len(t.split()) for t in texts) / n
    print(f"{n} insights (dev texts repeated and shuffled, {words:.0f} words on average), batch size {BATCH_SIZE}")
    print(f"English: {pipelines.english_source}; French: {pipelines.fr.meta['name']} {pipelines.fr.pipe_names}")
    print(f"raw nlp.pipe          {n / raw_s:8.0f} texts/s   (best of {ROUNDS} alternated runs each)")
    print(f"Tagger.tag_many       {n / tag_s:8.0f} texts/s   ratio {raw_s / tag_s:.2f}x raw (goal >= 0.9x)")
    print(
        f"single tag() latency  {statistics.median(latencies) * 1000:8.1f} ms median, "
        f"{sorted(latencies)[int(len(latencies) * 0.95)] * 1000:.1f} ms p95 (200 calls)"
    )
    print(f"pipelines load        {load_s:8.1f} s")
    print(f"default model train   {train_s:8.1f} s (first use, from the bundled examples)")
    print(f"resident memory       {rss_loaded:8.0f} MB (process before loading: {rss_before:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
