"""Tagging in a child process, so spaCy never takes the web process's CPU or its interpreter lock.

Measured: with spaCy in the web process, the NLP threads starved the threads that ack Slack (p99 ack
over 3 s at 50 requests/s). The child loads the pipelines once and answers batches over a pipe; the web
process only stores, acks and posts. A child that dies is started again on the next batch.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from insights.types import KnownOrgs, Tags

log = logging.getLogger(__name__)

State = Literal["idle", "loading", "ready", "failed"]
START_TIMEOUT_SECONDS = 180.0
BATCH_TIMEOUT_SECONDS = 120.0
NICENESS = 10


def _child(connection: Connection, model_dir: str | None) -> None:
    """The child's loop: load once, say ready, then tag every batch it is sent until told to stop."""
    # Tags can wait a few milliseconds; acks cannot: on a busy machine the web process gets the CPU first.
    os.nice(NICENESS)
    # A stop signal sent to the whole group (Ctrl-C, systemd) is the parent's to handle: it lets this batch
    # finish, then closes the pipe. A parent that dies leaves the pipe closed, and this loop ends.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from insights.embedding import embed_sentences
    from insights.pipeline import load_pipelines
    from insights.tagging.tagger import Tagger

    started = time.perf_counter()
    try:
        # One sentence encoder in this process (insights.embedding): the pipelines' pepites_sentence_vector
        # component encodes each batch once, the signal classifier reads those vectors, and each insight's
        # vector and words are stored for themes (Tags.words, Tags.vector).
        pipelines = load_pipelines(sentence_vector=True)
        tagger = Tagger(pipelines, model_dir=Path(model_dir) if model_dir else None, embed=embed_sentences)
        tagger.tag("warm-up")  # trains or loads the kind and signal models now, not on the first real insight
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which logs it
        connection.send(("failed", repr(exc)))
        return
    connection.send(("ready", time.perf_counter() - started))
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        if message is None:
            return
        texts, known, customers = message
        try:
            connection.send(("tags", tagger.tag_many(texts, known, customers=customers)))
        except Exception as exc:  # noqa: BLE001 - one bad batch must not kill the child
            connection.send(("error", repr(exc)))


class SubprocessTagger:
    """Same calls as :class:`insights.tagging.tagger.Tagger` (``tag``, ``tag_many``), served by a child process."""

    def __init__(self, model_dir: Path | None = None) -> None:
        self._model_dir = str(model_dir) if model_dir else None
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._process: Any = None
        self._connection: Connection | None = None
        self._state: State = "idle"
        self.load_seconds: float | None = None

    @property
    def state(self) -> State:
        return self._state

    def start(self) -> None:
        """Start the child (it loads spaCy in the background); calling it again does nothing."""
        with self._lock:
            if self._process is None or not self._process.is_alive():
                self._spawn()

    def _spawn(self) -> None:
        parent, child = self._context.Pipe()
        self._process = self._context.Process(
            target=_child, args=(child, self._model_dir), name="pepites-tagger", daemon=True
        )
        self._process.start()
        child.close()
        self._connection = parent
        self._state = "loading"
        self._ready.clear()
        threading.Thread(target=self._await_ready, args=(parent,), name="tagger-ready", daemon=True).start()

    def _await_ready(self, connection: Connection) -> None:
        try:
            if not connection.poll(START_TIMEOUT_SECONDS):
                raise TimeoutError("the tagging process did not load in time")
            kind, value = connection.recv()
        except (EOFError, OSError, TimeoutError) as exc:
            kind, value = "failed", repr(exc)
        if connection is not self._connection:  # stopped meanwhile: nothing to report
            self._ready.set()
            return
        if kind == "ready":
            self.load_seconds = float(value)
            self._state = "ready"
            log.info("tagging process ready in %.1f s", self.load_seconds)
        else:
            self._state = "failed"
            log.error("tagging process failed to start: %s", value)
        self._ready.set()

    def wait_ready(self, timeout: float = START_TIMEOUT_SECONDS) -> bool:
        self.start()
        return self._ready.wait(timeout) and self._state == "ready"

    def tag_many(
        self,
        texts: Sequence[str],
        known: KnownOrgs = KnownOrgs(),  # noqa: B008 - frozen, never mutated
        *,
        customers: Sequence[str | None] | None = None,
    ) -> list[Tags]:
        """Tag a batch in the child (``customers``: each insight's customer field); raises RuntimeError if the
        child is not there (it is restarted next time)."""
        if not texts:
            return []
        if not self.wait_ready():
            with self._lock:
                self._stop_child()
            raise RuntimeError("the tagging process is not available")
        with self._lock:
            connection = self._connection
            if connection is None:
                raise RuntimeError("the tagging process is not available")
            try:
                connection.send((list(texts), known, list(customers) if customers is not None else None))
                if not connection.poll(BATCH_TIMEOUT_SECONDS):
                    raise TimeoutError("the tagging process did not answer")
                kind, value = connection.recv()
            except (EOFError, OSError, TimeoutError) as exc:
                self._stop_child()
                raise RuntimeError("the tagging process stopped; it will be started again") from exc
        if kind != "tags":
            raise RuntimeError(f"tagging failed in the child: {value}")
        return list(value)

    def tag(self, text: str, known: KnownOrgs = KnownOrgs()) -> Tags:  # noqa: B008
        return self.tag_many([text], known)[0]

    def _stop_child(self) -> None:
        # Forget the pipe before closing it: the thread awaiting "ready" then knows it was stopped, not failed.
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.send(None)
            except OSError:
                pass
            connection.close()
        if self._process is not None:
            # A child still loading has nothing to finish: it goes at once (a process stop has a deadline).
            self._process.join(timeout=5 if self._state == "ready" else 0)
            if self._process.is_alive():
                self._process.kill()
            self._process = None
        self._state = "idle"

    def stop(self) -> None:
        with self._lock:
            self._stop_child()
