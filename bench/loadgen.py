"""An open-loop HTTP load generator for loopback servers.

Request ``i`` is due at ``start + i / rate`` whatever happened to earlier ones, and its latency is measured
from that due time, so time spent waiting for a free connection counts (no coordinated omission).
Connections are kept alive, one per worker thread. It only ever talks to 127.0.0.1, localhost or ::1,
and is bounded both in request count and in wall time.
"""

from __future__ import annotations

import http.client
import ipaddress
import math
import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_REQUESTS = 100_000
MAX_DURATION = 600.0
MAX_CONCURRENCY = 256
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})

RequestFactory = Callable[[int], tuple[bytes, dict[str, str]]]


@dataclass
class LoadResult:
    """What a run measured: latencies of answered requests (ms), errors by status or exception, counts."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    planned: int = 0
    elapsed_s: float = 0.0
    max_lateness_ms: float = 0.0

    @property
    def ok(self) -> int:
        """Requests answered with a 2xx."""
        return len(self.latencies_ms)

    @property
    def achieved_rate(self) -> float:
        """Answered requests per second over the run."""
        return self.ok / self.elapsed_s if self.elapsed_s else 0.0

    def percentiles(self) -> dict[str, float]:
        """p50/p95/p99 (and max) of the 2xx latencies in milliseconds; NaN when nothing was answered."""
        data = sorted(self.latencies_ms)
        if not data:
            return {"p50": math.nan, "p95": math.nan, "p99": math.nan, "max": math.nan}
        if len(data) == 1:
            return {"p50": data[0], "p95": data[0], "p99": data[0], "max": data[0]}
        cuts = statistics.quantiles(data, n=100, method="inclusive")
        return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": data[-1]}


def check_loopback(url: str) -> tuple[str, int, str]:
    """Host, port and path of an http:// URL on loopback; ValueError for anything else."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or host not in LOOPBACK_NAMES:
        raise ValueError(f"refusing to load {url!r}: only http:// on 127.0.0.1, localhost or ::1")
    port = parts.port or 80
    # "localhost" could be pointed elsewhere by /etc/hosts: every address it resolves to must be loopback.
    for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            raise ValueError(f"refusing to load {url!r}: {host} resolves to {info[4][0]}")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return host, port, path


class _Schedule:
    """Hands out request numbers in order until the plan is done or the deadline passes."""

    def __init__(self, planned: int) -> None:
        self._next = 0
        self._planned = planned
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            if self._next >= self._planned:
                return None
            self._next += 1
            return self._next - 1


def run_load(
    make_request: RequestFactory,
    url: str,
    rate: float,
    duration: float,
    concurrency: int = 32,
    *,
    timeout: float = 10.0,
    drain: float = 15.0,
) -> LoadResult:
    """POST ``rate`` requests/s for ``duration`` s to a loopback ``url``; ``make_request(i)`` gives body and headers."""
    host, port, path = check_loopback(url)
    if not (rate > 0 and 0 < duration <= MAX_DURATION and 1 <= concurrency <= MAX_CONCURRENCY):
        raise ValueError(f"need rate > 0, 0 < duration <= {MAX_DURATION}, 1 <= concurrency <= {MAX_CONCURRENCY}")
    planned = math.ceil(rate * duration)
    if planned > MAX_REQUESTS:
        raise ValueError(f"{planned} requests planned; the limit is {MAX_REQUESTS}")

    result = LoadResult(planned=planned)
    lock = threading.Lock()
    schedule = _Schedule(planned)
    start = time.perf_counter() + 0.05  # give every worker time to get going
    deadline = start + duration + drain  # nothing is sent past this; a request in flight waits at most `timeout`

    def worker() -> None:
        connection: http.client.HTTPConnection | None = None
        try:
            while (i := schedule.take()) is not None:
                due = start + i / rate
                body, headers = make_request(i)
                now = time.perf_counter()
                if now < due:
                    time.sleep(due - now)
                elif now > deadline:
                    _count(result, lock, error="not_sent_deadline")
                    continue
                if connection is None:
                    connection = http.client.HTTPConnection(host, port, timeout=timeout)
                sent_at = time.perf_counter()
                try:
                    connection.request("POST", path, body=body, headers=headers)
                    answer = connection.getresponse()
                    answer.read()
                    done = time.perf_counter()
                except (OSError, http.client.HTTPException) as exc:
                    connection.close()
                    connection = None
                    _count(result, lock, error=type(exc).__name__, lateness=sent_at - due)
                    continue
                if answer.will_close:
                    connection.close()
                    connection = None
                if 200 <= answer.status < 300:
                    _count(result, lock, latency=(done - due) * 1000, lateness=sent_at - due)
                else:
                    _count(result, lock, error=str(answer.status), lateness=sent_at - due)
        finally:
            if connection is not None:
                connection.close()

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="loadgen") as pool:
        futures = [pool.submit(worker) for _ in range(concurrency)]
        for future in futures:
            future.result()
    result.elapsed_s = max(0.0, time.perf_counter() - start)
    return result


def _count(
    result: LoadResult,
    lock: threading.Lock,
    *,
    latency: float | None = None,
    error: str | None = None,
    lateness: float = 0,
) -> None:
    with lock:
        result.sent += error != "not_sent_deadline"
        result.max_lateness_ms = max(result.max_lateness_ms, lateness * 1000)
        if latency is not None:
            result.latencies_ms.append(latency)
        if error is not None:
            result.errors[error] += 1
