"""Slack's message markup, read once: text as Slack sends it → a list of pieces (words, people, links…).

Slack sends a message's text with ``&``, ``<`` and ``>`` entity-encoded, and its own tokens in angle
brackets: ``<@U123>`` (a person), ``<#C123|ventes>`` (a channel), ``<!subteam^S123|@ops>`` (a user group),
``<!here>`` (a broadcast), ``<https://x|label>`` (a link), ``<!date^…|fallback>``. Every surface that
shows an insight, and the tagger, read the same pieces, so a token is never shown raw nor read as words.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal

PieceKind = Literal["text", "user", "channel", "group", "broadcast", "link", "date"]

_TOKEN = re.compile(r"<([^<>\n]*)>")
_USER = re.compile(r"@([UW][A-Z0-9]{2,})(?:\|([^|]*))?")
_CHANNEL = re.compile(r"#([CGD][A-Z0-9]{2,})(?:\|([^|]*))?")
_GROUP = re.compile(r"!subteam\^([A-Z0-9]+)(?:\|([^|]*))?")
_BROADCAST = re.compile(r"!(here|channel|everyone)(?:\|[^|]*)?")
_DATE = re.compile(r"!date\^[^|]*\|(.*)")
_LINK = re.compile(r"((?:https?|mailto):[^|\s]+)(?:\|(.*))?", re.IGNORECASE)


@dataclass(frozen=True)
class Piece:
    """One piece of a message: ``text`` is plain characters as the person typed them (entities decoded);
    for a token, ``ref`` is its Slack id or URL and ``label`` what Slack wrote beside it, if anything."""

    kind: PieceKind
    text: str = ""
    ref: str = ""
    label: str = ""


def _token(inner: str) -> Piece | None:
    if m := _USER.fullmatch(inner):
        return Piece("user", ref=m.group(1), label=html.unescape(m.group(2) or ""))
    if m := _CHANNEL.fullmatch(inner):
        return Piece("channel", ref=m.group(1), label=html.unescape(m.group(2) or ""))
    if m := _GROUP.fullmatch(inner):
        return Piece("group", ref=m.group(1), label=html.unescape(m.group(2) or "").lstrip("@"))
    if m := _BROADCAST.fullmatch(inner):
        return Piece("broadcast", ref=m.group(1), label=m.group(1))
    if m := _DATE.fullmatch(inner):
        return Piece("date", label=html.unescape(m.group(1)))
    if m := _LINK.fullmatch(inner):
        return Piece("link", ref=html.unescape(m.group(1)), label=html.unescape(m.group(2) or ""))
    return None


def parse(text: str) -> list[Piece]:
    """The pieces of a text as Slack sends it; anything that is not a known token stays text."""
    pieces: list[Piece] = []
    at = 0
    for match in _TOKEN.finditer(text):
        piece = _token(match.group(1))
        if piece is None:
            continue
        if match.start() > at:
            pieces.append(Piece("text", text=html.unescape(text[at : match.start()])))
        pieces.append(piece)
        at = match.end()
    if at < len(text):
        pieces.append(Piece("text", text=html.unescape(text[at:])))
    return pieces


def encode(typed: str) -> str:
    """Typed characters (a form's input) → how Slack would send them, so every stored text has one form."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def readable(text: str, *, people: bool = True) -> str:
    """Plain words a person reads: a link's label (or its address), @name, #channel, @group, @here.

    Without a directory this uses the labels Slack put in the tokens; ``people=False`` drops mentions and
    channel names (what the tagger reads: a channel's or a colleague's name says nothing of the insight).
    """
    out: list[str] = []
    for piece in parse(text):
        if piece.kind == "text":
            out.append(piece.text)
        elif piece.kind == "link":
            out.append(piece.label or piece.ref.removeprefix("mailto:"))
        elif piece.kind == "date":
            out.append(piece.label)
        elif not people:
            out.append(" ")
        elif piece.kind == "channel":
            out.append("#" + (piece.label or piece.ref))
        else:
            out.append("@" + (piece.label or piece.ref))
    return "".join(out)


_ATOM = re.compile(r"<[^<>\n]*>|&(?:amp|lt|gt);")


def bounded(text: str, limit: int, ellipsis: str = "…") -> str:
    """At most ``limit`` characters of a text in Slack's form, cut between tokens and entities, never inside."""
    if len(text) <= limit:
        return text
    budget = max(limit - len(ellipsis), 0)
    cut = budget
    for match in _ATOM.finditer(text, max(budget - 1100, 0), budget + 1100):
        if match.start() < budget < match.end():
            cut = match.start()
            break
    return text[:cut].rstrip() + ellipsis


def has_words(text: str) -> bool:
    """Whether a text in Slack's form says something: letters or digits once emoji codes and tokens are gone."""
    words = re.sub(r":[a-z0-9_+'-]+:", " ", readable(text, people=False), flags=re.IGNORECASE)
    return any(ch.isalnum() for ch in words)
