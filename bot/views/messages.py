"""Short answers: help, "my insights", and errors that hand the person's text back to them."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot import ids
from bot.i18n import t
from bot.views.digest import day, external_mark, ref
from bot.views.safe import safe, truncate
from bot.views.slack_text import quote
from models.read import InsightCard


def text_blocks(message: str) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=message))]


def help_text(lang: str, capture_emoji: str, escalation_emoji: str, quorum: int) -> str:
    return t(lang, "help", emoji=safe(capture_emoji, 100), escalate=safe(escalation_emoji, 100), quorum=quorum)


def help_blocks(lang: str, capture_emoji: str, escalation_emoji: str, quorum: int) -> list[Block]:
    return text_blocks(help_text(lang, capture_emoji, escalation_emoji, quorum))


def error_with_text_blocks(message: str, text: str) -> list[Block]:
    """An error that shows the person what they typed, so nothing is lost."""
    return [
        SectionBlock(text=MarkdownTextObject(text=message)),
        SectionBlock(text=MarkdownTextObject(text=quote(text, 2900))),
    ]


def mine_blocks(lang: str, cards: Sequence[InsightCard]) -> list[Block]:
    """The person's latest insights, each with its kind and status."""
    if not cards:
        return text_blocks(t(lang, "mine_empty"))
    return _card_list(lang, t(lang, "mine_title"), cards)


def search_blocks(lang: str, query: str, cards: Sequence[InsightCard]) -> list[Block]:
    """Search results: the insights found, newest first, or a sentence saying none was."""
    if not cards:
        return text_blocks(t(lang, "search_none", query=safe(query, 100)))
    return _card_list(lang, truncate(t(lang, "search_title", query=" ".join(query.split())), 150), cards)


def _card_list(lang: str, title: str, cards: Sequence[InsightCard]) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text=title)]
    for card in cards:
        kind = t(lang, f"kind_{card.kind}") if card.kind else t(lang, "kind_pending")
        status = t(lang, f"status_{card.status}")
        date = day(lang, card.created_at) if card.created_at else ""
        mark = f"{external_mark(lang, True)} · " if card.external else ""
        head = f"*{ref(lang, card.id)}* · {kind} · {mark}_{status}_"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"{head}\n{quote(card.text, 600)}")))
        if date:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=date)]))
    return blocks[:50]


def forget_blocks(lang: str) -> list[Block]:
    """The question before erasing everything a person shared, with a button that asks once more."""
    button = ButtonElement(
        action_id=ids.ACTION_FORGET,
        text=t(lang, "forget_button"),
        value="forget",
        style="danger",
        confirm=ConfirmObject(
            title=t(lang, "forget_title"),
            text=t(lang, "forget_confirm"),
            confirm=t(lang, "forget_button"),
            deny=t(lang, "cancel"),
            style="danger",
        ),
    )
    return [SectionBlock(text=MarkdownTextObject(text=t(lang, "forget_confirm"))), ActionsBlock(elements=[button])]
