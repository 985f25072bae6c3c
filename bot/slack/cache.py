"""One small time-limited cache for what the bot reads often and may see a little late (settings, manager
groups, installed clients, duplicate indexes): entries are fresh for ``ttl`` seconds, then loaded again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """Values by key, each fresh for ``ttl`` seconds of ``clock``; thread-safe, a value may be None."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[K, tuple[float, V]] = {}

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        """The fresh value, or ``load()`` kept from now on; what ``load`` raises is raised, nothing kept."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        value = load()
        with self._lock:
            self._entries[key] = (now, value)
        return value

    def last(self, key: K, default: V) -> V:
        """The value kept for ``key`` however old (a fallback when loading failed), else ``default``."""
        with self._lock:
            entry = self._entries.get(key)
        return entry[1] if entry is not None else default

    def has(self, key: K) -> bool:
        """Whether a value was ever kept for ``key`` (fresh or not)."""
        with self._lock:
            return key in self._entries

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` as fresh from now (a value this process just wrote)."""
        with self._lock:
            self._entries[key] = (self._clock(), value)

    def forget(self, key: K) -> None:
        """Drop ``key``: the next read loads it again."""
        with self._lock:
            self._entries.pop(key, None)
