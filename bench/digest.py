"""Digest scaling: building one workspace's weekly digest (read, themes, trends, chart, blocks) for 1k, 10k
and 100k insights in the week, over 100k insights of history (8 earlier weeks, each fed to the workspace's
theme catalogue as its digest would).

Run from the repository root: ``python -m bench.digest`` (SQLite in a temporary file) or
``python -m bench.digest --database postgresql://postgres@127.0.0.1:5432/test`` (a throwaway database is
created there and dropped). Goal: 10k insights in ≤ 5 s on the 2-core machine.

The insights recombine the dev set's sentences (see :mod:`bench.themes`): a pool of synthetic insights is
read once by the project's pipelines with USE, and every row stores what the tagging process stores (words,
float16 vector; copies get jittered vectors). Baseline in the same run: reading the week's rows alone
(``week_rows``), the part no digest can skip; ``first`` is the first :func:`bot.flows.digest.build_weekly` of the
week (its insights no theme holds are joined or grouped into new catalogue themes first), ``build`` a build once
the week is caught up (a digest after the tick), ``peak_MB`` the memory a caught-up build allocated at its peak
(tracemalloc, in an untimed run). ``--history FILE`` keeps the 100k history in FILE (SQLite) and starts later runs
from a copy of it.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bench.themes import synthetic_readings, tiled
from bot.flows.digest import DigestPeriod, build_weekly, due_period
from bot.flows.themes import catch_up
from bot.workspace_config import WorkspaceConfig
from insights.themes.stored import pack_vector, pack_words
from insights.themes.types import Reading
from models.db import make_engine, make_sessions, normalise_url
from models.migrate import upgrade
from models.schema import Insight, Workspace
from models.search import fold
from models.weeks import week_rows
from models.workspaces import ensure_workspace

SIZES = (1_000, 10_000, 100_000)
POOL = 5_000  # synthetic insights read by spaCy + USE once; every week reuses them with jittered vectors
HISTORY = 100_000
HISTORY_WEEKS = 8
KINDS = ("problem", "dysfunction", "success", "idea", "other")
NOW = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
CONFIG = WorkspaceConfig(digest_channel="C0BENCH")


def _rows(workspace_id: int, week: list[tuple[str, Reading]], start: datetime, tag: str) -> list[Any]:
    rng = random.Random(tag)
    step = timedelta(days=7) / max(len(week), 1)
    rows = []
    for n, (text, reading) in enumerate(week):
        kind = KINDS[rng.randrange(5)]
        signal = rng.choice(("lead", "at_risk", "reference", "competitor")) if rng.random() < 0.05 else None
        lemmas = [w.lemma for w in reading.words if not w.is_stop and w.pos in ("NOUN", "PROPN", "ADJ", "VERB")]
        rows.append(
            {
                "workspace_id": workspace_id,
                "idempotency_key": f"bench:{tag}:{n}",
                "text": text,
                "source": "import",
                "reporter_hash": f"h{rng.randrange(max(len(week) // 5, 1))}",
                "anonymous": rng.random() < 0.2,
                "permalink": f"https://acme.slack.com/archives/C1/p{1_700_000_000 + n}",
                "language": reading.lang,
                "kind": kind,
                "kind_confidence": 0.9,
                "kind_set_by": "model",
                "signal": signal,
                "subject": "Biocoop" if signal else None,
                "entities": [],
                "keywords": lemmas[:8],
                "lemmas": lemmas,
                "words": pack_words(reading.words),
                "vector": pack_vector(reading.vector),
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


Pool = tuple[list[Reading], list[str]]


def _week(pool: Pool, n: int, seed: int) -> list[tuple[str, Reading]]:
    """n insights of one week: the pool's texts with their readings, jittered past the pool's size."""
    readings, texts = pool
    order = random.Random(seed).sample(range(len(readings)), len(readings))
    shuffled = [readings[k] for k in order]
    week, _ = tiled(shuffled, [texts[k] for k in order], n)
    return [(texts[order[k % len(order)]], reading) for k, reading in enumerate(week[:n])]


def _history(sessions: sessionmaker[Session], workspace_id: int, pool: Pool, period: DigestPeriod) -> None:
    """Eight earlier weeks of insights, each fed to the catalogue as its digest would, oldest first."""
    per_week = HISTORY // HISTORY_WEEKS
    for back in range(HISTORY_WEEKS, 0, -1):
        start = period.start - timedelta(weeks=back)
        _insert(sessions, _rows(workspace_id, _week(pool, per_week, seed=1000 + back), start, f"h{back}"))
        with sessions.begin() as session:
            catch_up(session, workspace_id, start + timedelta(weeks=1), found_new=True)


def _measure(sessions: sessionmaker[Session], workspace: int, period: DigestPeriod) -> dict[str, float]:
    with sessions.begin() as session:
        started = time.perf_counter()
        rows = week_rows(session, workspace, period.start, period.end)
        read = time.perf_counter() - started
    # The first build catches the week up (joins or groups the week's insights no theme holds), timed as
    # ``first_s``, and is committed, so the next two find the week caught up, as a digest does after the tick (on
    # SQLite the catch-up's savepoint is the connection's outermost transaction, pysqlite opening none before it:
    # its release commits even when the unit of work is rolled back). Those two are rolled back.
    with sessions() as session:
        started = time.perf_counter()
        build_weekly(session, workspace, CONFIG, period, persist=True)
        first = time.perf_counter() - started
        session.commit()
    tracemalloc.start()
    with sessions() as session:
        build_weekly(session, workspace, CONFIG, period, persist=True)
        session.rollback()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    with sessions() as session:
        started = time.perf_counter()
        weekly = build_weekly(session, workspace, CONFIG, period, persist=True)
        build = time.perf_counter() - started
        session.rollback()
    return {
        "insights": len(rows.insights),
        "read_s": read,
        "first_s": first,
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
    parser.add_argument(
        "--history",
        metavar="FILE",
        help="SQLite only: start from this copy of the history (made on the first run with it, ~10 min) instead "
        "of feeding the 100k insights again; the copy is never changed",
    )
    args = parser.parse_args()
    if args.history and args.database:
        parser.error("--history is for SQLite runs")
    sizes = [int(s) for s in args.sizes.split(",")]
    url, cleanup = _database(args.database)
    try:
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessions(engine)
        print(f"database: {make_url(url).get_backend_name()}; reading {POOL:,} synthetic insights (spaCy + USE)…")
        readings, _true, texts, _read_s = synthetic_readings(POOL, seed=0)
        pool: Pool = (readings, texts)
        period = due_period(NOW, CONFIG)
        with sessions.begin() as session:
            workspace = ensure_workspace(session, "T0BENCH").id
        if args.history and Path(args.history).exists():
            engine.dispose()
            target = make_url(url).database or ""
            for leftover in (f"{target}-wal", f"{target}-shm"):
                Path(leftover).unlink(missing_ok=True)
            shutil.copyfile(args.history, target)
            print(f"history: copied from {args.history}")
        else:
            started = time.perf_counter()
            _history(sessions, workspace, pool, period)
            took = time.perf_counter() - started
            print(f"history: {HISTORY:,} insights over {HISTORY_WEEKS} weeks fed to the catalogue in {took:.1f} s")
            if args.history:
                engine.dispose()
                shutil.copyfile(make_url(url).database or "", args.history)
        header = ("week", "read_s (baseline)", "first_s", "build_s", "×read", "peak_MB", "themes", "blocks")
        print(
            f"{header[0]:>8} {header[1]:>18} {header[2]:>8} {header[3]:>8} {header[4]:>6} {header[5]:>8} "
            f"{header[6]:>7} {header[7]:>7}"
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
            _insert(sessions, _rows(workspace, _week(pool, size, seed=size), period.start, f"w{size}"))
            result = _measure(sessions, workspace, period)
            ratio = result["build_s"] / max(result["read_s"], 1e-9)
            print(
                f"{int(result['insights']):>8,} {result['read_s']:>18.2f} {result['first_s']:>8.2f} "
                f"{result['build_s']:>8.2f} {ratio:>6.1f} "
                f"{result['peak_MB']:>8.0f} {int(result['themes']):>7} {int(result['blocks']):>7}"
            )
        with sessions.begin() as session:
            assert session.scalar(select(Workspace.id).where(Workspace.team_id == "T0BENCH")) == workspace
        engine.dispose()
    finally:
        cleanup()


if __name__ == "__main__":
    main()
