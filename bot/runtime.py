"""Builds one process's parts in order: database (migrated), tagging process and worker, client, Bolt app."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_bolt import App
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.app import create_app
from bot.flows.confirmations import update_confirmation
from bot.flows.live_import import LiveImportDeps
from bot.jobs.history_import import LiveImports
from bot.jobs.inbox import EventInbox
from bot.jobs.scheduler import TICK_SECONDS, DigestScheduler, utc_now
from bot.jobs.tagger_process import SubprocessTagger
from bot.jobs.tagging import BatchTagger, TaggingWorker
from bot.services import Capture, Database, Services, Workspaces
from bot.settings import Settings
from bot.slack.client import make_web_client
from bot.slack.installations import Installations
from bot.slack.managers import ManagerDirectory
from bot.slack.server import Gate, WSGIApp, make_wsgi
from bot.workspace_config import ConfigCache, WorkspaceConfig
from insights.types import KnownOrgs
from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.privacy import ReporterVault
from models.read import InsightCard

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stopped:
    """What a stop drained: requests that were in flight, whether they, the stored events being run and the
    tagging batch finished in time, the events and insights left (the next start, or another replica, takes
    them)."""

    requests_in_flight: int
    requests_finished: bool
    events_finished: bool
    events_left: int
    tagging_finished: bool
    left_untagged: int
    seconds: float


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    services: Services
    app: App
    wsgi: WSGIApp

    scheduler: DigestScheduler | None = None
    owns_tagger: bool = True
    gate: Gate = field(default_factory=Gate)

    def start(self) -> None:
        """Start the tagging process (it loads spaCy in the background), its worker, the event inbox's worker
        (it resumes the events stored and not run) and the digest scheduler."""
        self.services.tagging.start()
        self.services.inbox.start()
        if self.scheduler is not None:
            self.scheduler.start()

    def stop(self, grace: float | None = None) -> Stopped:
        """Stop within ``grace`` seconds (``PEPITES_SHUTDOWN_GRACE`` by default): refuse new requests (503, and
        /healthz too), let those in flight finish, stop the scheduler claiming (a tick under way ends), let
        the tagging worker finish its batch, then stop the tagging process and close the database."""
        started = time.monotonic()
        deadline = started + (self.settings.shutdown_grace if grace is None else grace)
        in_flight = self.gate.close()
        requests_finished = self.gate.wait_empty(deadline - time.monotonic())
        inbox = self.services.inbox
        events_finished = inbox.stop(timeout=max(deadline - time.monotonic(), 0.1))
        events_left = _unfinished(inbox)
        self.services.imports.stop(timeout=max(deadline - time.monotonic(), 0.1))
        if self.scheduler is not None:
            self.scheduler.stop()
        tagging = self.services.tagging
        # A batch waiting for the tagging process to load cannot finish in time: it stays for the next sweep.
        ready = tagging.tagger.state == "ready"
        tagging_finished = tagging.stop(timeout=max(deadline - time.monotonic(), 0.1) if ready else 0.1)
        left = tagging.pending
        if self.owns_tagger:
            tagging.tagger.stop()
        self.engine.dispose()
        seconds = time.monotonic() - started
        return Stopped(in_flight, requests_finished, events_finished, events_left, tagging_finished, left, seconds)


def build_runtime(
    settings: Settings,
    *,
    tagger: BatchTagger | None = None,
    token_verification: bool = True,
    migrate: bool = True,
    schedule: bool = True,
    clock: Callable[[], datetime] = utc_now,
    tick_seconds: float = TICK_SECONDS,
) -> Runtime:
    """Everything one process needs; ``settings.require_slack()`` must hold."""
    settings.require_slack()
    if migrate:
        upgrade(settings.database_url)
    engine = make_engine(settings.database_url, pool_size=settings.listener_threads)
    sessions = make_sessions(engine)
    client = make_web_client(settings.bot_token, settings.slack_api_url, timeout=settings.slack_timeout)
    owns_tagger = tagger is None
    tagger = tagger or SubprocessTagger(settings.model_dir)

    db = Database(sessions, ReporterVault(settings.secret_key or ""))
    workspaces = Workspaces(
        configs=ConfigCache(sessions, WorkspaceConfig.defaults(settings)),
        managers=ManagerDirectory(),
        installations=Installations(settings, engine, client),
    )
    known = KnownOrgs(customers=settings.known_customers, competitors=settings.known_competitors)
    tagging = TaggingWorker(sessions, tagger, _confirmation_updater(db, workspaces), known)
    services = Services(
        settings=settings,
        db=db,
        workspaces=workspaces,
        capture=Capture(db, settings.rate_limit, tagging),
        tagging=tagging,
        client=client,
        inbox=EventInbox(
            sessions,
            workspaces.client_for,
            threads=settings.event_threads,
            reclaim_seconds=settings.event_reclaim,
        ),
        imports=LiveImports(
            LiveImportDeps(sessions, db.vault, tagger, known), workspaces.config, workspaces.client_for
        ),
    )
    app = create_app(services, token_verification=token_verification)
    scheduler = (
        DigestScheduler(
            sessions,
            workspaces.client_for,
            workspaces.configs.defaults,
            clock=clock,
            interval=tick_seconds,
            managers=workspaces.managers,
        )
        if schedule
        else None
    )
    gate = Gate()
    wsgi = make_wsgi(app, settings.signing_secret or "", sessions, lambda: tagging.tagger.state, gate)
    return Runtime(
        settings=settings,
        engine=engine,
        services=services,
        app=app,
        wsgi=wsgi,
        scheduler=scheduler,
        owns_tagger=owns_tagger,
        gate=gate,
    )


def _unfinished(inbox: EventInbox) -> int:
    try:
        return inbox.unfinished()
    except SQLAlchemyError:
        return -1  # the database is away: unknown


def _confirmation_updater(db: Database, workspaces: Workspaces) -> Callable[[InsightCard, dict[str, object]], None]:
    """What the tagging worker calls once an insight is tagged: replace its reporter's confirmation."""

    def notify(card: InsightCard, where: dict[str, object]) -> None:
        team = str(where.get("team") or "")
        team_client = workspaces.client_for(team)
        if team_client is not None:
            located = db.vault.unseal_where(where) | {"team": team}
            update_confirmation(team_client, card, workspaces.lang_of(team), located)

    return notify
