"""The event inbox: events are stored before their 2xx and run after it.

A listener registered with :meth:`EventInbox.listener` only records the event (``slack_event``, one short
transaction, a redelivery stored once) and returns, so Slack's 2xx leaves in milliseconds and what it
acknowledged is in the database. One worker per process claims stored events (a conditional update: two
replicas never run one at once), runs the flow registered for the event's type with the workspace's client on a
small pool, and marks it done. It is woken at once by a record in this process and sweeps every few seconds for
the rest: events left by a restart, another replica's, and claims gone stale because their process died. A flow
that raises is tried again once its claim is stale, up to :data:`models.events.MAX_ATTEMPTS` runs. Each flow is
idempotent (capture keys, vote keys), so an event run twice after a crash stores nothing twice.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.slack.payloads import workspace_of
from models.db import mark_background
from models.events import ClaimedEvent, claim, fail, finish, prune, record, release, unclaimed, unfinished
from models.schema import utcnow

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5.0
RECLAIM_SECONDS = 60.0  # a claim older than this belongs to a process that died (or gave up on it for now)
KEEP_DONE = timedelta(days=1)  # finished events are forgotten after a day (they may hold message text)
PRUNE_SECONDS = 3600.0

# A flow, called with keywords: ``event``, ``context`` (Bolt's, rebuilt from what was stored), ``client`` (the
# workspace's).
Flow = Callable[..., None]
ClientFor = Callable[[str], WebClient | None]

CONTEXT_KEYS = ("team_id", "enterprise_id", "is_enterprise_install", "bot_id", "bot_user_id", "user_id")


def event_kind(event: dict[str, Any]) -> str:
    """The flow's key: the event's type, or a message's subtype (``message_changed``)."""
    kind = str(event.get("type") or "")
    if kind == "message" and event.get("subtype"):
        return str(event["subtype"])
    return kind


