"""The capture modal: text, kind, anonymous, customer; prefilled when saving someone's message."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.i18n import t
from bot.views.safe import quote, truncate
from insights.types import KINDS


@dataclass(frozen=True)
class CaptureOrigin:
    """Where the modal came from, carried in ``private_metadata`` to the submission."""

    source: str  # "modal" (from /insight) or "shortcut"
    channel_id: str | None = None
    message_ts: str | None = None
    author_id: str | None = None
    channel_name: str | None = None  # as Slack gives it in the payload (« client-biocoop »)
    # The message as Slack sent it (names labelled), when it fits in ``private_metadata``: submitted unchanged,
    # it is stored as is, so its links keep their labels (the form can only show «Logistar (https://…)»).
    original: str | None = None

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, raw: str) -> CaptureOrigin:
        """The origin the app wrote; metadata it did not write (an older modal's) is a plain modal's origin."""
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return cls(source="modal")

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        source = text("source")
        return cls(
            source=source if source in ("modal", "shortcut") else "modal",
            channel_id=text("channel_id"),
            message_ts=text("message_ts"),
            author_id=text("author_id"),
            channel_name=text("channel_name"),
            original=text("original"),
        )


def capture_modal(lang: str, origin: CaptureOrigin, prefill: str | None = None) -> View:
    """The modal opened by ``/insight`` alone or by the "Save as insight" shortcut."""
    blocks: list[Block] = []
    if origin.source == "shortcut" and origin.author_id and origin.channel_id:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=t(lang, "modal_from", author=origin.author_id, channel=origin.channel_id))
                ]
            )
        )
    if prefill and len(prefill) > ids.MODAL_TEXT_LENGTH:  # said, never cut silently; the link keeps the rest
        note = t(lang, "modal_cut", length=len(prefill), limit=ids.MODAL_TEXT_LENGTH)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    blocks += [
        InputBlock(
            block_id=ids.BLOCK_TEXT,
            label=t(lang, "modal_text"),
            hint=t(lang, "modal_text_hint"),
            element=PlainTextInputElement(
                action_id=ids.INPUT_TEXT,
                multiline=True,
                max_length=ids.MODAL_TEXT_LENGTH,
                initial_value=truncate(prefill, ids.MODAL_TEXT_LENGTH) if prefill else None,
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_KIND,
            label=t(lang, "modal_kind"),
            optional=True,
            element=StaticSelectElement(
                action_id=ids.INPUT_KIND,
                placeholder=t(lang, "modal_kind_placeholder"),
                options=[Option(value=kind, text=PlainTextObject(text=t(lang, f"kind_{kind}"))) for kind in KINDS],
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_ANONYMOUS,
            label=t(lang, "modal_anonymous"),
            optional=True,
            element=CheckboxesElement(
                action_id=ids.INPUT_ANONYMOUS,
                options=[Option(value="anonymous", text=PlainTextObject(text=t(lang, "modal_anonymous_option")))],
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_CUSTOMER,
            label=t(lang, "modal_customer"),
            optional=True,
            element=PlainTextInputElement(action_id=ids.INPUT_CUSTOMER, max_length=200),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.VIEW_CAPTURE,
        title=t(lang, "modal_title"),
        submit=t(lang, "modal_submit"),
        close=t(lang, "cancel"),
        private_metadata=origin.dumps(),
        blocks=blocks,
    )


def notice_modal(lang: str, message: str, text: str | None = None) -> View:
    """A modal that only tells something (a shortcut on a message that cannot be saved, say)."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=message))]
    if text:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=quote(text, 2900))))
    return View(
        type="modal", callback_id=ids.VIEW_NOTICE, title=t(lang, "notice_title"), close=t(lang, "close"), blocks=blocks
    )
