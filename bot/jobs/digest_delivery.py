"""Posting a built weekly digest: the digest to the digest channel, the chart in its thread, the customer
signals to the sales channel; only the digest message itself decides whether the run was posted.

Delivered once as the channel sees it: a scheduled digest carries message metadata naming its period, and
every attempt first looks for it in the channel (an earlier attempt whose answer never came, or whose
process died before recording the post, may have posted it). Found, it is taken as posted and only what
followed it (chart, sales post) is completed. A post that got no answer (time-out, dropped connection) is
not retried at once: the run is recorded as failed and the next claim looks before posting again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.flows.digest import WeeklyDigest
from bot.i18n import t
from bot.slack.client import NO_ANSWER
from bot.workspace_config import WorkspaceConfig

log = logging.getLogger(__name__)

CHART_FILENAME: Final = "pepites-themes.png"
# The metadata event type of the digest's posts; its payload names the period and the part posted.
DIGEST_EVENT: Final = "pepites_digest"
# Messages read back when looking for a post an earlier attempt may have made (the newest first).
LOOK_BACK_MESSAGES: Final = 100


class DigestNotPosted(Exception):
    """Slack refused the digest message; ``error`` is its error code (``channel_not_found``…)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def post_weekly(client: WebClient, config: WorkspaceConfig, weekly: WeeklyDigest) -> str:
    """Post the digest (or find it posted already), then its chart and the sales post; the digest's ts.

    Raises DigestNotPosted when Slack refused the digest or gave no answer; nothing after the digest
    message can fail the run, since a failed run is tried again and would post the digest twice.
    """
    channel = config.digest_channel
    if not channel:
        raise DigestNotPosted("no_digest_channel")
    ts = _posted_before(client, channel, weekly, "digest")
    again = ts is not None
    if ts is None:
        ts = _post(client, channel, weekly.text, weekly.blocks, _metadata(weekly, "digest"))
    else:
        log.info("the digest was found in its channel, posted by an earlier attempt: not posted again")
    posted = ts
    _after_digest("the digest's chart", lambda: _post_chart(client, config, weekly, posted, again))
    _after_digest("the customer signals' post", lambda: _post_signals(client, config, weekly, again))
    return ts


def _post_chart(client: WebClient, config: WorkspaceConfig, weekly: WeeklyDigest, ts: str, again: bool) -> None:
    """Upload the chart in the digest's thread; when the digest was posted before, only if no file is there."""
    channel = str(config.digest_channel)
    if again and _thread_has_file(client, channel, ts):
        return
    client.files_upload_v2(
        channel=channel,
        thread_ts=ts,
        content=weekly.chart_png,
        filename=CHART_FILENAME,
        title=t(config.language, "digest_chart_title"),
    )


def _post_signals(client: WebClient, config: WorkspaceConfig, weekly: WeeklyDigest, again: bool) -> None:
    """The customer signals to the sales channel, once: a retry looks for the earlier post first."""
    channel = config.sales_channel
    if not channel or not weekly.digest.signals:
        return
    if again and _posted_before(client, channel, weekly, "signals") is not None:
        return
    _post(client, channel, weekly.signal_text, weekly.signal_blocks, _metadata(weekly, "signals"))


def _after_digest(what: str, step: Callable[[], None]) -> None:
    """Run a step that follows the digest message; a failure is logged, never raised (the digest is out)."""
    try:
        step()
    except DigestNotPosted as exc:
        log.warning("%s failed: %s", what, exc.error)
    except SlackApiError as exc:
        log.warning("%s failed: %s", what, exc.response.get("error"))
    except Exception as exc:  # noqa: BLE001 - raising would fail the run, and its retry would post the digest again
        log.warning("%s failed: %s", what, type(exc).__name__)


def _metadata(weekly: WeeklyDigest, part: str) -> dict[str, Any] | None:
    """What marks a scheduled digest's post so that a later attempt can find it (none for a manual post)."""
    if weekly.run is None:
        return None
    return {"event_type": DIGEST_EVENT, "event_payload": {"period": weekly.run.week.isoformat(), "part": part}}


def _posted_before(client: WebClient, channel: str, weekly: WeeklyDigest, part: str) -> str | None:
    """The ts of this run's ``part`` if an earlier attempt posted it in ``channel``; None when not found.

    Reading the channel needs the ``channels:history`` scope (``groups:history`` for a private channel);
    when the channel cannot be read the answer is "not found", so a digest is never lost for it.
    """
    marker = _metadata(weekly, part)
    if marker is None or weekly.run is None:
        return None
    try:
        response = client.conversations_history(
            channel=channel,
            oldest=f"{weekly.run.end.timestamp():.6f}",
            limit=LOOK_BACK_MESSAGES,
            include_all_metadata=True,
        )
    except SlackApiError as exc:
        log.warning("could not look for an earlier post of the digest: %s", exc.response.get("error"))
        return None
    except NO_ANSWER as exc:
        log.warning("could not look for an earlier post of the digest: %s", type(exc).__name__)
        return None
    for message in response.get("messages") or []:
        metadata = message.get("metadata") or {}
        if (
            metadata.get("event_type") == marker["event_type"]
            and metadata.get("event_payload") == marker["event_payload"]
        ):
            return str(message["ts"])
    return None


def _thread_has_file(client: WebClient, channel: str, ts: str) -> bool:
    """Whether the digest's thread already holds a file (the chart of an earlier attempt)."""
    try:
        response = client.conversations_replies(channel=channel, ts=ts, limit=LOOK_BACK_MESSAGES)
    except (SlackApiError, *NO_ANSWER):
        return False
    return any(message.get("files") for message in response.get("messages") or [] if message.get("ts") != ts)


def _post(
    client: WebClient, channel: str, text: str, blocks: list[dict[str, Any]], metadata: dict[str, Any] | None
) -> str:
    """Post a message; a bot not in a public channel joins it and tries once more. Raises DigestNotPosted."""
    try:
        try:
            return str(client.chat_postMessage(channel=channel, text=text, blocks=blocks, metadata=metadata)["ts"])
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "unknown_error")
        if error == "not_in_channel":  # Slack answered: nothing was posted, so posting again is safe
            try:
                client.conversations_join(channel=channel)
                return str(client.chat_postMessage(channel=channel, text=text, blocks=blocks, metadata=metadata)["ts"])
            except SlackApiError as exc:
                error = str(exc.response.get("error") or "unknown_error")
    except NO_ANSWER as exc:
        # Slack may have posted it: the next attempt looks for it before posting (see _posted_before).
        error = "timeout" if isinstance(exc, TimeoutError) else "no_answer"
    raise DigestNotPosted(error)
