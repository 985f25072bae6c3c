"""A live channel's past messages through the Web API, for ``/insight import``.

``conversations.history`` gives a channel's messages newest first, a page at a time (cursor); a thread's
replies come from ``conversations.replies`` (a parent says how many it has and when the latest came). The
history importer wants a channel oldest first, replies in their place in time (its checkpoint is the last
``ts`` imported), so the channel is read whole, then sorted: one channel's messages, a few hundred bytes each,
are held at a time. A thread whose latest reply is older than the checkpoint is not read again. Rate limits
are the client's: its retry handler waits each 429's ``Retry-After`` and asks again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.client import NO_ANSWER
from insights.slack_export import ExportChannel, ExportMessage, message_of

PAGE_LIMIT: Final = 200  # Slack's recommended page size for history and replies
LIST_LIMIT: Final = 1000
PLACEHOLDER_NAMES: Final = frozenset({"privategroup", "directmessage"})
# ``<#C0123|name>``, ``<#C0123>`` (Slack's channel token), ``#name``, or a bare channel id.
_TOKEN = re.compile(r"^<#(?P<id>[CG][A-Z0-9]+)(?:\|(?P<name>[^>]*))?>$")
_NAME = re.compile(r"^#(?P<name>[\w.\-]{1,80})$", re.UNICODE)
_ID = re.compile(r"^[CG][A-Z0-9]{8,}$")


class ChannelUnreadable(Exception):
    """Slack would not let the bot read the channel (``not_in_channel``, ``channel_not_found``, …)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error

    @property
    def not_in_channel(self) -> bool:
        return self.error in ("not_in_channel", "channel_not_found")


class ReadStopped(Exception):
    """The process is stopping: the read gave up between two pages (nothing was written)."""


@dataclass(frozen=True)
class ChannelRef:
    """A channel as the person wrote it: its id, its name, or both."""

    id: str | None
    name: str | None

    @property
    def shown(self) -> str:
        return self.name or self.id or "?"


def parse_channel(word: str) -> ChannelRef | None:
    """The channel a command's word names, or None when the word is no channel."""
    if match := _TOKEN.match(word):
        return ChannelRef(match["id"], match["name"] or None)
    if match := _NAME.match(word):
        return ChannelRef(None, match["name"].lower())
    if _ID.match(word):
        return ChannelRef(word, None)
    return None


def _call(method: Callable[..., Any], **params: Any) -> dict[str, Any]:
    try:
        return dict(method(**params).data)
    except SlackApiError as exc:
        raise ChannelUnreadable(str(exc.response.get("error") or "unknown_error")) from exc
    except NO_ANSWER as exc:
        raise ChannelUnreadable("no_answer") from exc


def _pages(
    method: Callable[..., Any], key: str, stop: Callable[[], bool], **params: Any
) -> Iterator[list[dict[str, Any]]]:
    cursor: str | None = None
    while True:
        if stop():
            raise ReadStopped
        answer = _call(method, cursor=cursor, **params) if cursor else _call(method, **params)
        yield [item for item in answer.get(key) or [] if isinstance(item, dict)]
        cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


def resolve(client: WebClient, ref: ChannelRef, here: ExportChannel | None = None) -> ExportChannel:
    """The channel's id and name: the one the command was typed in when named so, else looked up
    (``conversations.info`` for an id, ``conversations.list`` for a name); raises :class:`ChannelUnreadable`."""
    if ref.id and ref.name:
        return ExportChannel(ref.id, ref.name)
    # Slack names the place of a command "privategroup" or "directmessage" there, not by the channel's name.
    if here is not None and here.name not in PLACEHOLDER_NAMES:
        if ref.id == here.id or (ref.name and ref.name == here.name.lower()):
            return here
    if ref.id:
        try:
            info = _call(client.conversations_info, channel=ref.id).get("channel") or {}
        except ChannelUnreadable as exc:
            if exc.not_in_channel:
                raise
            info = {}  # no channels:read: the id is enough to read it
        return ExportChannel(ref.id, str(info.get("name") or ref.id))
    for page in _pages(
        client.conversations_list,
        "channels",
        lambda: False,
        types="public_channel,private_channel",
        exclude_archived=True,
        limit=LIST_LIMIT,
    ):
        for channel in page:
            if str(channel.get("name") or "").lower() == ref.name:
                return ExportChannel(str(channel["id"]), str(channel["name"]))
    raise ChannelUnreadable("channel_not_found")


def read_channel(
    client: WebClient,
    channel: ExportChannel,
    *,
    oldest: float | None = None,
    after: str = "",
    on_page: Callable[[int], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> list[ExportMessage]:
    """The channel's messages from ``oldest`` on, thread replies included, oldest first (each once: a reply
    also sent to the channel is in both). Threads with nothing newer than ``after`` (the checkpoint) are not
    read again. Raises :class:`ChannelUnreadable` before anything is returned, :class:`ReadStopped` on a stop."""
    found: dict[str, ExportMessage] = {}
    threads: list[str] = []
    window: dict[str, Any] = {"oldest": f"{oldest:.6f}"} if oldest else {}
    for page in _pages(client.conversations_history, "messages", stop, channel=channel.id, limit=PAGE_LIMIT, **window):
        for raw in page:
            message = message_of(raw, channel)
            if message is None:
                continue
            found[message.ts] = message
            latest = str(raw.get("latest_reply") or "")
            if raw.get("reply_count") and (not after or (latest and float(latest) > float(after))):
                threads.append(message.ts)
        if on_page:
            on_page(len(found))
    for parent in threads:
        for page in _pages(
            client.conversations_replies, "messages", stop, channel=channel.id, ts=parent, limit=PAGE_LIMIT
        ):
            for raw in page:
                message = message_of(raw, channel)
                if message is not None and message.ts != parent:
                    found.setdefault(message.ts, message)
            if on_page:
                on_page(len(found))
    return sorted(found.values(), key=lambda m: float(m.ts))
