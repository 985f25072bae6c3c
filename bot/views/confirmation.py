"""The reporter's confirmation: what was stored, its tags once read, and buttons to correct it."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot import ids
from bot.i18n import t
from bot.views.safe import safe, truncate
from bot.views.slack_text import mrkdwn, quote
from insights.types import KINDS
from models.read import InsightCard


def kind_option(lang: str, insight_id: int, kind: str) -> Option:
    return Option(value=f"{insight_id}:{kind}", text=PlainTextObject(text=t(lang, f"kind_{kind}")))


def tag_lines(card: InsightCard, lang: str) -> list[str]:
    """The tags as the reporter reads them, or "reading it…" while the tagger works."""
    if not card.tagged and card.kind_set_by != "person":
        return [t(lang, "tagging")]
    kind = t(lang, f"kind_{card.kind}") if card.kind else t(lang, "kind_pending")
    confidence = round((card.kind_confidence or 0) * 100)
    # A kind a person chose is not a guess: no percentage; nor is a guess of 0 % worth showing.
    guessed = card.kind_set_by != "person" and confidence > 0
    tags = [t(lang, "tag_kind_confidence" if guessed else "tag_kind", kind=kind, confidence=confidence)]
    if card.language:  # an unknown language is left out, not shown as «?»
        tags.append(t(lang, "tag_language", language=safe(card.language, 10)))
    lines = [" · ".join(tags)]
    if card.signal and card.subject:
        lines.append(t(lang, "signal", signal=t(lang, f"signal_{card.signal}"), subject=safe(card.subject, 200)))
    if card.keywords:
        lines.append(t(lang, "keywords", keywords=safe(", ".join(card.keywords[:8]), 500)))
    return lines


def _delete_button(lang: str, card: InsightCard) -> ButtonElement:
    return ButtonElement(
        action_id=ids.ACTION_DELETE,
        text=t(lang, "delete"),
        value=str(card.id),
        style="danger",
        confirm=ConfirmObject(
            title=t(lang, "delete_confirm_title"),
            text=t(lang, "delete_confirm_text"),
            confirm=t(lang, "delete_confirm_yes"),
            deny=t(lang, "cancel"),
            style="danger",
        ),
    )


def external_confirmation_blocks(card: InsightCard, lang: str, *, again: bool = False) -> list[Block]:
    """What a person of another organisation (Slack Connect) is shown: thanks, their own text, that the team will
    read it, and their own controls (anonymous, delete). Nothing internal: no kind, customer signal, keywords,
    similar insight of the workspace, nor the workspace's corrections. Saved again (someone else's insight):
    no controls, it is not theirs."""
    heading = t(lang, "saved_again" if again else "saved", id=card.id)
    lines = [t(lang, "external_saved_note")]
    if card.anonymous:
        lines.append(t(lang, "anonymous_note"))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*{heading}*\n{quote(card.text, 2800)}")),
        ContextBlock(elements=[MarkdownTextObject(text=line) for line in lines]),
    ]
    if again:
        return blocks
    elements: list[ButtonElement] = []
    if not card.anonymous:
        elements.append(
            ButtonElement(action_id=ids.ACTION_MAKE_ANONYMOUS, text=t(lang, "make_anonymous"), value=str(card.id))
        )
    elements.append(_delete_button(lang, card))
    blocks.append(ActionsBlock(block_id=f"insight-{card.id}", elements=elements))
    return blocks


def confirmation_blocks(card: InsightCard, lang: str, *, again: bool = False) -> list[Block]:
    """Blocks for the confirmation (ephemeral reply or DM), with change-kind, change-signal, anonymous and delete
    controls; a person of another organisation gets :func:`external_confirmation_blocks`."""
    if card.external:
        return external_confirmation_blocks(card, lang, again=again)
    heading = t(lang, "saved_again" if again else "saved", id=card.id)
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*{heading}*\n{quote(card.text, 2800)}")),
        ContextBlock(elements=[MarkdownTextObject(text=line) for line in tag_lines(card, lang)]),
    ]
    if card.anonymous:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "anonymous_note"))]))
    if card.duplicate_of is not None:
        offer = t(
            lang,
            "duplicate_offer",
            id=card.duplicate_of,
            text=mrkdwn(" ".join((card.duplicate_text or "").split()), 300),
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=offer)))
    options = [kind_option(lang, card.id, kind) for kind in KINDS]
    current = next((o for o in options if card.kind and o.value.endswith(f":{card.kind}")), None)
    elements: list[StaticSelectElement | ButtonElement] = [
        StaticSelectElement(
            action_id=ids.ACTION_CHANGE_KIND,
            placeholder=PlainTextObject(text=t(lang, "change_kind")),
            options=options,
            initial_option=current,
        )
    ]
    elements.append(
        ButtonElement(action_id=ids.ACTION_CHANGE_SIGNAL, text=t(lang, "change_signal"), value=str(card.id))
    )
    if not card.anonymous:
        elements.append(
            ButtonElement(action_id=ids.ACTION_MAKE_ANONYMOUS, text=t(lang, "make_anonymous"), value=str(card.id))
        )
    elements.append(_delete_button(lang, card))
    if card.duplicate_of is not None:
        elements.append(
            ButtonElement(
                action_id=ids.ACTION_MERGE,
                text=truncate(t(lang, "duplicate_merge", id=card.duplicate_of), 75),
                value=f"{card.id}:{card.duplicate_of}",
                style="primary",
            )
        )
    blocks.append(ActionsBlock(block_id=f"insight-{card.id}", elements=elements))
    return blocks


def confirmation_text(card: InsightCard, lang: str, *, again: bool = False) -> str:
    """The notification text that goes with the blocks (shown in notifications and by screen readers)."""
    return t(lang, "saved_again" if again else "saved", id=card.id)
