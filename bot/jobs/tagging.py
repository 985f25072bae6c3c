"""Tags insights after the ack, in batches, and updates each reporter's confirmation.

The database is the queue of record: an insight is stored before the ack with ``tagged_at`` empty, and
the worker also sweeps for such rows at start and every minute, so a crash or a restart loses nothing.
The NLP itself runs wherever the given tagger runs (a child process in production, see
:mod:`bot.jobs.tagger_process`); confirmations are posted by a small pool so a slow Slack never holds tagging.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.views.cards import InsightCard
from insights.tagging.duplicates import DuplicateIndex
from insights.types import KnownOrgs, Tags
from models.digests import OPEN_STATUSES
from models.insights import known_subjects, save_tags, untagged_insight_ids
from models.schema import Insight, Workspace, utcnow

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0
BATCH_SIZE = 64
# Near-duplicates are looked for among the workspace's open insights of the last 90 days (the newest 2,000).
DUPLICATE_WINDOW = timedelta(days=90)
DUPLICATE_CANDIDATES = 2000
DUPLICATE_INDEX_SECONDS = 30.0


class BatchTagger(Protocol):
    @property
    def state(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def tag_many(self, texts: Sequence[str], known: KnownOrgs = ...) -> list[Tags]: ...


Notify = Callable[[InsightCard, dict[str, object]], None]


class TaggingWorker:
    """One thread that drains the queue in batches and saves the tags; spaCy runs behind ``tagger``."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        tagger: BatchTagger,
        notify: Notify,
        known: KnownOrgs | None = None,
        notify_threads: int = 4,
    ) -> None:
        self._sessions = sessions
        self.tagger = tagger
        self._notify = notify
        self._known = known or KnownOrgs()
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._notifier = ThreadPoolExecutor(max_workers=notify_threads, thread_name_prefix="confirm")
        self._idle = threading.Condition()
        # Ids queued and not yet tagged: the minute's sweep finds them untagged too, and must not queue
        # them again (a slow or restarting tagging process would otherwise see the queue grow each minute).
        self._queued: set[int] = set()
        self._duplicate_indexes: dict[str, tuple[float, DuplicateIndex | None]] = {}

    def submit(self, insight_id: int) -> None:
        """Queue an insight for tagging (once, however often it is submitted); returns at once."""
        with self._idle:
            if insight_id in self._queued:
                return
            self._queued.add(insight_id)
        self._queue.put(insight_id)

    def start(self) -> None:
        if self._thread is None:
            self.tagger.start()
            self._thread = threading.Thread(target=self._run, name="tagging-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None
        self._notifier.shutdown(wait=True, cancel_futures=False)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until everything submitted so far is tagged (the demo and benchmarks use it)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._queued, timeout)

    def _run(self) -> None:
        self._sweep()
        while True:
            try:
                first = self._queue.get(timeout=SWEEP_SECONDS)
            except queue.Empty:
                self._sweep()
                continue
            batch = [first]
            while len(batch) < BATCH_SIZE:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stopping = None in batch
            ids = [i for i in batch if i is not None]
            try:
                self.tag_batch(ids)
            except Exception:  # noqa: BLE001 - the rows stay untagged and the next sweep retries them
                log.exception("tagging a batch of %d insight(s) failed", len(ids))
            finally:
                with self._idle:
                    self._queued.difference_update(ids)
                    self._idle.notify_all()
            if stopping:
                return

    def _sweep(self) -> None:
        try:
            with self._sessions.begin() as session:
                ids = untagged_insight_ids(session)
        except SQLAlchemyError:
            log.warning("could not look for untagged insights; will try again")
            return
        for insight_id in ids:
            self.submit(insight_id)

    def tag_batch(self, insight_ids: Sequence[int]) -> list[InsightCard]:
        """Tag stored insights, save the tags, then update each reporter's confirmation."""
        by_team: dict[str, list[tuple[int, str]]] = defaultdict(list)
        with self._sessions.begin() as session:
            rows = session.execute(
                select(Insight.id, Insight.text, Workspace.team_id)
                .join(Workspace)
                .where(Insight.id.in_(list(insight_ids)), Insight.tagged_at.is_(None))
            )
            for insight_id, text, team_id in rows:
                by_team[team_id].append((insight_id, text))
            subjects = {team: tuple(known_subjects(session, team)) for team in by_team}
        tagged: dict[int, Tags] = {}
        for team, items in by_team.items():
            known = KnownOrgs(customers=self._known.customers + subjects[team], competitors=self._known.competitors)
            for (insight_id, _), tags in zip(items, self.tagger.tag_many([t for _, t in items], known), strict=True):
                tagged[insight_id] = tags
        cards: list[tuple[InsightCard, dict[str, object]]] = []
        teams: dict[int, str] = {}
        with self._sessions.begin() as session:
            indexes = {team: self._duplicate_index(session, team) for team in by_team}
            for insight_id, tags in tagged.items():
                insight = session.get(Insight, insight_id)
                if insight is None:  # deleted while it was being read
                    continue
                save_tags(session, insight, tags)
                team = insight.workspace.team_id
                where: dict[str, object] = dict(insight.confirmation or {})
                if where:
                    where["team"] = team  # the confirmation speaks the workspace's language
                cards.append((InsightCard.of(insight), where))
                teams[insight.id] = team
        cards = self._with_duplicates(cards, teams, indexes)
        for card, where in cards:
            log.info("insight %s tagged: %s, signal %s", card.id, card.kind, card.signal)
            if where:
                self._notifier.submit(self._notify_safely, card, where)
        return [card for card, _ in cards]

    def _duplicate_index(self, session: Session, team_id: str) -> DuplicateIndex | None:
        """The workspace's recent open insights, indexed to find the one a new insight repeats.

        Rebuilt at most every :data:`DUPLICATE_INDEX_SECONDS` per workspace (it costs a quarter of a
        second for 2,000 insights, too much for every batch under load); an insight shared since the last
        build is not offered as a duplicate until the next one.
        """
        now = time.monotonic()
        cached = self._duplicate_indexes.get(team_id)
        if cached is not None and now - cached[0] < DUPLICATE_INDEX_SECONDS:
            return cached[1]
        since = utcnow() - DUPLICATE_WINDOW
        rows = session.execute(
            select(Insight.id, Insight.text)
            .join(Workspace)
            .where(Workspace.team_id == team_id, Insight.status.in_(OPEN_STATUSES), Insight.created_at >= since)
            .order_by(Insight.id.desc())
            .limit(DUPLICATE_CANDIDATES)
        ).all()
        index = DuplicateIndex([(int(i), str(text)) for i, text in rows]) if rows else None
        self._duplicate_indexes[team_id] = (now, index)
        return index

    @staticmethod
    def _with_duplicates(
        cards: list[tuple[InsightCard, dict[str, object]]],
        teams: dict[int, str],
        indexes: dict[str, DuplicateIndex | None],
    ) -> list[tuple[InsightCard, dict[str, object]]]:
        """Each card with the older open insight it looks like, to offer "+1 to #42 instead"."""
        matches: dict[int, tuple[int, str]] = {}
        for team, index in indexes.items():
            if index is None:
                continue
            queries = [(card.id, card.text) for card, _ in cards if teams.get(card.id) == team]
            texts = dict(zip(index.ids, index.texts, strict=True))
            for insight_id, match in index.closest_many(queries).items():
                matches[insight_id] = (match.id, texts[match.id])
        return [
            (replace(card, duplicate_of=matches[card.id][0], duplicate_text=matches[card.id][1]), where)
            if card.id in matches
            else (card, where)
            for card, where in cards
        ]

    def _notify_safely(self, card: InsightCard, where: dict[str, object]) -> None:
        try:
            self._notify(card, where)
        except Exception:  # noqa: BLE001 - a failed update must not stop the pool
            log.exception("updating the confirmation of insight %s failed", card.id)
