"""Tags insights after the ack, in a worker thread, and updates the reporter's confirmation.

The database is the queue of record: an insight is stored before the ack with ``tagged_at`` empty, and
the worker also sweeps for such rows at start and every minute, so a crash or a restart loses nothing.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.views.cards import InsightCard
from insights.pipeline import LoadedPipelines, Pipelines
from insights.types import KnownOrgs, Tags
from models.repository import known_subjects, save_tags, untagged_insight_ids
from models.schema import Insight

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0


class TextTagger(Protocol):
    def tag(self, text: str, known: KnownOrgs = ...) -> Tags: ...


Notify = Callable[[InsightCard, dict[str, object]], None]


class TaggingWorker:
    """One thread that tags queued insights in order; spaCy gains nothing from more threads (the GIL)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        pipelines: Pipelines,
        make_tagger: Callable[[LoadedPipelines], TextTagger],
        notify: Notify,
        known: KnownOrgs | None = None,
    ) -> None:
        self._sessions = sessions
        self._pipelines = pipelines
        self._make_tagger = make_tagger
        self._notify = notify
        self._known = known or KnownOrgs()
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._tagger: TextTagger | None = None
        self._idle = threading.Condition()
        self._pending = 0

    def submit(self, insight_id: int) -> None:
        """Queue an insight for tagging; returns at once."""
        with self._idle:
            self._pending += 1
        self._queue.put(insight_id)

    def start(self) -> None:
        if self._thread is None:
            self._pipelines.start()
            self._thread = threading.Thread(target=self._run, name="tagging-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until everything submitted so far is tagged (tests and the demo use it)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _run(self) -> None:
        self._sweep()
        while True:
            try:
                item = self._queue.get(timeout=SWEEP_SECONDS)
            except queue.Empty:
                self._sweep()
                continue
            if item is None:
                return
            try:
                self.tag_one(item)
            except Exception:  # noqa: BLE001 - one bad insight must not stop the worker
                log.exception("tagging insight %s failed", item)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _sweep(self) -> None:
        try:
            with self._sessions.begin() as session:
                ids = untagged_insight_ids(session)
        except SQLAlchemyError:
            log.warning("could not look for untagged insights; will try again")
            return
        for insight_id in ids:
            self.submit(insight_id)

    def tagger(self) -> TextTagger:
        if self._tagger is None:
            self._tagger = self._make_tagger(self._pipelines.get())
        return self._tagger

    def tag_one(self, insight_id: int) -> InsightCard | None:
        """Tag one stored insight, save the tags, then update the reporter's confirmation."""
        tagger = self.tagger()
        with self._sessions.begin() as session:
            insight = session.get(Insight, insight_id)
            if insight is None or insight.tagged_at is not None:
                return None
            team_id = insight.workspace.team_id
            subjects = tuple(known_subjects(session, team_id))
            text = insight.text
        known = KnownOrgs(
            customers=self._known.customers + subjects,
            competitors=self._known.competitors,
        )
        tags = tagger.tag(text, known)
        with self._sessions.begin() as session:
            insight = session.get(Insight, insight_id)
            if insight is None:  # deleted while it was being read
                return None
            save_tags(session, insight, tags)
            card = InsightCard.of(insight)
            where = dict(insight.confirmation or {})
        log.info(
            "insight %s tagged: %s (%.2f), signal %s", insight_id, card.kind, card.kind_confidence or 0, card.signal
        )
        if where:
            self._notify(card, where)
        return card
