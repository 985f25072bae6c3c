"""Battery 6: three real app processes on one PostgreSQL, a signed load spread over them, Slack's redeliveries
sent to another replica at the same time, one replica killed mid-run. Rows and posts are counted exactly."""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.flows.capture import message_key
from bot.flows.digest import due_period
from bot.jobs.scheduler import utc_now
from bot.workspace_config import WorkspaceConfig
from models.db import make_engine, make_sessions
from models.schema import DigestRun, Insight, Vote
from tests.bot.conftest import SIGNING_SECRET
from tests.conftest import TABLES
from tests.support.fake_slack import FakeSlack
from tests.support.replicas import Delivered, Replicas, deliver
from tests.support.seed import make_workspace, seed_week
from tests.support.slack_requests import (
    FORM,
    JSON,
    Response,
    SlackSender,
    block_actions_payload,
    command_form,
    encode_form,
    event_envelope,
    reaction_event,
    slack_message,
)

pytestmark = pytest.mark.postgres

TEAM = "T1"  # the fake Web API's team: auth.test answers it
DIGEST = "C0DIGEST"
TALK = "C0TALK"
VICTIM = 1
ESCALATE = ids.DEFAULT_ESCALATION_EMOJIS[0]
SEEDED = 12  # last week's insights, so the digest due at start-up has something to say
COMMANDS = 60  # /insight <text>, from 30 people
MESSAGES = 6  # messages escalated by reactions (each captured by the first reaction that lands)
REACTORS = 4  # distinct people reacting to each message; the quorum is 3
ME_TOO_TARGETS = 4  # seeded insights people click "me too" on
ME_TOO_VOTERS = 4
PACE_SECONDS = 0.015
QUORUM = 3
DRAIN_AT = 0.4  # the share of deliveries sent when the victim stops getting reactions and clicks
KILLED_BY = 0.75  # the share sent by when it must be dead: the rest goes out with it dead
TEXTS = (
    "Le VPN coupe encore pendant les démos client.",
    "Biocoop trouve nos délais de livraison trop longs.",
    "The new login page doubled password reset tickets.",
    "Idée : un tableau partagé pour suivre les devis.",
    "La machine à café du 3e est en panne depuis lundi.",
)

VoteKey = tuple[str, str, str]  # (insight idempotency key, voter, kind)


@dataclass(frozen=True)
class Delivery:
    """One request Slack sends (or sends again): its body, the replica it goes to first, the vote it counts."""

    kind: str  # "command", "reaction" or "me_too"
    body: bytes
    content_type: str
    first: int
    redelivery: bool = False
    vote: VoteKey | None = None

    def send(self, sender: SlackSender, attempt: int) -> Response:
        """Slack marks an event sent again (after a timeout or a failure) with its retry number."""
        retry = attempt + (1 if self.redelivery else 0)
        headers = None
        if self.kind == "reaction" and retry:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return sender.post(self.body, self.content_type, extra_headers=headers)


@dataclass
class Plan:
    """Everything the load sends, and the distinct things it should leave in the database."""

    deliveries: list[Delivery] = field(default_factory=list)
    insight_keys: set[str] = field(default_factory=set)
    votes: set[VoteKey] = field(default_factory=set)
    escalated_keys: set[str] = field(default_factory=set)


@pytest.fixture
def replica_database(postgres_database: str) -> Iterator[str]:
    """The session's PostgreSQL database, emptied (migrated already, so replicas do not race to migrate)."""
    engine = make_engine(postgres_database)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield postgres_database


