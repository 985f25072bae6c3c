"""Slack markup to plain text, so the NLP sees words and not ``<@U123>`` or ``:tada:``."""

from __future__ import annotations

import html
import re

# <@U123>, <@U123|léa>, <@W123>: who is mentioned does not change what the insight says.
_USER = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
# <#C123|general> keeps the channel name, which often names the subject (#support, #logistique).
_CHANNEL = re.compile(r"<#[A-Z0-9]+(?:\|([^>]*))?>")
# <!here>, <!channel>, <!subteam^S123|@ops>, <!date^…|fallback>: broadcast markup, no content.
_SPECIAL = re.compile(r"<![^>]*>")
# <https://x|label> keeps the label; <https://x>, <mailto:a@b> alone are dropped.
_LINK_LABEL = re.compile(r"<(?:https?|mailto|tel|ftp):[^|>]*\|([^>]*)>")
_LINK_BARE = re.compile(r"<(?:https?|mailto|tel|ftp):[^>]*>")
# Pasted URLs that Slack did not wrap (e.g. from an import).
_RAW_URL = re.compile(r"\bhttps?://\S+")
# :emoji_name: and skin-tone suffixes such as :+1::skin-tone-2:; times like 10:30 are not matched.
_EMOJI = re.compile(r"(?<![\w:]):[a-z0-9_+'-]+:(?::skin-tone-\d:)?", re.IGNORECASE)
# Slack formatting marks around words: *bold*, _italic_, ~strike~, `code`.
_FORMAT = re.compile(r"(?<!\w)[*_~`]+|[*_~`]+(?!\w)")
_SPACES = re.compile(r"\s+")


def clean_slack_text(text: str) -> str:
    """Turn a Slack message into plain text: mentions, links, emoji and markup out, entities unescaped."""
    text = _USER.sub(" ", text)
    text = _CHANNEL.sub(lambda m: f" #{m.group(1)} " if m.group(1) else " ", text)
    text = _SPECIAL.sub(" ", text)
    text = _LINK_LABEL.sub(lambda m: m.group(1), text)
    text = _LINK_BARE.sub(" ", text)
    text = _RAW_URL.sub(" ", text)
    text = html.unescape(text) if "&" in text else text
    text = _EMOJI.sub(" ", text)
    text = _FORMAT.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    # Removing an emoji or a mention can leave " ," or " !" behind; French keeps its space before
    # « ! ? : ; » so only the comma and the full stop are glued back.
    return re.sub(r" ([,.])(?=\s|$)", r"\1", text)
