"""Mixed Slack traffic spread over several app processes on one PostgreSQL, against one process, same run.

    python -m bench.load [--rate 200] [--duration 60] [--replicas 3] [--database URL]

Each run starts real ``pepites run`` processes on a throwaway PostgreSQL database (created on
``--database`` or ``$PEPITES_TEST_POSTGRES_URL``, dropped after), all pointed at one fake Slack Web API
here, waits until their NLP is loaded, then sends signed requests open loop, round-robin over the
processes as a balancer would: ``/insight <text>`` captures, escalation reactions and "me too" clicks
from distinct people, and a few of them delivered again to another process (Slack's retries). It prints
the ack latency, the errors, and the rows stored against the distinct rows sent. The baseline is the same
load on one process, in the same run. Exits 1 when a run had errors or stored other counts than sent.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bench.ack_latency import TEXTS
from bench.loadgen import LoadResult, RequestFactory, run_load
from bot import ids
from bot.flows.capture import message_key
from bot.flows.digest import due_period
from bot.jobs.scheduler import utc_now
from bot.workspace_config import WorkspaceConfig
from models.db import make_engine, make_sessions, normalise_url
from models.migrate import upgrade
from models.schema import DigestRun, Insight, Vote
from tests.support.fake_slack import FakeSlack
from tests.support.replicas import Replicas
from tests.support.seed import make_workspace, seed_week
from tests.support.slack_requests import (
    FORM,
    JSON,
    block_actions_payload,
    command_form,
    encode_form,
    event_envelope,
    reaction_event,
    signed_headers,
    slack_message,
)

POSTGRES_ENV = "PEPITES_TEST_POSTGRES_URL"
SIGNING_SECRET = "bench-signing-secret"
TEAM = "T1"  # the fake Web API's team
DIGEST_CHANNEL = "C0DIGEST"
TALK = "C0TALK"
ESCALATE = ids.DEFAULT_ESCALATION_EMOJIS[0]
SEEDED = 200  # last week's insights: the digest due at start-up, and what people click "me too" on
# Out of every 20 requests: 12 captures, 5 escalation reactions, 3 "me too" clicks.
MIX = ("capture",) * 12 + ("reaction",) * 5 + ("me_too",) * 3
QUORUM = 3
REACTIONS_PER_MESSAGE = 4  # distinct people per message: past the quorum of 3, so alerts are posted too
REDELIVER_EVERY = 50  # request 50k+25 is request 50k+18 sent again, to the next process
REDELIVER_BACK = 7
ALERT = re.compile(r"Pépite n°\d+ remontée")  # the French escalation alert's text (not the DM confirmations)
DIGEST = re.compile(r"Pépites : le résumé")  # the French digest's text
VoteKey = tuple[str, str, str]


@dataclass
class Sent:
    """The distinct rows the requests built so far should leave: insight keys and votes."""

    insights: set[str] = field(default_factory=set)
    votes: set[VoteKey] = field(default_factory=set)
    requests: int = 0
    redeliveries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Run:
    """One configuration's figures."""

    label: str
    replicas: int
    result: LoadResult | None = None
    note: str = ""
    sent: Sent = field(default_factory=Sent)
    stored_insights: int = 0
    stored_votes: int = 0
    seeded: int = 0
    digests: int = 0
    alerts: int = 0
    digest_posts: int = 0
    expected_alerts: int = 0
    max_connections: int = 0
    load_average: float = 0.0