@pytest.fixture
def sessions(replica_database: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(replica_database)
    yield make_sessions(engine)
    engine.dispose()


def seed(sessions: sessionmaker[Session], fake: FakeSlack) -> list[tuple[int, str]]:
    """A workspace installed a month ago whose digest is due now, last week's insights, today's messages."""
    now = utc_now()
    make_workspace(sessions, TEAM, now - timedelta(days=30), digest_channel=DIGEST)
    period = due_period(now, WorkspaceConfig().with_stored({"digest_channel": DIGEST}))
    ids = seed_week(sessions, TEAM, period.start, SEEDED)
    for m in range(MESSAGES):
        ts = f"1700000100.{m:06d}"
        fake.messages[(TALK, ts)] = slack_message(f"{TEXTS[m % len(TEXTS)]} (message {m})", user="U0AUTHOR", ts=ts)
    with sessions.begin() as session:
        rows = session.execute(select(Insight.id, Insight.idempotency_key).where(Insight.id.in_(ids)))
        return sorted((int(i), str(k)) for i, k in rows)


def plan_load(fake: FakeSlack, seeded: list[tuple[int, str]], replicas: int) -> Plan:
    """Captures, escalation reactions and "me too" clicks, shuffled; a third of them delivered twice."""
    plan = Plan(insight_keys={key for _, key in seeded})
    originals: list[Delivery] = []
    for n in range(COMMANDS):
        form = command_form(
            f"{TEXTS[n % len(TEXTS)]} (capture {n})",
            team_id=TEAM,
            user_id=f"U0CAP{n % 30:03d}",
            response_url=fake.response_url(f"capture-{n}"),
        )
        plan.insight_keys.add(f"command:{TEAM}:{form['trigger_id']}")
        originals.append(Delivery("command", encode_form(form), FORM, 0))
    for m in range(MESSAGES):
        ts = f"1700000100.{m:06d}"
        key = message_key(TEAM, TALK, ts)
        plan.insight_keys.add(key)
        plan.escalated_keys.add(key)
        for r in range(REACTORS):
            voter = f"U0UP{m}{r:02d}"
            event = reaction_event(ESCALATE, user=voter, item_channel=TALK, item_ts=ts, item_user="U0AUTHOR")
            body = json.dumps(event_envelope(event, team_id=TEAM)).encode()
            originals.append(Delivery("reaction", body, JSON, 0, vote=(key, voter, "escalate")))
    for insight_id, key in seeded[:ME_TOO_TARGETS]:
        plan.escalated_keys.add(key)
        for v in range(ME_TOO_VOTERS):
            voter = f"U0TOO{insight_id}{v:02d}"
            payload = block_actions_payload(
                ids.ACTION_ME_TOO,
                str(insight_id),
                user_id=voter,
                team_id=TEAM,
                channel_id=DIGEST,
                message_ts="1700000000.000001",
                response_url=fake.response_url(f"me-too-{insight_id}-{v}"),
            )
            body = encode_form({"payload": json.dumps(payload)})
            originals.append(Delivery("me_too", body, FORM, 0, vote=(key, voter, "me_too")))
    shuffle = random.Random(6)
    shuffle.shuffle(originals)
    spread = itertools.count()
    for n, original in enumerate(originals):
        first = next(spread) % replicas
        plan.deliveries.append(Delivery(original.kind, original.body, original.content_type, first, vote=original.vote))
        if original.vote is not None:
            plan.votes.add(original.vote)
        if n % 3 == 0:  # the same request again, at the same time, to another replica
            again = Delivery(original.kind, original.body, original.content_type, (first + 1) % replicas, True)
            plan.deliveries.append(again)
    return plan


def stored_votes(sessions: sessionmaker[Session]) -> set[VoteKey]:
    with sessions.begin() as session:
        rows = session.execute(
            select(Insight.idempotency_key, Vote.voter_id, Vote.kind).join(Insight, Insight.id == Vote.insight_id)
        )
        return {(str(k), str(v), str(kind)) for k, v, kind in rows}


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """(insights, votes) stored."""
    with sessions.begin() as session:
        insights = session.scalar(select(func.count(Insight.id))) or 0
        votes = session.scalar(select(func.count(Vote.id))) or 0
    return int(insights), int(votes)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f}s")
        time.sleep(0.05)


class Load:
    """Runs a plan over the replicas from a thread pool and kills the victim part-way through.

    The victim is killed with /insight commands still going to it. A command's insight is stored before
    its ack, so a command the victim acked is in the database and one cut mid-request is sent again. A
    reaction or a click is acked first and counted after, on the listener's thread, and Slack never
    delivers an acked request again: before the kill the victim stops getting those, and the kill waits
    until what it acked is counted and, where a vote completed the quorum, escalated and alerted. (Work a
    replica acked, or an escalation it committed but did not yet post, is lost if it dies in between.)
    """

    def __init__(self, replicas: Replicas, sessions: sessionmaker[Session], fake: FakeSlack, victim: int) -> None:
        self.replicas = replicas
        self.sessions = sessions
        self.fake = fake
        self.victim = victim
        self.results: list[tuple[Delivery, Delivered]] = []
        self._lock = threading.Lock()
        self._draining = False
        self._victim_busy = 0
        self._victim_acked: set[VoteKey] = set()
        self.killed_after: int | None = None
        self._submitted = 0
        self.kill_error: BaseException | None = None

    def _route(self, delivery: Delivery) -> tuple[int, bool]:
        with self._lock:
            first = delivery.first
            if first == self.victim and delivery.kind != "command":
                if self._draining:
                    first = (first + 1) % len(self.replicas)
                else:
                    self._victim_busy += 1
                    return first, True
            return first, False

    def _send(self, delivery: Delivery) -> None:
        first, tracked = self._route(delivery)
        delivered: Delivered | None = None
        try:
            delivered = deliver(self.replicas, first, delivery.send)
        finally:
            with self._lock:  # what the victim acked is known before it stops counting as busy
                if delivered is not None:
                    self.results.append((delivery, delivered))
                    if delivered.replica == self.victim and delivered.response.status == 200 and delivery.vote:
                        self._victim_acked.add(delivery.vote)
                if tracked:
                    self._victim_busy -= 1

    def _escalations_done(self, keys: set[str]) -> bool:
        """Every insight among ``keys`` that has the quorum is escalated and its alert posted."""
        with self.sessions.begin() as session:
            rows = session.execute(
                select(Insight.id, Insight.escalated_at, func.count(func.distinct(Vote.voter_id)))
                .join(Vote, Vote.insight_id == Insight.id)
                .where(Insight.idempotency_key.in_(keys))
                .group_by(Insight.id)
            ).all()
        alerted = set(alerted_ids(self.fake))
        return all(people < QUORUM or (escalated is not None and i in alerted) for i, escalated, people in rows)

    def _kill(self) -> None:
        try:
            self._drain_and_kill()
        except BaseException as exc:  # re-raised by run(), on the test's thread
            self.kill_error = exc

    def _drain_and_kill(self) -> None:
        with self._lock:
            self._draining = True
        wait_until(lambda: self._victim_busy == 0, 20, "the victim's last reactions and clicks were not answered")
        with self._lock:
            acked = set(self._victim_acked)
        # A vote is committed, then the escalation, then the alert is posted: all of it must be done.
        wait_until(lambda: acked <= stored_votes(self.sessions), 20, "the votes the victim acked were not counted")
        keys = {key for key, _, _ in acked}
        wait_until(lambda: self._escalations_done(keys), 20, "the victim's escalations were not alerted")
        with self._lock:
            self.killed_after = self._submitted
        self.replicas.kill(self.victim)

    def run(self, deliveries: list[Delivery], workers: int = 12) -> None:
        drain_at, killed_by = int(len(deliveries) * DRAIN_AT), int(len(deliveries) * KILLED_BY)
        futures: list[Future[None]] = []
        killer = threading.Thread(target=self._kill, name="killer")
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack") as pool:
            for n, delivery in enumerate(deliveries):
                if n == drain_at:
                    killer.start()  # the load goes on meanwhile: /insight commands still reach the victim
                if n == killed_by:
                    killer.join()
                futures.append(pool.submit(self._send, delivery))
                with self._lock:
                    self._submitted = n + 1
                time.sleep(PACE_SECONDS)
            for future in futures:
                future.result()
        if killer.is_alive():
            killer.join()
        if self.kill_error is not None:
            raise self.kill_error


