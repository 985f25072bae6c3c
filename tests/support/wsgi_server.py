"""Serve a WSGI app (the Bolt adapter or the Pépites runtime) with waitress on loopback, in a background thread."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

import waitress
from waitress import wasyncore

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication


class BackgroundWSGIServer:
    """waitress on 127.0.0.1 with an OS-chosen port, run by a daemon thread; a context manager."""

    def __init__(self, app: WSGIApplication, *, threads: int = 8, host: str = "127.0.0.1") -> None:
        # The same production server the bot runs behind; port 0 lets the OS pick a free one.
        self._server: Any = waitress.create_server(app, host=host, port=0, threads=threads, ident="pepites-test")
        self._thread: threading.Thread | None = None
        self.host = host

    @property
    def port(self) -> int:
        """The port waitress listens on."""
        return int(self._server.effective_port)

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}:{self.port}"

    @property
    def events_url(self) -> str:
        """The URL Slack posts to: ``http://127.0.0.1:<port>/slack/events``."""
        return f"{self.root_url}/slack/events"

    def start(self) -> BackgroundWSGIServer:
        """Start serving in a daemon thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.run, name="waitress", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Close the sockets from inside waitress's own loop (so it exits cleanly), then stop its workers."""
        server = self._server
        if self._thread is not None:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map, ignore_all=True))
            self._thread.join(timeout=5)
            self._thread = None
        else:
            wasyncore.close_all(server._map, ignore_all=True)
        server.task_dispatcher.shutdown(timeout=5)

    def __enter__(self) -> BackgroundWSGIServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
