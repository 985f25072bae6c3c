"""The modals managers and reporters use to close the loop: resolve (note and € value), reply, answer."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.i18n import t
from bot.views.safe import quote, safe
from bot.views.slack_text import quote as stored_quote
from models.read import InsightCard

INPUT: Final = "value"
NOTE_LIMIT: Final = 2000
MAX_EUROS: Final = 1_000_000_000.0
_EUROS: Final = re.compile(
    r"^\s*(€\s*)?[\d\s\u202f\u00a0.,']+\s*(?P<scale>[kKM])?\s*(€|eur|euros?)?\s*$", re.IGNORECASE
)
# «15 k€» is 15,000, «2 M€» 2,000,000 (a lower-case m would be ambiguous with metres or minutes: only k and M).
_SCALES: Final = {"k": 1_000, "K": 1_000, "M": 1_000_000}


@dataclass(frozen=True)
class ModalContext:
    """What a closing-the-loop modal carries to its submission (in ``private_metadata``)."""

    insight_id: int
    response_url: str | None = None  # the alert to update once resolved
    reply_id: int | None = None  # the manager's message a reporter answers

    def dumps(self) -> str:
        return json.dumps({"i": self.insight_id, "u": self.response_url, "r": self.reply_id})

    @classmethod
    def loads(cls, raw: str) -> ModalContext | None:
        try:
            data = json.loads(raw or "{}")
            return cls(int(data["i"]), data.get("u") or None, int(data["r"]) if data.get("r") else None)
        except (ValueError, KeyError, TypeError):
            return None


def _text_input(lang: str, block: str, label: str, *, optional: bool, multiline: bool = True) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=t(lang, label),
        element=PlainTextInputElement(action_id=INPUT, multiline=multiline, max_length=NOTE_LIMIT),
        optional=optional,
    )


def _excerpt(lang: str, card: InsightCard) -> Block:
    head = t(lang, "insight_ref", id=card.id)
    if card.external:
        head += f" · {t(lang, 'external_marker')}"
    return SectionBlock(text=MarkdownTextObject(text=f"*{head}*\n{stored_quote(card.text, 1500)}"))


def resolve_modal(lang: str, card: InsightCard, context: ModalContext) -> View:
    """Resolve an insight: an optional note for the reporter and an optional € value, saved or won."""
    return View(
        type="modal",
        callback_id=ids.VIEW_RESOLVE,
        title=t(lang, "resolve_title"),
        submit=t(lang, "resolve"),
        close=t(lang, "cancel"),
        private_metadata=context.dumps(),
        blocks=[
            _excerpt(lang, card),
            # Someone of another organisation is told it was dealt with, not the team's note.
            _text_input(lang, ids.BLOCK_NOTE, f"resolve_note{'_external' if card.external else ''}", optional=True),
            InputBlock(
                block_id=ids.BLOCK_VALUE,
                label=t(lang, "resolve_value"),
                hint=t(lang, "resolve_value_hint"),
                element=PlainTextInputElement(action_id=INPUT, max_length=30),
                optional=True,
            ),
        ],
    )


def assign_modal(lang: str, card: InsightCard, context: ModalContext) -> View:
    """Assign an insight from the digest's menu: pick the person (a menu cannot hold a people picker)."""
    return View(
        type="modal",
        callback_id=ids.VIEW_ASSIGN,
        title=t(lang, "assign_title"),
        submit=t(lang, "assign_submit"),
        close=t(lang, "cancel"),
        private_metadata=context.dumps(),
        blocks=[
            _excerpt(lang, card),
            InputBlock(
                block_id=ids.BLOCK_ASSIGNEE,
                label=t(lang, "assign"),
                element=UserSelectElement(action_id=INPUT),
            ),
        ],
    )


