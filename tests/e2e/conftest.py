"""End-to-end fixtures: the real app over real HTTP (waitress + Bolt's WSGI adapter), a fake Web API, a real
database, and the real spaCy pipelines (loaded once per test session).

Every test under this directory is marked ``e2e`` (by tests/conftest.py): the README's ``.venv/bin/pytest``
leaves them to CI (``.ci/run`` runs ``pytest -m e2e``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.scheduler import utc_now
from bot.jobs.tagger_process import SubprocessTagger
from bot.runtime import Runtime, build_runtime
from tests.bot.conftest import SIGNING_SECRET, make_settings
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import SlackSender
from tests.support.wsgi_server import BackgroundWSGIServer


@pytest.fixture(scope="session")
def shared_tagger() -> Iterator[SubprocessTagger]:
    """The production tagging process (real spaCy pipelines), started once for the whole session."""
    tagger = SubprocessTagger()
    tagger.start()
    yield tagger
    tagger.stop()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """The local fake Web API, serving over HTTP for the test; the app's client and response URLs point at it."""
    with FakeSlack() as fake:
        yield fake


@dataclass
class Pepites:
    runtime: Runtime
    server: BackgroundWSGIServer
    slack: SlackSender
    fake: FakeSlack

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.runtime.services.sessions


def start_pepites(
    database_url: str,
    fake: FakeSlack,
    tagger: SubprocessTagger | None,
    *,
    migrate: bool = True,
    schedule: bool = False,
    clock: Callable[[], datetime] | None = None,
    tick_seconds: float = 0.2,
    **env: str,
) -> Pepites:
    """The app on a real HTTP server; its digest scheduler runs only when asked, on the given clock."""
    settings = make_settings(database_url, api_url=fake.base_url, **env)
    runtime = build_runtime(
        settings,
        tagger=tagger,
        migrate=migrate,
        schedule=schedule,
        clock=clock or utc_now,
        tick_seconds=tick_seconds,
    )
    runtime.start()
    server = BackgroundWSGIServer(runtime.wsgi, threads=8).start()
    sender = SlackSender(
        server.events_url,
        SIGNING_SECRET,
        response_root=fake.root_url,
        after_event=runtime.services.inbox.wait_idle,  # what an event recorded has run when the test reads on
    )
    return Pepites(runtime, server, sender, fake)


@pytest.fixture
def pepites(database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger) -> Iterator[Pepites]:
    """The whole app on SQLite and on PostgreSQL, tagging with the real pipelines."""
    app = start_pepites(database_url, fake_slack, shared_tagger)
    yield app
    app.server.stop()
    app.runtime.stop()
