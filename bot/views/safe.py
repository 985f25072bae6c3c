"""The one way user text reaches a block: unescaped from Slack once, escaped and bounded on the way out."""

from __future__ import annotations

import re

# Bidirectional overrides can make a quoted text read differently from what it is.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
ELLIPSIS = "…"
MAX_QUOTE_LINES = 20


def from_slack(text: str) -> str:
    """Text as Slack sends it (``&``, ``<``, ``>`` entity-encoded) → the characters the person typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending with an ellipsis when something was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def safe(text: str, limit: int = 3000) -> str:
    """Escape ``&``, ``<``, ``>`` so no mention, broadcast or forged link survives, then bound the length.

    The cut never splits an entity: the text is truncated before escaping, with room for the growth.
    """
    cleaned = _BIDI_CONTROLS.sub("", text)
    escaped = _escape(cleaned)
    if len(escaped) <= limit:
        return escaped
    budget = max(limit - 1, 0)  # a text of many lines can leave quote() no room at all
    kept = cleaned[:budget]
    while len(_escape(kept)) > budget:
        kept = kept[: max(len(kept) - max((len(_escape(kept)) - budget) // 4, 1), 0)]
    return _escape(kept.rstrip()) + ELLIPSIS


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str, limit: int = 2900) -> str:
    """A user's text as a Slack block quote, escaped and bounded; past 20 lines the rest joins the last one."""
    lines = text.splitlines() or [""]
    if len(lines) > MAX_QUOTE_LINES:
        lines = lines[: MAX_QUOTE_LINES - 1] + [" ".join(lines[MAX_QUOTE_LINES - 1 :])]
    body = safe("\n".join(lines), limit - 2 * len(lines))
    return "> " + body.replace("\n", "\n> ")
