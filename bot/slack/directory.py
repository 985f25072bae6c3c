"""People's display names in stored text: ``<@U1>`` becomes ``<@U1|Farid>`` (Slack's own token form) once,
at capture, so every surface (confirmation, digest, Home, DMs, search, export) shows @Farid without a lookup.

Names come from ``users.info`` (scope ``users:read``), kept in the one TTL cache for an hour; a name that
cannot be read leaves the token as it is (the renderer then shows the label Slack gave, or the id). Channel
names are not looked up (the app has no ``channels:read``): the label inside the token, else "#channel".

Before a request's 2xx (Slack's 3 s), names are looked up within :data:`PRE_ACK_BUDGET` seconds in all, on a
client that does not retry (:func:`with_names` given a ``budget``); a name not read in time is read afterwards
by :func:`name_later`, off the request, with the process's client (its timeout and retries), and the stored
text labelled then. A lookup that got no answer is not kept: the next mention asks Slack again.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.cache import TTLCache
from bot.slack.client import NO_ANSWER
from models.db import mark_background

log = logging.getLogger(__name__)

NAME_TTL: Final = 3600.0
PRE_ACK_BUDGET: Final = 1.0  # seconds of name lookups a request may spend before its 2xx, all mentions together
_USER_TOKEN: Final = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^|<>]*)?>")
# Keyed by the API and token too: one process may serve several workspaces (and tests several fakes).
_NAMES: TTLCache[tuple[str, str, str], str | None] = TTLCache(NAME_TTL)


class _NoAnswer(Exception):
    """Slack did not answer in time: nothing is kept, the name is asked again next time."""


def quick_client(client: WebClient, timeout: float) -> WebClient:
    """The same workspace's client for a call before the 2xx: ``timeout`` seconds, no retry. A test's mocked
    client (not a plain ``WebClient``) answers at once and is used as it is."""
    if type(client) is not WebClient:
        return client
    # urllib takes a float timeout although slack_sdk annotates it as int.
    return WebClient(token=client.token, base_url=client.base_url, timeout=timeout, retry_handlers=[])  # type: ignore[arg-type]


def display_name(client: WebClient | None, user_id: str, *, timeout: float | None = None) -> str | None:
    """The person's display name (else real name), cached; None when Slack cannot tell. With ``timeout``, asked
    on a client that waits that long and does not retry; raises :class:`_NoAnswer` when Slack did not answer."""
    if client is None:
        return None
    key = (str(client.base_url), str(client.token), user_id)
    asking = client if timeout is None else quick_client(client, timeout)

    def load() -> str | None:
        try:
            user = asking.users_info(user=user_id).get("user") or {}
        except NO_ANSWER as exc:
            log.info("no answer for a mentioned person's name (%s)", type(exc).__name__)
            raise _NoAnswer from exc
        except SlackApiError as exc:
            log.info("no name for a mentioned person (%s)", exc.response.get("error"))
            return None
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        return str(name) if name else None

    return _NAMES.get_or_load(key, load)


def _label(name: str) -> str:
    return " ".join(name.replace("|", " ").split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def with_names(client: WebClient | None, text: str, *, budget: float | None = None) -> str:
    """Stored text with each mention labelled by the person's display name (what the renderer shows).

    ``budget``: the seconds every lookup together may take (before a 2xx); a mention not named within it, or
    whose lookup got no answer, stays as it is (see :func:`unnamed` and :func:`name_later`)."""
    if "<@" not in text:
        return text
    deadline = None if budget is None else time.monotonic() + budget

    def name(match: re.Match[str]) -> str:
        timeout = None if deadline is None else deadline - time.monotonic()
        if timeout is not None and timeout < 0.05:
            return match.group(0)
        try:
            found = display_name(client, match.group(1), timeout=timeout)
        except _NoAnswer:
            return match.group(0)
        return f"<@{match.group(1)}|{_label(found)}>" if found else match.group(0)

    return _USER_TOKEN.sub(name, text)


def unnamed(text: str) -> bool:
    """Whether a mention in ``text`` has no label yet (its name to be read after the 2xx)."""
    return any("|" not in match.group(0) for match in _USER_TOKEN.finditer(text))


# Background writers: their SQLite writes wait while a request's are queued (models.db.WriteGate).
_LATER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="names", initializer=mark_background)


def name_later(client: WebClient | None, text: str, then: Callable[[str], None]) -> Future[None] | None:
    """Read the names :func:`with_names` had no time for, off the request, and hand the labelled text to
    ``then`` (which stores it); None when every mention is labelled already."""
    if client is None or not unnamed(text):
        return None

    def run() -> None:
        try:
            named = with_names(client, text)
            if named != text:
                then(named)
        except Exception:  # noqa: BLE001 - a name is never worth a crash; the id stays shown
            log.exception("labelling a stored text's mentions failed")

    return _LATER.submit(run)
