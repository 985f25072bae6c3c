"""Which past messages become insights when history is imported (a Slack export or a live channel).

By default the messages people already marked with the capture emoji; with ``everything`` every human
message with words that the kind classifier reads as an insight (not ``other``) with enough confidence.
Pure: messages and tags in, a reason to skip (or None) out.
"""

from __future__ import annotations

import re
from typing import Final

from insights.slack_export import ExportMessage
from insights.slack_markup import has_words, readable
from insights.types import Tags

# Subtypes that are people's own words; every other subtype (channel_join, channel_topic, bot_message,
# pinned_item…) is Slack's or a bot's.
HUMAN_SUBTYPES: Final = frozenset({"", "thread_broadcast", "file_share"})
MIN_CONFIDENCE: Final = 0.6
MIN_WORDS: Final = 4  # «ok merci», «+1 top» are chit-chat, not insights
MAX_LENGTH: Final = 4000
_WORD = re.compile(r"\w+", re.UNICODE)

SKIP_REASONS: Final = (
    "not_marked",
    "system",
    "bot",
    "no_text",
    "chit_chat",
    "too_long",
    "not_an_insight",
    "before_since",
    "retention",
    "already_stored",
)


def skip_reason(
    message: ExportMessage, capture_emoji: str, *, everything: bool, bot_users: frozenset[str] = frozenset()
) -> str | None:
    """Why this message is not imported before any tagging, or None when it is a candidate."""
    if (message.subtype or "") not in HUMAN_SUBTYPES:
        return "bot" if message.subtype == "bot_message" else "system"
    if message.bot_id or not message.user or message.user in bot_users:
        return "bot"
    if not message.text.strip() or not has_words(message.text):
        return "no_text"  # file-only messages, a lone emoji or mention
    if len(message.text) > MAX_LENGTH:
        return "too_long"
    if not everything:
        return None if capture_emoji in message.reactions else "not_marked"
    if len(_WORD.findall(readable(message.text, people=False))) < MIN_WORDS:
        return "chit_chat"
    return None


def classifier_reason(tags: Tags, min_confidence: float = MIN_CONFIDENCE) -> str | None:
    """With ``everything``: None when the classifier reads an insight confidently, else ``not_an_insight``."""
    if tags.kind == "other" or tags.kind_confidence < min_confidence:
        return "not_an_insight"
    return None
