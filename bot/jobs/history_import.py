"""``/insight import`` in the background: one thread per process runs the imports asked, one at a time.

The command is acked at once; the import runs here, never in a request thread. The manager follows it in
their ephemeral message, replaced through the command's ``response_url``: Slack takes 5 posts there within
30 minutes, so at most :data:`MAX_PROGRESS_POSTS` progress lines (the first when the channel is read, then
no more often than every :data:`PROGRESS_SECONDS`), then the summary; a summary the ``response_url`` no
longer takes (an import longer than 30 minutes) goes to the manager by DM. A stop interrupts an import
between two pages or two messages: the batches stored stay with their checkpoint, the next run resumes.
Imports are not kept across restarts: the manager is told to run the command again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.flows.history import ImportReport
from bot.flows.live_import import LiveImportDeps, LiveImportRequest, run_live_import
from bot.i18n import t
from bot.slack import messenger
from bot.slack.channel_history import ChannelUnreadable, ReadStopped
from bot.slack.client import make_web_client, send_to_response_url
from bot.views.blocks import as_dicts
from bot.views.history import channel_shown, progress_text, reading_text, summary_text, what_text
from bot.views.messages import text_blocks
from bot.workspace_config import WorkspaceConfig
from insights.slack_export import ExportChannel

log = logging.getLogger(__name__)

PROGRESS_SECONDS: Final = 10.0
MAX_PROGRESS_POSTS: Final = 3  # + the summary: within the response_url's 5 posts
RATE_LIMIT_RETRIES: Final = 20  # history reads are rate-limited hard: wait out many Retry-After answers

Submitted = Literal["started", "queued", "already"]
Send = Callable[[str, dict[str, Any]], bool]


def reading_client(client: WebClient) -> WebClient:
    """The workspace's client, with room for many ``Retry-After`` waits (a long read of history)."""
    return make_web_client(
        client.token, client.base_url, timeout=client.timeout or 10, rate_limit_retries=RATE_LIMIT_RETRIES
    )


@dataclass
class _Progress:
    """One import's progress posts: how many were sent, when the last one went."""

    jobs: LiveImports
    request: LiveImportRequest
    lang: str
    posts: int = 0
    last: float = 0.0  # the ack counts as the first line

    def __post_init__(self) -> None:
        self.last = self.jobs.monotonic()

    def reading(self, channel: ExportChannel, read: int) -> None:
        self._post(reading_text(self.lang, channel.name, read), force=False)

    def read(self, channel: ExportChannel, total: int) -> None:
        """Once the channel is read: how many messages there are to go through (said at least once)."""
        self._post(progress_text(self.lang, channel.name, ImportReport(), total), force=self.posts == 0)

    def importing(self, channel: ExportChannel, report: ImportReport, total: int) -> None:
        self._post(progress_text(self.lang, channel.name, report, total), force=False)

    def _post(self, text: str, *, force: bool) -> None:
        now = self.jobs.monotonic()
        if self.posts >= MAX_PROGRESS_POSTS or (not force and now - self.last < self.jobs.progress_seconds):
            return
        self.posts += 1
        self.last = now
        self.jobs.say(self.request, text)


class LiveImports:
    """The process's import thread and its queue; :meth:`run` does one import (the thread, or a test)."""

    def __init__(
        self,
        deps: LiveImportDeps,
        config_of: Callable[[str], WorkspaceConfig],
        client_for: Callable[[str], WebClient | None],
        *,
        send: Send = send_to_response_url,
        reader: Callable[[WebClient], WebClient] = reading_client,
        progress_seconds: float = PROGRESS_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.deps, self.config_of, self.client_for = deps, config_of, client_for
        self.send, self.reader, self.progress_seconds = send, reader, progress_seconds
        self.monotonic, self.clock = monotonic, clock
        self._queue: queue.Queue[LiveImportRequest | None] = queue.Queue()
        self._pending: set[tuple[str, str]] = set()
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def submit(self, request: LiveImportRequest) -> Submitted:
        """Queue an import; returns at once (``already`` when that channel is queued or under way)."""
        with self._lock:
            if request.key in self._pending:
                return "already"
            busy = bool(self._pending)
            self._pending.add(request.key)
            if self._thread is None and not self._stopping.is_set():
                self._thread = threading.Thread(target=self._run, name="history-import", daemon=True)
                self._thread.start()
        self._queue.put(request)
        return "queued" if busy else "started"

    def stop(self, timeout: float = 5.0) -> bool:
        """Interrupt the import under way (its stored batches stay) and stop; True if the thread ended in time."""
        self._stopping.set()
        self._queue.put(None)
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until every import asked so far has ended (tests)."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._pending, timeout)

    def _run(self) -> None:
        while True:
            request = self._queue.get()
            if request is None:
                return
            try:
                self.run(request)
            except Exception:  # noqa: BLE001 - one failed import must not end the thread
                log.exception("an import failed")
            finally:
                with self._lock:
                    self._pending.discard(request.key)
                    self._lock.notify_all()

    def run(self, request: LiveImportRequest) -> ImportReport | None:
        """Do one import and tell the manager how it went; the report, or None when it did not finish."""
        config = self.config_of(request.team_id)
        lang = config.language
        shown = request.args.channel.shown
        base = self.client_for(request.team_id)
        if base is None:
            self.say(request, t(lang, "import_failed", channel=channel_shown(shown), error="not_installed"), final=True)
            return None
        client = self.reader(base)
        progress = _Progress(self, request, lang)
        try:
            channel, report = run_live_import(
                self.deps, client, request, config, progress, now=self.clock(), stop=self._stopping.is_set
            )
        except ChannelUnreadable as exc:
            key = "import_not_in_channel" if exc.not_in_channel else "import_failed"
            log.info("an import could not read its channel: %s", exc.error)
            self.say(request, t(lang, key, channel=channel_shown(shown), error=exc.error), final=True)
            return None
        except ReadStopped:
            log.info("an import was interrupted by the stop")
            self.say(request, t(lang, "import_stopped", channel=channel_shown(shown)), final=True)
            return None
        except (SQLAlchemyError, RuntimeError) as exc:  # the database or the tagging process is away
            log.warning("an import stopped: %s", type(exc).__name__)
            error = "database" if isinstance(exc, SQLAlchemyError) else "tagging"
            self.say(request, t(lang, "import_failed", channel=channel_shown(shown), error=error), final=True)
            return None
        what = what_text(lang, config.capture_emoji, request.args.everything, request.args.since)
        log.info("an import read %d message(s) and stored %d insight(s)", report.read, report.stored)
        self.say(request, summary_text(lang, channel.name, report, what, config.capture_emoji), final=True)
        return report

    def say(self, request: LiveImportRequest, text: str, *, final: bool = False) -> None:
        """Replace the manager's ephemeral line; a final word the response_url refuses goes by DM."""
        payload = {
            "response_type": "ephemeral",
            "replace_original": True,
            "text": text,
            "blocks": as_dicts(text_blocks(text)),
        }
        if request.response_url and self.send(request.response_url, payload):
            return
        if final:
            client = self.client_for(request.team_id)
            if client is not None:
                messenger.dm(
                    client, request.user_id, text, as_dicts(text_blocks(text)), failure="could not tell an import"
                )