def _message_modal(lang: str, card: InsightCard, context: ModalContext, callback_id: str, words: str) -> View:
    """A form to write about an insight, with a line on who will (not) learn whose words they are."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=t(lang, f"{words}_title"),
        submit=t(lang, "send"),
        close=t(lang, "cancel"),
        private_metadata=context.dumps(),
        blocks=[
            _excerpt(lang, card),
            _text_input(lang, ids.BLOCK_NOTE, f"{words}_label", optional=False),
            ContextBlock(elements=[MarkdownTextObject(text=t(lang, f"{words}_privacy"))]),
        ],
    )


def reply_modal(lang: str, card: InsightCard, context: ModalContext) -> View:
    """A manager writes to the reporter of an insight, who stays anonymous if they were."""
    return _message_modal(lang, card, context, ids.VIEW_REPLY, "reply")


def answer_modal(lang: str, card: InsightCard, context: ModalContext) -> View:
    """The reporter answers the manager; the manager never learns who they are."""
    return _message_modal(lang, card, context, ids.VIEW_ANSWER, "answer")


def submitted_text(view: dict[str, Any], block: str) -> str:
    values = (view.get("state") or {}).get("values") or {}
    return str(((values.get(block) or {}).get(INPUT) or {}).get("value") or "").strip()


def submitted_user(view: dict[str, Any], block: str) -> str:
    """The person picked in a form's people picker, or ""."""
    values = (view.get("state") or {}).get("values") or {}
    return str(((values.get(block) or {}).get(INPUT) or {}).get("selected_user") or "")


def parse_euros(raw: str) -> float | None:
    """« 1 200,50 € », "€1,200.50", "1200", «15 k€», «1,5 k€» → a number; "" → None; raises ValueError on
    anything else."""
    text = raw.strip().replace("€", "").strip()
    if not text:
        return None
    match = _EUROS.match(raw)
    if not match:
        raise ValueError(raw)
    text = re.sub(r"(?i)eur(os?)?", "", text)
    scale = 1
    if match["scale"]:
        scale = _SCALES.get(match["scale"], _SCALES.get(match["scale"].lower(), 1))
        text = text.replace(match["scale"], "")
    digits = re.sub(r"[\s\u202f\u00a0']", "", text)
    if "," in digits and "." in digits:  # the last one is the decimal mark
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        digits = digits.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif "," in digits:
        head, _, tail = digits.rpartition(",")
        digits = f"{head.replace(',', '')}.{tail}" if len(tail) != 3 else digits.replace(",", "")
    elif digits.count(".") > 1 or (digits.count(".") == 1 and len(digits.rpartition(".")[2]) == 3):
        digits = digits.replace(".", "")  # 1.200 or 1.200.000: thousands
    value = float(digits) * scale
    if not 0 <= value <= MAX_EUROS:
        raise ValueError(raw)
    return round(value, 2)


def relay_to_reporter_blocks(lang: str, card: InsightCard, text: str, reply_id: int) -> list[Block]:
    """What the reporter receives: the manager's words about their insight, and a button to answer."""
    return [
        SectionBlock(text=MarkdownTextObject(text=t(lang, "relay_to_reporter", id=card.id))),
        SectionBlock(text=MarkdownTextObject(text=quote(text, 2900))),
        ContextBlock(elements=[MarkdownTextObject(text=stored_quote(card.text, 1000))]),
        ActionsBlock(
            block_id=f"relay-{reply_id}",
            elements=[ButtonElement(action_id=ids.ACTION_ANSWER, text=t(lang, "answer"), value=str(reply_id))],
        ),
    ]


def relay_to_manager_blocks(lang: str, card: InsightCard, text: str) -> list[Block]:
    """What the manager receives: the reporter's answer, never their name; a button to write back."""
    return [
        SectionBlock(text=MarkdownTextObject(text=t(lang, "relay_to_manager", id=card.id))),
        SectionBlock(text=MarkdownTextObject(text=quote(text, 2900))),
        ActionsBlock(
            block_id=f"answer-{card.id}",
            elements=[ButtonElement(action_id=ids.ACTION_REPLY, text=t(lang, "reply"), value=str(card.id))],
        ),
    ]


def status_line(lang: str, card: InsightCard, by: str) -> str:
    """One line for whoever clicked: what is now true of the insight."""
    return t(lang, "status_done", id=card.id, status=t(lang, f"status_{card.status}"), user=safe(by, 40))
