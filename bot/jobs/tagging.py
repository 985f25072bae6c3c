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
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.themes import catch_up
from bot.slack.cache import TTLCache
from insights.tagging.duplicates import DuplicateIndex
from insights.tagging.known import Role, build_known, found_role, learn_all, learn_found
from insights.types import KnownOrgs, Tags
from models.db import mark_background
from models.history import imported_orgs
from models.insights import channel_names, people_said_orgs, untagged_insight_ids
from models.read import InsightCard
from models.schema import utcnow
from models.tagging import ToTag, open_texts_since, store_tags, untagged_texts
from models.workspaces import find_workspace

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0
BATCH_SIZE = 64
# Near-duplicates are looked for among the workspace's open insights of the last 90 days (the newest 2,000).
DUPLICATE_WINDOW = timedelta(days=90)
DUPLICATE_CANDIDATES = 2000
DUPLICATE_INDEX_SECONDS = 30.0


def workspace_orgs(session: Session, team_id: str, base: KnownOrgs) -> KnownOrgs:
    """The organisations the tagger matches first in a workspace: the settings lists (``base``), channel names
    such as ``#client-biocoop``, the subjects found in imported history (new names only), then every subject a
    person confirmed or corrected (the latest word wins)."""
    known = build_known(base.customers, base.competitors, base.vendors, channel_names=channel_names(session, team_id))
    known = learn_found(known, [(subject, found_role(signal)) for subject, signal in imported_orgs(session, team_id)])
    said: list[tuple[str, Role]] = [
        (subject, found_role(signal)) for subject, signal in people_said_orgs(session, team_id)
    ]
    return learn_all(known, said)


class BatchTagger(Protocol):
    @property
    def state(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def tag_many(
        self, texts: Sequence[str], known: KnownOrgs = ..., *, customers: Sequence[str | None] | None = ...
    ) -> list[Tags]: ...


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
        self._notifier = ThreadPoolExecutor(
            max_workers=notify_threads, thread_name_prefix="confirm", initializer=mark_background
        )
        self._idle = threading.Condition()
        self._stopping = threading.Event()
        # Ids queued and not yet tagged: the minute's sweep finds them untagged too, and must not queue
        # them again (a slow or restarting tagging process would otherwise see the queue grow each minute).
        self._queued: set[int] = set()
        self._duplicate_indexes: TTLCache[str, DuplicateIndex | None] = TTLCache(DUPLICATE_INDEX_SECONDS)

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

    def stop(self, timeout: float = 5.0) -> bool:
        """Finish the batch in hand (within ``timeout`` s) and stop; True if it did. What is still queued stays
        untagged in the database, for the next start's sweep or another replica's."""
        finished = True
        if self._thread is not None:
            self._stopping.set()
            self._queue.put(None)
            self._thread.join(timeout)
            finished = not self._thread.is_alive()
            self._thread = None
        self._notifier.shutdown(wait=finished, cancel_futures=not finished)
        return finished

    @property
    def pending(self) -> int:
        """Insights queued and not tagged yet."""
        with self._idle:
            return len(self._queued)

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until everything submitted so far is tagged (the demo and benchmarks use it)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._queued, timeout)

    def _run(self) -> None:
        mark_background()  # its SQLite writes wait while a request's are queued (models.db.WriteGate)
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
            if stopping or self._stopping.is_set():
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
        by_team: dict[str, list[ToTag]] = defaultdict(list)
        with self._sessions.begin() as session:
            for item in untagged_texts(session, insight_ids):
                by_team[item.team_id].append(item)
            known = {team: self._workspace_orgs(session, team) for team in by_team}
        tagged: dict[int, Tags] = {}
        for team, items in by_team.items():
            texts, customers = [i.text for i in items], [i.customer for i in items]
            for item, tags in zip(items, self.tagger.tag_many(texts, known[team], customers=customers), strict=True):
                tagged[item.id] = tags
        cards: list[tuple[InsightCard, dict[str, object]]] = []
        teams: dict[int, str] = {}
        with self._sessions.begin() as session:
            indexes = {team: self._duplicate_index(session, team) for team in by_team}
        for insight_id, tags in tagged.items():
            # One insight's tags per unit of work: on SQLite a write transaction holds the database's only write
            # lock, and a whole batch's (tens of milliseconds) kept captures waiting for it before their ack.
            with self._sessions.begin() as session:
                saved = store_tags(session, insight_id, tags)
            if saved is None:  # deleted while it was being read
                continue
            where: dict[str, object] = dict(saved.confirmation)
            if where:
                where["team"] = saved.team_id  # the confirmation speaks the workspace's language
            cards.append((saved.card, where))
            teams[insight_id] = saved.team_id
        self._join_themes(teams)
        cards = self._with_duplicates(cards, teams, indexes)
        for card, where in cards:
            log.info("insight %s tagged: %s, signal %s", card.id, card.kind, card.signal)
            if where:
                self._notifier.submit(self._notify_safely, card, where)
        return [card for card, _ in cards]

    def _join_themes(self, teams: dict[int, str]) -> None:
        """Just-tagged insights join their closest catalogue theme now (new themes wait for the tick), so the
        managers' Home shows them the same day. Best effort: the tick catches up on whatever fails here."""
        by_team: dict[str, list[int]] = defaultdict(list)
        for insight_id, team in teams.items():
            by_team[team].append(insight_id)
        for team, ids in by_team.items():
            try:
                with self._sessions.begin() as session:
                    workspace = find_workspace(session, team)
                    if workspace is not None:
                        catch_up(session, workspace.id, found_new=False, ids=ids)
            except Exception:  # noqa: BLE001 - themes must never lose a tag or a confirmation
                log.exception("insights %s could not join their themes; the tick will", ids)

    def _workspace_orgs(self, session: Session, team_id: str) -> KnownOrgs:
        """The organisations the tagger matches first: the settings lists, channel names such as
        ``#client-biocoop``, then every subject a person confirmed or corrected (the latest word wins)."""
        return workspace_orgs(session, team_id, self._known)

    def _duplicate_index(self, session: Session, team_id: str) -> DuplicateIndex | None:
        """The workspace's recent open insights, indexed to find the one a new insight repeats.

        Rebuilt at most every :data:`DUPLICATE_INDEX_SECONDS` per workspace (it costs a quarter of a
        second for 2,000 insights, too much for every batch under load); an insight shared since the last
        build is not offered as a duplicate until the next one.
        """

        def build() -> DuplicateIndex | None:
            rows = open_texts_since(session, team_id, utcnow() - DUPLICATE_WINDOW, DUPLICATE_CANDIDATES)
            return DuplicateIndex(rows) if rows else None

        return self._duplicate_indexes.get_or_load(team_id, build)

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
