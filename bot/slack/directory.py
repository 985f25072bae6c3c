"""People's display names in stored text: ``<@U1>`` becomes ``<@U1|Farid>`` (Slack's own token form) once,
at capture, so every surface (confirmation, digest, Home, DMs, search, export) shows @Farid without a lookup.

Names come from ``users.info`` (scope ``users:read``), kept in the one TTL cache for an hour; a name that
cannot be read leaves the token as it is (the renderer then shows the label Slack gave, or the id). Channel
names are not looked up (the app has no ``channels:read``): the label inside the token, else "#channel".
"""

from __future__ import annotations

import logging
import re
from typing import Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.cache import TTLCache
from bot.slack.client import NO_ANSWER

log = logging.getLogger(__name__)

NAME_TTL: Final = 3600.0
_USER_TOKEN: Final = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^|<>]*)?>")
# Keyed by the API and token too: one process may serve several workspaces (and tests several fakes).
_NAMES: TTLCache[tuple[str, str, str], str | None] = TTLCache(NAME_TTL)


def display_name(client: WebClient | None, user_id: str) -> str | None:
    """The person's display name (else real name), cached; None when Slack cannot tell."""
    if client is None:
        return None
    key = (str(client.base_url), str(client.token), user_id)

    def load() -> str | None:
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except (SlackApiError, *NO_ANSWER) as exc:
            log.info("no name for a mentioned person (%s)", type(exc).__name__)
            return None
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        return str(name) if name else None

    return _NAMES.get_or_load(key, load)


def _label(name: str) -> str:
    return " ".join(name.replace("|", " ").split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def with_names(client: WebClient | None, text: str) -> str:
    """Stored text with each mention labelled by the person's display name (what the renderer shows)."""
    if "<@" not in text:
        return text

    def name(match: re.Match[str]) -> str:
        found = display_name(client, match.group(1))
        return f"<@{match.group(1)}|{_label(found)}>" if found else match.group(0)

    return _USER_TOKEN.sub(name, text)