class Traffic:
    """Builds request ``g`` of the whole run (any process), deterministically: same ``g``, same ids."""

    def __init__(self, slack_root: str, seeded: list[tuple[int, str]]) -> None:
        self.slack_root = slack_root
        self.seeded = seeded
        self.sent = Sent(insights={key for _, key in seeded})

    @staticmethod
    def messages(planned: int) -> list[tuple[str, str, str]]:
        """(channel, ts, text) of every message the reactions of ``planned`` requests can point at."""
        count = planned // len(MIX) * MIX.count("reaction") // REACTIONS_PER_MESSAGE + 2
        return [(TALK, Traffic._ts(m), f"{TEXTS[m % len(TEXTS)]} ({m})") for m in range(count)]

    def response_url(self, name: str) -> str:
        return f"{self.slack_root}/response/{name}"

    @staticmethod
    def _ts(message: int) -> str:
        return f"{1_700_000_000 + message // 1_000_000}.{message % 1_000_000:06d}"

    def build(self, g: int) -> tuple[bytes, dict[str, str]]:
        """Body and headers of request ``g``; a redelivery repeats an earlier one, with Slack's retry header."""
        redelivery = g % REDELIVER_EVERY == REDELIVER_EVERY // 2 and g >= REDELIVER_BACK
        source = g - REDELIVER_BACK if redelivery else g
        body, content_type, insight, vote = self._request(source)
        headers = {"Content-Type": content_type, **signed_headers(SIGNING_SECRET, body)}
        if redelivery and content_type == JSON:
            headers.update({"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        with self.sent.lock:
            self.sent.requests += 1
            self.sent.redeliveries += redelivery
            self.sent.insights.add(insight)
            if vote is not None:
                self.sent.votes.add(vote)
        return body, headers

    def _request(self, g: int) -> tuple[bytes, str, str, VoteKey | None]:
        kind, round_ = MIX[g % len(MIX)], g // len(MIX)
        serial = round_ * MIX.count(kind) + MIX[: g % len(MIX)].count(kind)  # n-th request of its kind
        if kind == "capture":
            trigger = f"{1_800_000_000_000 + g}.{g}.bench{g:012d}"
            form = command_form(
                TEXTS[g % len(TEXTS)],
                team_id=TEAM,
                user_id=f"U0C{g % 40:05d}",
                trigger_id=trigger,
                response_url=self.response_url(f"capture-{g}"),
            )
            return encode_form(form), FORM, f"command:{TEAM}:{trigger}", None
        if kind == "reaction":
            ts, voter = self._ts(serial // REACTIONS_PER_MESSAGE), f"U0R{serial:07d}"
            event = reaction_event(ESCALATE, user=voter, item_channel=TALK, item_ts=ts, item_user="U0AUTHOR")
            envelope = event_envelope(event, team_id=TEAM, event_id=f"Ev0BENCH{g:010d}")
            key = message_key(TEAM, TALK, ts)
            return json.dumps(envelope).encode(), JSON, key, (key, voter, "escalate")
        insight_id, key = self.seeded[serial % len(self.seeded)]
        voter = f"U0M{serial:07d}"
        payload = block_actions_payload(
            ids.ACTION_ME_TOO,
            str(insight_id),
            user_id=voter,
            team_id=TEAM,
            channel_id=DIGEST_CHANNEL,
            message_ts="1700000000.000001",
            trigger_id=f"{1_900_000_000_000 + g}.{g}.bench{g:012d}",
            response_url=self.response_url(f"me-too-{g}"),
        )
        return encode_form({"payload": json.dumps(payload)}), FORM, key, (key, voter, "me_too")

    def factory(self, process: int, processes: int, base: int) -> RequestFactory:
        """Process ``process`` sends requests ``base + process``, then every ``processes``-th: round-robin."""
        return lambda i: self.build(base + i * processes + process)


# -- a throwaway database ---------------------------------------------------------------------------


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    """A new, migrated database on ``server_url``'s server; dropped afterwards, whatever happened."""
    import psycopg
    from psycopg import sql

    admin = make_url(normalise_url(server_url))
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"pepites_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = admin.set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def seed(sessions: sessionmaker[Session]) -> list[tuple[int, str]]:
    """A workspace whose digest is due now, with last week's insights; their (id, idempotency key)."""
    now = utc_now()
    make_workspace(sessions, TEAM, now - timedelta(days=30), digest_channel=DIGEST_CHANNEL)
    period = due_period(now, WorkspaceConfig().with_stored({"digest_channel": DIGEST_CHANNEL}))
    ids = seed_week(sessions, TEAM, period.start, SEEDED, prefix="bench")
    with sessions.begin() as session:
        rows = session.execute(select(Insight.id, Insight.idempotency_key).where(Insight.id.in_(ids)))
        return sorted((int(i), str(k)) for i, k in rows)


def escalations(votes: set[VoteKey]) -> int:
    """Insights that reach the quorum with these votes (each person once): one alert each."""
    people: dict[str, set[str]] = {}
    for key, voter, _ in votes:
        people.setdefault(key, set()).add(voter)
    return sum(1 for voters in people.values() if len(voters) >= QUORUM)


def stored(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions.begin() as session:
        insights = session.scalar(select(func.count(Insight.id))) or 0
        votes = session.scalar(select(func.count(Vote.id))) or 0
    return int(insights), int(votes)


class ConnectionWatch:
    """Samples how many connections the replicas hold on the database, every half second; keeps the peak."""

    def __init__(self, sessions: sessionmaker[Session], database: str) -> None:
        self._sessions = sessions
        self._database = database
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="connection-watch", daemon=True)
        self.peak = 0

    def _watch(self) -> None:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()")
        while not self._stop.wait(0.5):
            with self._sessions() as session:
                self.peak = max(self.peak, int(session.scalar(query, {"name": self._database}) or 0))

    def __enter__(self) -> ConnectionWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


# -- the fake Web API, in its own process ---------------------------------------------------------------


def _serve_fake(conn: Connection, messages: list[tuple[str, str, str]]) -> None:
    """Child process body: a FakeSlack knowing ``messages``; answers summaries until told to stop."""
    with FakeSlack() as fake:
        for channel, ts, message_text in messages:
            fake.messages[(channel, ts)] = slack_message(message_text, user="U0AUTHOR", ts=ts)
        conn.send(fake.root_url)
        while conn.recv() is not None:
            calls = fake.calls()
            posts = [str(c.params.get("text", "")) for c in calls if c.method == "chat.postMessage"]
            conn.send(
                {
                    "calls": len(calls),
                    "alerts": sum(1 for p in posts if ALERT.match(p)),
                    "digests": sum(1 for p in posts if DIGEST.match(p)),
                }
            )


@contextmanager
def fake_slack_process(messages: list[tuple[str, str, str]]) -> Iterator[tuple[str, Callable[[], dict[str, int]]]]:
    """A FakeSlack in a child process, so its threads do not share the load generator's interpreter lock.

    Yields its root URL and a function returning what it saw so far (calls, alerts, digests).
    """
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve_fake, args=(child, messages), name="fake-slack", daemon=True)
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the fake Slack process did not start")
        root = str(parent.recv())

        def summary() -> dict[str, int]:
            parent.send("summary")
            return dict(parent.recv())

        yield root, summary
    finally:
        if process.is_alive():
            parent.send(None)
        process.join(10)
        if process.is_alive():
            process.terminate()
            process.join(5)


# -- one configuration --------------------------------------------------------------------------------


def wait_nlp(replicas: Replicas, timeout: float) -> str:
    """Wait until every process's tagging child has loaded spaCy (or failed); the states seen."""
    deadline = time.monotonic() + timeout
    states: list[str] = []
    while time.monotonic() < deadline:
        states = [str(r.health().get("nlp", "unknown")) for r in replicas.replicas]
        if all(s in ("ready", "failed", "unknown") for s in states):
            break
        time.sleep(0.5)
    return ",".join(states)


def load_over(
    replicas: Replicas,
    traffic: Traffic,
    rate: float,
    duration: float,
    concurrency: int,
    base: int = 0,
    *,
    drain: float = 15.0,
) -> LoadResult:
    """``rate`` requests/s split evenly over the processes, each with its share of the connections.

    Requests are numbered from ``base``: the measured load follows the warm-up's without repeating it.
    """
    n = len(replicas)
    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="balancer") as pool:
        futures = [
            pool.submit(
                run_load,
                traffic.factory(r.index, n, base),
                r.events_url,
                rate / n,
                duration,
                max(1, concurrency // n),
                drain=drain,
            )
            for r in replicas.replicas
        ]
        parts = [f.result() for f in futures]
    merged = LoadResult(elapsed_s=max(p.elapsed_s for p in parts))
    for part in parts:
        merged.latencies_ms += part.latencies_ms
        merged.errors.update(part.errors)
        merged.sent += part.sent
        merged.planned += part.planned
        merged.max_lateness_ms = max(merged.max_lateness_ms, part.max_lateness_ms)
    return merged


def settle(sessions: sessionmaker[Session], expected: tuple[int, int], timeout: float = 60.0) -> tuple[int, int]:
    """Wait for the work done after the acks (captures behind reactions, votes) to reach the database."""
    deadline, last, since = time.monotonic() + timeout, (-1, -1), time.monotonic()
    while time.monotonic() < deadline:
        now = stored(sessions)
        if now == expected:
            return now
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > 10:
            return now  # nothing moved for 10 s: what is missing is not coming
        time.sleep(0.2)
    return stored(sessions)


def drive(
    run: Run,
    replicas: Replicas,
    traffic: Traffic,
    sessions: sessionmaker[Session],
    database: str,
    args: argparse.Namespace,
) -> None:
    """Wait for the NLP, warm up, send the measured load, then wait for the rows it should leave."""
    run.note = f"nlp {wait_nlp(replicas, args.start_timeout)} before the load"
    count, base = len(replicas), 0
    if args.warmup > 0:
        load_over(replicas, traffic, args.rate, args.warmup, args.concurrency, drain=args.drain)
        base = count * (math.ceil(args.rate / count * args.warmup) + 1)  # past every request of the warm-up
    with ConnectionWatch(sessions, database) as watch:
        run.result = load_over(replicas, traffic, args.rate, args.duration, args.concurrency, base, drain=args.drain)
        expected = (len(traffic.sent.insights), len(traffic.sent.votes))
        run.stored_insights, run.stored_votes = settle(sessions, expected)
    run.max_connections = watch.peak


def measure(label: str, count: int, args: argparse.Namespace, workdir: Path) -> Run:
    """One configuration on its own database, fake Slack and processes."""
    run = Run(label, count, load_average=os.getloadavg()[0])
    planned = math.ceil(args.rate * (args.duration + args.warmup)) + 2 * count
    with throwaway_database(args.database) as url, fake_slack_process(Traffic.messages(planned)) as (root, seen):
        engine = make_engine(url, pool_size=2)
        sessions = make_sessions(engine)
        try:
            seeded = seed(sessions)
            run.seeded = len(seeded)
            traffic = Traffic(root, seeded)
            env = {"PEPITES_LOG_LEVEL": "WARNING", "PEPITES_QUORUM": str(QUORUM)}
            folder = workdir / label.replace(" ", "-")
            try:
                with Replicas(url, f"{root}/api/", SIGNING_SECRET, folder, count=count, env=env) as replicas:
                    drive(run, replicas, traffic, sessions, make_url(url).database or "", args)
            except RuntimeError as exc:
                run.note = f"did not start: {exc}"
            run.sent = traffic.sent
            with sessions.begin() as session:
                run.digests = int(session.scalar(select(func.count(DigestRun.id))) or 0)
            summary = seen()
            run.alerts, run.digest_posts = summary["alerts"], summary["digests"]
            run.expected_alerts = escalations(traffic.sent.votes)
        finally:
            engine.dispose()
    return run


# -- report -----------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return "   n/a" if math.isnan(value) else f"{value:6.1f}"


def report(runs: list[Run], args: argparse.Namespace) -> bool:
    """Print one line per configuration; True when every run had no error and stored exactly what was sent."""
    print(
        f"\nmixed Slack traffic: {args.rate:g} req/s for {args.duration:g}s (after {args.warmup:g}s of warm-up), "
        f"open loop, round-robin, {args.concurrency} connections in all; 60% /insight, 25% escalation "
        f'reactions, 15% "me too", 2% delivered again to the next process; PostgreSQL; {os.cpu_count()} CPUs\n'
    )
    print(
        f"{'run':11} {'planned':>7} {'sent':>6} {'2xx':>6} {'2xx/s':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} "
        f"{'insights stored/sent':>21} {'votes stored/sent':>18} {'db conns':>8}  errors"
    )
    good = True
    for run in runs:
        if run.result is None:
            print(f"{run.label:11} not measured: {run.note}")
            good = False
            continue
        r, p = run.result, run.result.percentiles()
        errors = ", ".join(f"{k}x{v}" for k, v in sorted(r.errors.items())) or "none"
        insights = f"{run.stored_insights}/{len(run.sent.insights)}"
        votes = f"{run.stored_votes}/{len(run.sent.votes)}"
        print(
            f"{run.label:11} {r.planned:7d} {r.sent:6d} {r.ok:6d} {r.achieved_rate:6.1f} {_ms(p['p50'])} "
            f"{_ms(p['p95'])} {_ms(p['p99'])} {_ms(p['max'])} {insights:>21} {votes:>18} "
            f"{run.max_connections:8d}  {errors}"
        )
        print(
            f"{'':11} {run.note}; {run.sent.requests} requests built with the warm-up, {run.sent.redeliveries} "
            f"of them redeliveries; {run.seeded} seeded insights counted as sent; {run.digests} digest run(s), "
            f"{run.digest_posts} digest post(s); escalation alerts posted/expected {run.alerts}/{run.expected_alerts}; "
            f"load generator at most {r.max_lateness_ms:.0f} ms late; "
            f"machine load average {run.load_average:.1f} at the start"
        )
        if r.errors.get("not_sent_deadline"):
            print(f"{'':11} some requests were built but never sent: stored/sent counts are not comparable")
        exact = (run.stored_insights, run.stored_votes) == (len(run.sent.insights), len(run.sent.votes))
        good &= exact and not r.errors and run.digests == run.digest_posts == 1 and run.alerts == run.expected_alerts
    by_count = {run.replicas: run.result for run in runs if run.result is not None}
    if args.replicas in by_count and 1 in by_count and args.replicas != 1:
        many, one = by_count[args.replicas].percentiles(), by_count[1].percentiles()
        ratios = ", ".join(f"{k} x{many[k] / one[k]:.2f}" for k in ("p50", "p95", "p99") if one[k])
        print(f"\n{args.replicas} processes / 1 process: {ratios}")
    print("\nall runs stored exactly what was sent, without errors" if good else "\nSOME RUN FAILED (see above)")
    return good


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second in all (default 200)")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds per run (default 60)")
    parser.add_argument("--replicas", type=int, default=3, help="app processes in the main run (default 3)")
    parser.add_argument(
        "--database", default=os.environ.get(POSTGRES_ENV), help=f"PostgreSQL server URL (default ${POSTGRES_ENV})"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first (default 3)")
    parser.add_argument("--concurrency", type=int, default=32, help="load generator connections (default 32)")
    parser.add_argument(
        "--drain",
        type=float,
        default=300.0,
        help="seconds past the duration to still send late requests (default 300: all are sent, so rows compare)",
    )
    parser.add_argument("--start-timeout", type=float, default=180.0, help="seconds to wait for the NLP to load")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-process run")
    args = parser.parse_args(argv)
    if not args.database:
        parser.error(f"give --database or set {POSTGRES_ENV} (a PostgreSQL server URL)")
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")

    counts = [args.replicas] + ([] if args.no_baseline or args.replicas == 1 else [1])
    with tempfile.TemporaryDirectory(prefix="pepites-load-") as tmp:
        runs = [measure(f"{n} replica" + ("s" if n > 1 else ""), n, args, Path(tmp)) for n in counts]
    return 0 if report(runs, args) else 1


if __name__ == "__main__":
    sys.exit(main())
