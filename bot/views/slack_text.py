"""The one renderer of stored text: Slack's form (entity-encoded, real tokens) → what every surface shows.

A stored text holds ``&amp;``/``&lt;``/``&gt;`` for what people typed and Slack's own tokens for what
Slack put there (``<@U1>``, ``<#C1|ventes>``, ``<!here>``, ``<https://x|label>``). In mrkdwn, typed text is
escaped again, people become *@name* (plain words: no ping), channels *#name*, user groups *@handle*,
broadcasts plain words, dates their fallback, and only http(s)/mailto links stay links, with a label that
cannot forge another address. Plain-text surfaces (fallback texts, exports, modal inputs) use :func:`plain`.
Names come from the token's label; the flows put display names there first (:mod:`bot.slack.directory`).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

from bot.views.safe import ELLIPSIS, MAX_QUOTE_LINES, safe
from insights.slack_markup import Piece, parse

# Printable ASCII only (no space, bidi or zero-width character can hide in a link), and none of ``<>|``.
LINK_URL: Final = re.compile(r"(?:https?://|mailto:)[\x21-\x3b\x3d\x3f-\x7b\x7d\x7e]{1,1000}", re.IGNORECASE)
# A label that reads as an address: «www.x.fr», «https://x», «x.com/…», «a@b.fr».
_ADDRESS_LIKE: Final = re.compile(
    r"(?:[a-z][a-z0-9+.-]*:/*)?(?:[\w-]+@)?((?:[\w-]+\.)+[a-z]{2,})(?:[/:?#].*)?", re.IGNORECASE
)
_LABEL_JUNK: Final = re.compile("[|<>\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060\ufeff]")
CHANNEL_FALLBACK: Final = "channel"


def _host(url: str) -> str:
    if url.lower().startswith("mailto:"):
        return url.split("@", 1)[-1].split("?", 1)[0].lower()
    return (urlsplit(url).hostname or "").lower()


def link_label(url: str, label: str) -> str:
    """The words to show for a link: its label, unless the label reads as another address (then the URL)."""
    shown = " ".join(_LABEL_JUNK.sub("", label).split())
    if not shown:
        return url.removeprefix("mailto:")
    match = _ADDRESS_LIKE.fullmatch(shown)
    if match:
        host = _host(url)
        claimed = match.group(1).lower()
        if not host or not (host == claimed or host.endswith("." + claimed) or claimed.endswith("." + host)):
            return url.removeprefix("mailto:")
    return shown


def piece_words(piece: Piece) -> str:
    """A token as the plain words a person reads (no ping, no markup)."""
    if piece.kind == "text":
        return piece.text
    if piece.kind == "link":
        return link_label(piece.ref, piece.label) if piece.label else piece.ref.removeprefix("mailto:")
    if piece.kind == "date":
        return piece.label
    if piece.kind == "channel":
        return "#" + (piece.label or CHANNEL_FALLBACK)
    if piece.kind == "user":
        return "@" + (piece.label or piece.ref)
    return "@" + (piece.label or piece.ref)  # user group handle, or here/channel/everyone


def plain(text: str, *, urls: bool = False) -> str:
    """Stored text → the characters a person reads; ``urls`` adds a labelled link's address in brackets
    («Logistar (https://…)»), what someone editing the text in a form expects to keep."""
    out: list[str] = []
    for piece in parse(text):
        words = piece_words(piece)
        if urls and piece.kind == "link" and piece.label and words != piece.ref.removeprefix("mailto:"):
            words = f"{words} ({piece.ref})"
        out.append(words)
    return "".join(out)


def _render(piece: Piece) -> tuple[str, bool]:
    """(mrkdwn, atomic): a link is all or nothing; words can be cut."""
    if piece.kind == "link" and LINK_URL.fullmatch(piece.ref):
        label = safe(link_label(piece.ref, piece.label), 200) if piece.label else safe(piece.ref, 200)
        return f"<{piece.ref.replace('&', '&amp;')}|{label}>", True
    return safe(piece_words(piece), 10**9), False


def mrkdwn(text: str, limit: int = 3000) -> str:
    """Stored text → safe mrkdwn of at most ``limit`` characters, never cutting a token or an entity."""
    rendered = [(_render(piece), piece) for piece in parse(text)]
    whole = "".join(r for (r, _), _ in rendered)
    if len(whole) <= limit:
        return whole
    budget = limit - len(ELLIPSIS)
    out: list[str] = []
    used = 0
    for (part, atomic), piece in rendered:
        if used + len(part) <= budget:
            out.append(part)
            used += len(part)
            continue
        if not atomic and budget - used > 0:
            cut = safe(piece_words(piece), budget - used + len(ELLIPSIS))  # ends with the ellipsis
            return "".join(out) + cut.removesuffix(ELLIPSIS).rstrip() + ELLIPSIS
        break
    return ("".join(out).rstrip() + ELLIPSIS) if budget >= 0 else ""


def quote(text: str, limit: int = 2900) -> str:
    """Stored text as a Slack block quote, rendered and bounded; past 20 lines the rest joins the last one."""
    lines = text.splitlines() or [""]
    if len(lines) > MAX_QUOTE_LINES:
        lines = lines[: MAX_QUOTE_LINES - 1] + [" ".join(lines[MAX_QUOTE_LINES - 1 :])]
    body = mrkdwn("\n".join(lines), max(limit - 2 * len(lines), 0))
    return "> " + body.replace("\n", "\n> ")
