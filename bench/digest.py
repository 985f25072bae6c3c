"""Digest scaling: building one workspace's weekly digest (read, themes, trends, chart, blocks) for 1k, 10k
and 100k insights in the week, over 100k insights of history (8 earlier weeks with their stored themes).

Run from the repository root: ``python -m bench.digest`` (SQLite in a temporary file) or
``python -m bench.digest --database postgresql://postgres@127.0.0.1:5432/test`` (a throwaway database is
created there and dropped). Goal: 10k insights in ≤ 5 s on the 2-core machine.

The insights recombine the dev set's sentences (see :mod:`bench.themes`): realistic texts with the lemmas
the tagger stores. Baseline in the same run: reading the week's rows alone (``week_rows``), the part no
digest can skip; ``build`` is the whole :func:`bot.flows.digest.build_weekly`, ``peak_MB`` the memory it
allocated at its peak (tracemalloc, in a second, untimed run).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bench.themes import dev_sentences, synthetic_week
from bot.flows.digest import DigestPeriod, build_weekly, due_period
from bot.workspace_config import WorkspaceConfig
from insights.pipeline import load_pipelines
from insights.themes.weekly import cluster_lemmas
from models.db import make_engine, make_sessions, normalise_url
from models.migrate import upgrade
from models.schema import Insight, Workspace
from models.search import fold
from models.weeks import store_themes, week_rows
from models.workspaces import ensure_workspace

SIZES = (1_000, 10_000, 100_000)
HISTORY = 100_000
HISTORY_WEEKS = 8
KINDS = ("problem", "dysfunction", "success", "idea", "other")
NOW = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
CONFIG = WorkspaceConfig(digest_channel="C0BENCH")


def _rows(workspace_id: int, texts: list[str], lemmas: list[tuple[str, ...]], start: datetime, tag: str) -> list[Any]:
    rng = random.Random(tag)
    step = timedelta(days=7) / max(len(texts), 1)
    rows = []
    for n, (text, lem) in enumerate(zip(texts, lemmas, strict=True)):
        kind = KINDS[rng.randrange(5)]
        signal = rng.choice(("lead", "at_risk", "reference", "competitor")) if rng.random() < 0.05 else None
        rows.append(
            {
                "workspace_id": workspace_id,
                "idempotency_key": f"bench:{tag}:{n}",
                "text": text,
                "source": "import",
                "reporter_hash": f"h{rng.randrange(max(len(texts) // 5, 1))}",
                "anonymous": rng.random() < 0.2,
                "permalink": f"https://acme.slack.com/archives/C1/p{1_700_000_000 + n}",
                "language": "fr",
                "kind": kind,
                "kind_confidence": 0.9,
                "kind_set_by": "model",
                "signal": signal,
                "subject": "Biocoop" if signal else None,
                "entities": [],
                "keywords": list(lem[:8]),
                "lemmas": list(lem),
                "search_text": fold(text),
                "tagged_at": start,
                "status": "open",
                "confirmation": {},
                "created_at": start + step * n,
                "escalated_at": start + step * n if rng.random() < 0.01 else None,
            }
        )
    return rows


def _insert(sessions: sessionmaker[Session], rows: list[Any]) -> list[int]:
    ids: list[int] = []
    with sessions.begin() as session:
        for chunk in range(0, len(rows), 5000):
            ids += list(session.scalars(insert(Insight).returning(Insight.id), rows[chunk : chunk + 5000]))
    return ids


def _week(sentences: list[Any], n: int, seed: int) -> tuple[list[str], list[tuple[str, ...]]]:
    _, items, lemmas = synthetic_week(sentences, n, seed)
    return [item.text for item in items], lemmas


def _history(sessions: sessionmaker[Session], workspace_id: int, sentences: list[Any], period: DigestPeriod) -> None:
    """Eight earlier weeks of insights, each with the themes its digest stored, oldest first."""
    per_week = HISTORY // HISTORY_WEEKS
    for back in range(HISTORY_WEEKS, 0, -1):
        start = period.start - timedelta(weeks=back)
        texts, lemmas = _week(sentences, per_week, seed=1000 + back)
        ids = _insert(sessions, _rows(workspace_id, texts, lemmas, start, f"h{back}"))
        week = period.week - timedelta(weeks=back)
        themes = cluster_lemmas([str(i) for i in ids], lemmas)
        with sessions.begin() as session:
            store_themes(session, workspace_id, week, themes, {})


def _measure(sessions: sessionmaker[Session], workspace: int, period: DigestPeriod) -> dict[str, float]:
    with sessions.begin() as session:
        started = time.perf_counter()
        rows = week_rows(session, workspace, period.start, period.end)
        read = time.perf_counter() - started
    with sessions.begin() as session:
        started = time.perf_counter()
        weekly = build_weekly(session, workspace, CONFIG, period, persist=True)
        build = time.perf_counter() - started
    tracemalloc.start()
    with sessions.begin() as session:
        build_weekly(session, workspace, CONFIG, period, persist=True)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {
        "insights": len(rows.insights),
        "read_s": read,
        "build_s": build,
        "peak_MB": peak,
        "themes": len(weekly.themes),
        "blocks": len(weekly.blocks),
    }


def _database(url: str | None) -> tuple[str, Any]:
    """The URL to use and a cleanup function (a temporary SQLite file, or a throwaway PostgreSQL database)."""
    if not url:
        folder = tempfile.TemporaryDirectory(prefix="pepites-bench-")
        return f"sqlite:///{folder.name}/bench.db", folder.cleanup
    import psycopg

    admin = make_url(normalise_url(url))
    name = f"pepites_bench_{uuid.uuid4().hex[:8]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]

    def drop() -> None:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

    return admin.set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a PostgreSQL URL to run on instead of a temporary SQLite file")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    url, cleanup = _database(args.database)
    try:
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessions(engine)
        print(f"database: {make_url(url).get_backend_name()}; loading spaCy to lemmatize the dev sentences…")
        sentences = dev_sentences(load_pipelines())
        period = due_period(NOW, CONFIG)
        with sessions.begin() as session:
            workspace = ensure_workspace(session, "T0BENCH").id
        started = time.perf_counter()
        _history(sessions, workspace, sentences, period)
        took = time.perf_counter() - started
        print(f"history: {HISTORY:,} insights over {HISTORY_WEEKS} weeks, themes stored, in {took:.1f} s")
        header = ("week", "read_s (baseline)", "build_s", "×read", "peak_MB", "themes", "blocks")
        print(
            f"{header[0]:>8} {header[1]:>18} {header[2]:>8} {header[3]:>6} {header[4]:>8} {header[5]:>7} {header[6]:>7}"
        )
        for size in sizes:
            with sessions.begin() as session:
                session.execute(
                    delete(Insight).where(
                        Insight.workspace_id == workspace,
                        Insight.created_at >= period.start,
                        Insight.created_at < period.end,
                    )
                )
            texts, lemmas = _week(sentences, size, seed=size)
            _insert(sessions, _rows(workspace, texts, lemmas, period.start, f"w{size}"))
            result = _measure(sessions, workspace, period)
            ratio = result["build_s"] / max(result["read_s"], 1e-9)
            print(
                f"{int(result['insights']):>8,} {result['read_s']:>18.2f} {result['build_s']:>8.2f} {ratio:>6.1f} "
                f"{result['peak_MB']:>8.0f} {int(result['themes']):>7} {int(result['blocks']):>7}"
            )
        with sessions.begin() as session:
            assert session.scalar(select(Workspace.id).where(Workspace.team_id == "T0BENCH")) == workspace
        engine.dispose()
    finally:
        cleanup()


if __name__ == "__main__":
    main()
