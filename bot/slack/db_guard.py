"""Events are acknowledged only while the database answers, so Slack redelivers what could not be stored.

Bolt acknowledges an Events API request (HTTP 200) before its listeners run: a capture reaction arriving
while the database is away would be acknowledged, fail in its listener, and be lost. :class:`DatabaseGuard`,
a global middleware, asks first and answers 503 without running any listener when the database does not
answer; Slack then retries the event (up to 3 times, with ``X-Slack-Retry-Num``), and the capture's
idempotency key stores a retry that arrives after recovery exactly once.

Commands, shortcuts, actions and view submissions are not retried by Slack: they go through, and their
listeners tell the person to try again and give their text back.

The question costs one pooled round trip at most every :data:`RECHECK_SECONDS` per process: the verdict is
reused in between, so a busy app does not pay for it on every event, and during an outage events are refused
at once instead of each waiting for a connection to fail. Any connection failure the app meets elsewhere
(a listener, the scheduler, the tagging worker) makes the next event ask again at once, so a database that
has just gone away is noticed without waiting for the verdict to age.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Final

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

RECHECK_SECONDS: Final = 0.5
UNAVAILABLE: Final = 503


class DatabaseProbe:
    """Whether the database answers, asked at most once per ``recheck`` seconds and by one thread at a time."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        recheck: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._recheck = recheck
        self._clock = clock
        self._lock = threading.Lock()
        self._asked_at: float | None = None
        self._answered = True

    def answers(self) -> bool:
        """The latest verdict when it is recent enough, else a fresh ``SELECT 1``."""
        if self._is_recent():
            return self._answered
        with self._lock:  # the threads that arrive during a probe wait for its verdict rather than probe again
            if self._is_recent():
                return self._answered
            answered = self._ask()
            if answered != self._answered:
                if answered:
                    log.info("the database answers again: events are processed")
                else:
                    log.warning("the database does not answer: events are refused (503) so that Slack retries them")
            self._answered = answered
            self._asked_at = self._clock()
            return answered

    def forget(self) -> None:
        """Drop the verdict: the next event asks the database again."""
        self._asked_at = None

    def watch(self, engine: Engine) -> None:
        """Forget the verdict whenever a connection to ``engine`` fails, wherever in the app it happens."""

        def on_error(context: ExceptionContext) -> None:
            if context.is_disconnect or isinstance(context.sqlalchemy_exception, (OperationalError, InterfaceError)):
                self.forget()

        event.listen(engine, "handle_error", on_error)

    def _is_recent(self) -> bool:
        asked_at = self._asked_at
        return asked_at is not None and self._clock() - asked_at < self._recheck

    def _ask(self) -> bool:
        try:
            with self._sessions() as session:
                session.execute(text("SELECT 1"))
        except PoolTimeout:
            return True  # every pooled connection is in use: the database answers, the app is busy
        except SQLAlchemyError as exc:
            log.debug("database probe failed (%s)", type(exc).__name__)
            return False
        return True


class DatabaseGuard(Middleware):
    """Answers 503 to Events API requests, without running listeners, while the database does not answer."""

    def __init__(self, probe: DatabaseProbe) -> None:
        self.probe = probe

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        body = req.body if isinstance(req.body, dict) else {}
        if body.get("type") != "event_callback" or self.probe.answers():
            return next()
        event = body.get("event") or {}
        retry = (req.headers.get("x-slack-retry-num") or ["0"])[0]
        log.info("%s event refused while the database is away (delivery %s)", event.get("type", "an"), retry)
        return BoltResponse(status=UNAVAILABLE, body="database unavailable, retry later")


def make_guard(sessions: sessionmaker[Session]) -> DatabaseGuard:
    """The guard of one app, to run right after the signature check and before Bolt looks up the
    workspace's installation (``App(before_authorize=...)``): with several workspaces that lookup reads the
    database too, and Bolt would answer its failure with a 200."""
    probe = DatabaseProbe(sessions)
    engine = sessions.kw.get("bind")
    if isinstance(engine, Engine):
        probe.watch(engine)
    return DatabaseGuard(probe)
