"""The escalation alert managers get at once, and the note the reporter gets when the status changes."""

from __future__ import annotations

import re

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
    UserSelectElement,
)

from bot import ids
from bot.i18n import MESSAGES, plural, t
from bot.views.digest import link
from bot.views.safe import quote, safe
from bot.views.slack_text import quote as stored_quote
from models.read import InsightCard

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,30}")


def alert_title(lang: str, insight_id: int, votes: int) -> str:
    """«Pépite n°9 remontée par 3 personnes» (one person: «1 personne»)."""
    return t(lang, "alert_title", id=insight_id, people=plural(lang, "count_people", votes))


def escalation_alert_blocks(card: InsightCard, lang: str, votes: int, *, acted_by: str | None = None) -> list[Block]:
    """The alert: the insight, how many people pushed it, and the managers' buttons (or who acted)."""
    kind = t(lang, f"kind_{card.kind}") if card.kind else t(lang, "kind_pending")
    lines = [f"*{alert_title(lang, card.id, votes)}*", stored_quote(card.text, 2500)]
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))]
    context = [kind, t(lang, "external_marker")] if card.external else [kind]
    if card.signal and card.subject:
        context.append(f"{t(lang, f'signal_{card.signal}')} — {safe(card.subject, 200)}")
    original = link(card.permalink, t(lang, "alert_original"))
    if original:
        context.append(original)
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(context))]))
    if acted_by:
        status = t(lang, f"status_{card.status}")
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=t(lang, "alert_done", status=status, user=safe(acted_by, 40)))]
            )
        )
    if card.status not in ("resolved", "dismissed"):
        blocks.append(
            ActionsBlock(
                block_id=f"alert-{card.id}",
                elements=[
                    ButtonElement(action_id=ids.ACTION_ACKNOWLEDGE, text=t(lang, "acknowledge"), value=str(card.id)),
                    ButtonElement(
                        action_id=ids.ACTION_RESOLVE, text=t(lang, "resolve"), value=str(card.id), style="primary"
                    ),
                    ButtonElement(action_id=ids.ACTION_DISMISS, text=t(lang, "dismiss"), value=str(card.id)),
                    UserSelectElement(action_id=ids.ACTION_ASSIGN, placeholder=PlainTextObject(text=t(lang, "assign"))),
                    ButtonElement(action_id=ids.ACTION_REPLY, text=t(lang, "reply"), value=str(card.id)),
                    ButtonElement(action_id=ids.ACTION_ME_TOO, text=t(lang, "me_too"), value=str(card.id)),
                ],
            )
        )
    return blocks


def status_note_text(card: InsightCard, lang: str, by: str) -> str:
    """The notification line the reporter gets when a manager changes the status of their insight (and, when
    it is assigned, to whom); a person of another organisation is told what happened, never who did it."""
    if card.external:
        key = f"external_status_{card.status}"
        what = t(lang, key if key in MESSAGES["fr"] else "external_status_open")
        return t(lang, "external_status_note", id=card.id, what=what)
    if card.status == "assigned" and card.assignee_id and _USER_ID.fullmatch(card.assignee_id):
        return t(lang, "status_note_assigned", id=card.id, assignee=card.assignee_id, user=safe(by, 40))
    return t(lang, "status_note", id=card.id, status=t(lang, f"status_{card.status}"), user=safe(by, 40))


def assigned_blocks(card: InsightCard, lang: str, by: str) -> list[Block]:
    """What the assignee reads: that it is theirs now, by whom, and the insight quoted (not only in the
    notification text, which Slack hides once blocks are there)."""
    text = t(lang, "assigned_to_you", id=card.id, user=safe(by, 40))
    return [SectionBlock(text=MarkdownTextObject(text=f"{text}\n{stored_quote(card.text, 2000)}"))]


def status_note_blocks(card: InsightCard, lang: str, by: str, note: str | None = None) -> list[Block]:
    """What the reporter reads: that line, the manager's note if any, and their insight quoted. The note is the
    team's: a person of another organisation is not shown it."""
    text = status_note_text(card, lang, by)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"{text}\n{stored_quote(card.text, 2000)}"))]
    if note and not card.external:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=f"{t(lang, 'status_note_words')}\n{quote(note, 2500)}"))
        )
    return blocks