def digest_posts(fake: FakeSlack) -> list[str]:
    return [
        str(c.params.get("text", ""))
        for c in fake.calls("chat.postMessage")
        if c.params.get("channel") == DIGEST and str(c.params.get("text", "")).startswith("Pépites : le résumé")
    ]


def alerted_ids(fake: FakeSlack) -> list[int]:
    found = (
        re.match(r"Pépite n°(\d+) remontée", str(c.params.get("text", ""))) for c in fake.calls("chat.postMessage")
    )
    return [int(m.group(1)) for m in found if m]


def test_replicas_count_every_capture_vote_and_digest_exactly_once_when_one_is_killed(
    replica_database: str, sessions: sessionmaker[Session], fake_slack: FakeSlack, tmp_path: Path
) -> None:
    seeded = seed(sessions, fake_slack)
    env = {"PEPITES_LISTENER_THREADS": "8", "PEPITES_HTTP_THREADS": "8", "PEPITES_QUORUM": str(QUORUM)}
    with Replicas(replica_database, fake_slack.base_url, SIGNING_SECRET, tmp_path, count=3, env=env) as replicas:
        try:
            # Every scheduler ticks at start-up and races for the digest that is due.
            wait_until(lambda: len(digest_posts(fake_slack)) >= 1, 60, "no digest was posted")
            plan = plan_load(fake_slack, seeded, len(replicas))
            load = Load(replicas, sessions, fake_slack, VICTIM)
            load.run(plan.deliveries)

            expected = (len(plan.insight_keys), len(plan.votes))
            wait_until(lambda: counts(sessions) == expected, 30, f"expected (insights, votes) {expected}")
            wait_until(lambda: len(alerted_ids(fake_slack)) >= len(plan.escalated_keys), 30, "alerts missing")
            time.sleep(1.0)  # anything extra, a late duplicate, would land now
        except BaseException:
            print(replicas.logs())
            raise
        live = [r.index for r in replicas.live()]

    assert live == [i for i in range(3) if i != VICTIM]
    assert load.killed_after is not None and load.killed_after < len(plan.deliveries)
    failed_over = [d for d, how in load.results if VICTIM in how.failed_over]
    assert failed_over, "nothing was sent to the victim after it died"
    statuses = {how.response.status for _, how in load.results}
    assert statuses == {200}
    for delivery, how in load.results:
        if delivery.kind == "command":
            assert re.search(r"pépite n°\d+", how.response.json()["text"], re.IGNORECASE)

    assert counts(sessions) == (len(plan.insight_keys), len(plan.votes))
    with sessions.begin() as session:
        keys = set(session.scalars(select(Insight.idempotency_key)))
        escalated = set(session.scalars(select(Insight.idempotency_key).where(Insight.escalated_at.is_not(None))))
        runs = [(r.status, r.attempts) for r in session.scalars(select(DigestRun))]
    assert keys == plan.insight_keys
    assert stored_votes(sessions) == plan.votes
    assert escalated == plan.escalated_keys
    alerts = alerted_ids(fake_slack)
    assert len(alerts) == len(set(alerts)) == len(plan.escalated_keys)  # one alert per escalated insight

    assert runs == [("posted", 1)]
    assert len(digest_posts(fake_slack)) == 1
