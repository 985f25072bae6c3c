"""The benchmark's load generator and bare baseline app."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from bench.bare_bolt import serve_bare_app
from bench.loadgen import LoadResult, check_loopback, run_load
from tests.support.slack_requests import FORM, command_form, encode_form, signed_headers
from tests.support.wsgi_server import BackgroundWSGIServer

SECRET = "loadgen-secret"


def _slow_app(delay: float) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        time.sleep(delay)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    return app


@pytest.mark.parametrize(
    "url", ["http://example.com/slack/events", "http://10.0.0.1:3000/", "https://127.0.0.1/", "ftp://localhost/"]
)
def test_loadgen_refuses_anything_but_loopback_http(url: str) -> None:
    with pytest.raises(ValueError, match="refusing"):
        run_load(lambda i: (b"", {}), url, rate=1, duration=1)


def test_loadgen_accepts_loopback_names() -> None:
    assert check_loopback("http://localhost:8080/slack/events") == ("localhost", 8080, "/slack/events")
    assert check_loopback("http://[::1]:81/x?y=1")[2] == "/x?y=1"


@pytest.mark.parametrize("kwargs", [{"rate": 0}, {"duration": 0}, {"concurrency": 0}, {"rate": 1e6, "duration": 60}])
def test_loadgen_refuses_unbounded_runs(kwargs: dict[str, float]) -> None:
    args: dict[str, Any] = {"rate": 10, "duration": 1, **kwargs}
    with pytest.raises(ValueError):
        run_load(lambda i: (b"", {}), "http://127.0.0.1:1/", **args)


def test_loadgen_percentiles() -> None:
    result = LoadResult(latencies_ms=[float(v) for v in range(1, 101)])

    p = result.percentiles()

    assert p["p50"] == pytest.approx(50.5) and p["p99"] == pytest.approx(99.01) and p["max"] == 100


def test_loadgen_counts_queueing_in_latency_open_loop() -> None:
    # One connection, a 100 ms server, 20 requests/s: each request waits for the previous ones.
    with BackgroundWSGIServer(_slow_app(0.1), threads=1) as server:
        result = run_load(lambda i: (b"x", {}), server.events_url, rate=20, duration=0.5, concurrency=1)

    assert result.sent == result.planned == 10 and not result.errors
    assert result.latencies_ms[-1] > result.latencies_ms[0] + 300


def test_loadgen_against_bare_bolt_app_all_acked() -> None:
    def make(i: int) -> tuple[bytes, dict[str, str]]:
        body = encode_form(command_form(f"insight {i}"))
        return body, {"Content-Type": FORM, **signed_headers(SECRET, body)}

    server = serve_bare_app(SECRET, threads=4)
    try:
        result = run_load(make, server.events_url, rate=40, duration=0.5, concurrency=4)
    finally:
        server.stop()

    assert result.ok == result.planned == 20 and not result.errors
    assert result.percentiles()["p50"] < 1000


def test_loadgen_counts_refused_signatures_as_errors() -> None:
    server = serve_bare_app(SECRET, threads=2)
    try:
        result = run_load(lambda i: (b"command=%2Finsight", {"Content-Type": FORM}), server.events_url, 20, 0.2)
    finally:
        server.stop()

    assert result.errors == {"401": 4} and result.ok == 0
