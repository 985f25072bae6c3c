"""History import speed and memory: a generated Slack export through ``pepites import``'s flow.

    python -m bench.import [--messages N]

An export of N messages (default 100,000: the issue's size) over 26 weeks in 10 channels, 10 % marked with the
capture emoji (texts from ``insights_dev.jsonl``, the rest chatter), is written by a child process (so its
memory is not counted) and imported into a fresh SQLite database with the production tagger (the pipelines
with the sentence vector, in this process). Printed: messages/s read, insights/s stored and tagged, the
tagging step's share, the themes built for the imported weeks, ``nlp.pipe`` alone on the same insights in the
same run (both after the tagger has read every distinct text once), and the process's peak
resident memory (high-water mark) after each step (goal: the import at ≥ 0.8× ``nlp.pipe`` alone, peak memory
< 1 GB).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.quality_tagging import data_dir, load_dev
from bot.flows.history import HistoryImport
from bot.workspace_config import WorkspaceConfig
from insights.embedding import embed_sentences
from insights.pipeline import load_pipelines
from insights.slack_export import SlackExport
from insights.tagging.tagger import Tagger
from insights.text import clean_slack_text
from insights.types import LANGS
from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.privacy import ReporterVault
from models.workspaces import ensure_workspace
from tests.support.slack_export import message, write_export

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
CHATTER = ("ok merci", "je regarde", "on en parle demain ?", "top", "sounds good", "lunch?")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(path: Path, n: int) -> None:
    dev, _ = load_dev(data_dir() / "insights_dev.jsonl")
    rng = random.Random(0)
    start = NOW - timedelta(weeks=26)
    channels: dict[tuple[str, str], list[dict[str, object]]] = {(f"C{c:04d}", f"canal-{c}"): [] for c in range(10)}
    keys = list(channels)
    step = timedelta(weeks=26) / n
    for i in range(n):
        marked = i % 10 == 0
        text = dev[rng.randrange(len(dev))].text if marked or rng.random() < 0.5 else rng.choice(CHATTER)
        raw = message(start + step * i, text, f"U{rng.randrange(200)}", n=i % 1000, reactions=("gem",) * marked)
        channels[keys[i % 10]].append(raw)
    write_export(path, channels)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    n = parser.parse_args().messages
    with tempfile.TemporaryDirectory(prefix="pepites-import-bench-") as folder:
        path = Path(folder) / "bench-export.zip"
        child = multiprocessing.get_context("spawn").Process(target=generate, args=(path, n))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"generating the export failed ({child.exitcode})")
        print(f"export: {n} messages, {path.stat().st_size / 1e6:.1f} MB zipped; peak so far {peak_mb():.0f} MB")
        url = f"sqlite:///{folder}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessions(engine)
        with sessions.begin() as session:
            ensure_workspace(session, "TBENCH")
        started = time.perf_counter()
        pipelines = load_pipelines(sentence_vector=True)
        tagger = Tagger(pipelines, embed=embed_sentences)
        tagger.tag("warm-up")
        print(f"models loaded in {time.perf_counter() - started:.1f}s; peak {peak_mb():.0f} MB")
        # Both the import and nlp.pipe alone below read the same few hundred texts again and again: the tagger
        # reads each once first, so that neither pays the first reading's caches (spaCy's vocabulary, the
        # encoder's tokenizer) and the other not.
        started = time.perf_counter()
        texts = [item.text for item in load_dev(data_dir() / "insights_dev.jsonl")[0]]
        tagger.tag_many(texts)
        print(f"warm-up: the dev set's {len(texts)} texts tagged once in {time.perf_counter() - started:.1f}s")

        export = SlackExport.open(path)
        run = HistoryImport(
            sessions,
            ReporterVault("bench secret key, 16+ chars"),
            tagger,
            "TBENCH",
            WorkspaceConfig(),
            source="export",
            now=NOW,
        )
        started, cpu = time.perf_counter(), time.process_time()
        for channel in export.channels:
            run.channel(channel.id, channel.name, export.messages(channel))
        imported_s, imported_cpu = time.perf_counter() - started, time.process_time() - cpu
        peak_import = peak_mb()
        themes_started, cpu = time.perf_counter(), time.process_time()
        report = run.finish()
        themes_s, themes_cpu = time.perf_counter() - themes_started, time.process_time() - cpu
        peak_themes = peak_mb()
        engine.dispose()

        # nlp.pipe alone on the same insights, grouped by language as the tagger does.
        from models.db import make_engine as _engine

        engine = _engine(url)
        with make_sessions(engine)() as session:
            from sqlalchemy import select

            from models.schema import Insight

            rows = list(session.execute(select(Insight.text, Insight.language)))
        engine.dispose()
        started, cpu = time.perf_counter(), time.process_time()
        for lang in LANGS:
            texts = [clean_slack_text(t) for t, lg in rows if lg == lang]
            for _ in pipelines.for_lang(lang).pipe(texts, batch_size=64):
                pass
        pipe_s, pipe_cpu = time.perf_counter() - started, time.process_time() - cpu

    stored = report.stored
    print(f"read {report.read} messages in {imported_s:.1f}s: {report.read / imported_s:.0f} messages/s")
    print(f"stored and tagged {stored} insights: {stored / imported_s:.1f} insights/s; peak {peak_import:.0f} MB")
    print(f"tagging step: {report.tag_seconds:.1f}s, {100 * report.tag_seconds / imported_s:.0f} % of the import")
    print(f"themes for the imported weeks: {themes_s:.1f}s, {report.themes_after} themes; peak {peak_themes:.0f} MB")
    print(f"nlp.pipe alone on the same {len(rows)} insights: {pipe_s:.1f}s, {len(rows) / pipe_s:.1f} insights/s")
    cpu = f"import {imported_cpu:.1f}, themes {themes_cpu:.1f}, nlp.pipe alone {pipe_cpu:.1f}"
    print(f"CPU seconds (what other processes on the machine change least): {cpu}")

    def speed(seconds: float) -> float:
        return stored / seconds if seconds else float("nan")

    ratio, overall = speed(imported_s) / speed(pipe_s), speed(imported_s + themes_s) / speed(pipe_s)
    print(f"import speed / nlp.pipe alone: {ratio:.2f}x (goal >= 0.8); with the themes: {overall:.2f}x")
    ratio, overall = speed(imported_cpu) / speed(pipe_cpu), speed(imported_cpu + themes_cpu) / speed(pipe_cpu)
    print(f"the same in CPU time: {ratio:.2f}x; with the themes: {overall:.2f}x")
    print(f"peak memory: {peak_mb():.0f} MB (goal < 1024)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
