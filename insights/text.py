"""Slack markup to plain text, so the NLP sees words and not ``<@U123>`` or ``:tada:``."""

from __future__ import annotations

import re

from insights.slack_markup import parse

# Pasted URLs that Slack did not wrap (e.g. from an import).
_RAW_URL = re.compile(r"\bhttps?://\S+")
# :emoji_name: and skin-tone suffixes such as :+1::skin-tone-2:; times like 10:30 are not matched.
_EMOJI = re.compile(r"(?<![\w:]):[a-z0-9_+'-]+:(?::skin-tone-\d:)?", re.IGNORECASE)
# Slack formatting marks around words: *bold*, _italic_, ~strike~, `code`.
_FORMAT = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)")
_SPACES = re.compile(r"\s+")


def clean_slack_text(text: str) -> str:
    """Turn a Slack message into plain text: the words people typed and links' labels; mentions, channel
    names, broadcasts, bare links, emoji and markup out (a colleague's name or #ventes says nothing of the
    insight: «vu dans #ventes» must not read as a sale)."""
    words: list[str] = []
    for piece in parse(text):
        if piece.kind == "text":
            words.append(piece.text)
        elif piece.kind == "link" and piece.label:
            words.append(piece.label)
        else:
            words.append(" ")
    text = "".join(words)
    text = _RAW_URL.sub(" ", text)
    text = _EMOJI.sub(" ", text)
    text = _FORMAT.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    # Removing an emoji or a mention can leave " ," or " !" behind; French keeps its space before
    # « ! ? : ; » so only the comma and the full stop are glued back.
    return re.sub(r" ([,.])(?=\s|$)", r"\1", text)
