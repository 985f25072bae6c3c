"""Reading a live channel for ``/insight import``: speed and memory held, against the local fake Web API.

    python -m bench.live_import [--messages N] [--page-size P]

A channel of N messages (default 20,000; one in ten a thread reply, one in ten marked with the capture emoji)
is seeded in the fake Web API (tests/support/fake_slack.py, served over HTTP on 127.0.0.1) and read by
``bot.slack.channel_history.read_channel`` with the production client, pages of P (default 200, Slack's
recommended size). Printed: messages read per second, the Web API calls made, the memory the read messages
hold (``tracemalloc``: the whole channel is held, sorted, before the import; the goal is a bounded cost per
message) and the peak. Slack's own latency and rate limits are not measured: against Slack the calls, not
this process, set the pace.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.slack.channel_history import read_channel
from bot.slack.client import make_web_client
from insights.slack_export import ExportChannel
from tests.support.fake_slack import running_fake_slack
from tests.support.slack_export import message

CHANNEL = ExportChannel("C0BENCH001", "retours-clients")


def channel(n: int) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 5, 8, tzinfo=UTC)
    messages: list[dict[str, Any]] = []
    for i in range(n):
        extra = {"thread_ts": messages[-5]["ts"]} if i % 10 == 5 else {}
        text = f"Le VPN tombe encore chez un client important, le message n°{i} le dit avec quelques détails"
        marked = ("gem",) if i % 10 == 0 else ()
        messages.append(message(start + timedelta(minutes=i), text, f"U{i % 50:08d}", reactions=marked, **extra))
    return messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=200)
    args = parser.parse_args()
    seeded = channel(args.messages)
    with running_fake_slack() as fake:
        fake.seed_channel(CHANNEL.id, CHANNEL.name, seeded)
        fake.page_size = args.page_size
        client = make_web_client("xoxb-bench", fake.base_url, timeout=60)
        tracemalloc.start()
        started = time.perf_counter()
        read = read_channel(client, CHANNEL)
        seconds = time.perf_counter() - started
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        history, replies = len(fake.calls("conversations.history")), len(fake.calls("conversations.replies"))
    assert len(read) == len(seeded)
    print(
        f"{len(read):,} messages ({args.messages // 10:,} thread replies) read in {seconds:.1f} s: "
        f"{len(read) / seconds:,.0f}/s"
    )
    print(
        f"Web API calls: {history} conversations.history (pages of {args.page_size}), {replies} conversations.replies"
    )
    print(
        f"memory held by the read channel: {held / 1e6:.1f} MB ({held / len(read):.0f} B per message), "
        f"peak while reading {peak / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    main()