class EventInbox:
    """Records events in the ack path; one worker thread claims and runs them on ``threads`` threads."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client_for: ClientFor,
        *,
        threads: int = 4,
        reclaim_seconds: float = RECLAIM_SECONDS,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._client_for = client_for
        self._flows: dict[str, Flow] = {}
        self._threads = threads
        self._reclaim = timedelta(seconds=reclaim_seconds)
        self._sweep = sweep_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Condition()
        self._running = 0  # events being run now
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._last_prune = 0.0

    # The ack path

    def on(self, kind: str, flow: Flow) -> None:
        """Run ``flow`` for stored events of ``kind`` (see :func:`event_kind`)."""
        self._flows[kind] = flow

    def listener(self, body: dict[str, Any], event: dict[str, Any], context: BoltContext) -> None:
        """The Bolt listener: store the event once, wake the worker, return (the 2xx follows). Raises if the
        database refuses it: Bolt answers 500 and Slack delivers the event again."""
        team = workspace_of(context)
        event_id = str(body.get("event_id") or f"none:{uuid.uuid4().hex}")  # a test's bare event: kept, not deduped
        stored = {key: context.get(key) for key in CONTEXT_KEYS if context.get(key) is not None}
        stored["is_ext_shared_channel"] = bool(body.get("is_ext_shared_channel"))
        with self._sessions.begin() as session:
            fresh = record(session, team, event_id, event_kind(event), event, stored)
        if fresh:
            self._wake.set()

    # The worker

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            # Background writers: their SQLite writes wait while a request's are queued (models.db.WriteGate).
            self._pool = ThreadPoolExecutor(
                max_workers=self._threads, thread_name_prefix="event", initializer=mark_background
            )
            self._thread = threading.Thread(target=self._run, name="event-inbox", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Claim no more, let the events being run finish (within ``timeout`` s); True if they did. Events
        stored and not run stay in the table for the next start or another replica."""
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        self._stopping.set()
        self._wake.set()
        thread.join(timeout)
        with self._lock:
            finished = self._lock.wait_for(lambda: self._running == 0, max(timeout, 0.0))
        if self._pool is not None:
            self._pool.shutdown(wait=finished, cancel_futures=True)
        return finished

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until every stored event was taken and none is running here (tests and benchmarks); one whose
        flow failed counts as taken (it waits for its claim to go stale)."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not deadline.is_set():
                with self._lock:
                    running = self._running
                if running == 0 and self._unclaimed() == 0:
                    return True
                self._wake.set()
                deadline.wait(0.05)
            return False
        finally:
            timer.cancel()

    def unfinished(self) -> int:
        """Events stored and not run yet, by any process."""
        with self._sessions.begin() as session:
            return unfinished(session)

    def _unclaimed(self) -> int:
        with self._sessions.begin() as session:
            return unclaimed(session)

    def drain_once(self) -> int:
        """Claim what the free threads can take and hand it to them; how many were claimed."""
        with self._lock:
            free = self._threads - self._running
            if free <= 0 or self._stopping.is_set():
                return 0
            self._running += free  # reserved while claiming: a claimed event is never seen as neither stored nor run
        claimed: list[ClaimedEvent] = []
        try:
            with self._sessions.begin() as session:
                claimed = claim(session, free, self._reclaim)
        except SQLAlchemyError as exc:
            log.warning("could not claim stored events (%s); will try again", type(exc).__name__)
        if claimed and self._stopping.is_set():  # stopped while claiming: free them for the next process at once
            self._release([c.id for c in claimed])
            claimed = []
        with self._lock:
            self._running -= free - len(claimed)
            self._lock.notify_all()
        assert self._pool is not None
        for item in claimed:
            self._pool.submit(self._run_one, item)
        return len(claimed)

    def run_now(self, item: ClaimedEvent) -> None:
        """Run one claimed event here and record how it went (the pool calls it; tests too)."""
        flow = self._flows.get(item.type)
        error: str | None = None
        try:
            if flow is not None:
                client = self._client_for(item.team_id)
                if client is None:
                    log.info("event %s of a workspace without installation: dropped", item.type)
                else:
                    flow(event=item.event, context=_context(item), client=client)
        except Exception as exc:  # noqa: BLE001 - kept as the row's error, tried again once stale
            log.exception("running a stored %s event failed (attempt %d)", item.type, item.attempts)
            error = type(exc).__name__
        try:
            with self._sessions.begin() as session:
                if error is None:
                    finish(session, item.id)
                elif fail(session, item.id, error):
                    log.error("a stored %s event failed %d times: given up", item.type, item.attempts)
        except SQLAlchemyError as exc:  # the claim goes stale and the event runs again (idempotent)
            log.warning("could not record a stored event's outcome (%s)", type(exc).__name__)

    def _run_one(self, item: ClaimedEvent) -> None:
        try:
            self.run_now(item)
        finally:
            with self._lock:
                self._running -= 1
                self._lock.notify_all()
            self._wake.set()  # a thread is free: claim the next one

    def _run(self) -> None:
        mark_background()
        while not self._stopping.is_set():
            self._wake.clear()
            self.drain_once()
            self._prune()
            self._wake.wait(self._sweep)

    def _release(self, ids: list[int]) -> None:
        try:
            with self._sessions.begin() as session:
                release(session, ids)
        except SQLAlchemyError as exc:
            log.warning("could not release claimed events (%s); they are taken over once stale", type(exc).__name__)

    def _prune(self) -> None:
        now = utcnow()
        if now.timestamp() - self._last_prune < PRUNE_SECONDS:
            return
        self._last_prune = now.timestamp()
        try:
            with self._sessions.begin() as session:
                prune(session, now - KEEP_DONE)
        except SQLAlchemyError as exc:
            log.warning("could not forget finished events (%s)", type(exc).__name__)


def _context(item: ClaimedEvent) -> BoltContext:
    """Bolt's context as the request had it, from what was stored with the event."""
    context = BoltContext()
    for key in CONTEXT_KEYS:
        if key in item.context:
            context[key] = item.context[key]
    context["is_ext_shared_channel"] = bool(item.context.get("is_ext_shared_channel"))
    return context
