"""The customer signal form: the reporter sets the signal and the organisation it is about."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from slack_sdk.models.blocks import InputBlock, Option, PlainTextInputElement, PlainTextObject, StaticSelectElement
from slack_sdk.models.views import View

from bot import ids
from bot.i18n import t
from bot.views.safe import truncate
from insights.types import SIGNALS
from models.read import InsightCard

SUBJECT_LENGTH = 200


@dataclass(frozen=True)
class SignalFormOrigin:
    """Which insight the form changes and where its confirmation is, carried in ``private_metadata``."""

    insight_id: int
    response_url: str | None = None
    channel: str | None = None
    ts: str | None = None

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, raw: str) -> SignalFormOrigin | None:
        try:
            data: dict[str, Any] = json.loads(raw) if raw else {}
            return cls(int(data["insight_id"]), data.get("response_url"), data.get("channel"), data.get("ts"))
        except (ValueError, KeyError, TypeError):
            return None

    def where(self) -> dict[str, Any]:
        """Where the confirmation to redraw is (an ephemeral reply's URL, or a DM)."""
        if self.response_url:
            return {"response_url": self.response_url}
        return {"channel": self.channel, "ts": self.ts} if self.channel and self.ts else {}


def _option(lang: str, value: str) -> Option:
    label = t(lang, "signal_modal_none") if value == ids.NO_SIGNAL else t(lang, f"signal_{value}")
    return Option(value=value, text=PlainTextObject(text=label))


def signal_modal(lang: str, card: InsightCard, origin: SignalFormOrigin) -> View:
    """The form, filled with the insight's current signal and subject."""
    options = [_option(lang, s) for s in (*SIGNALS, ids.NO_SIGNAL)]
    current = card.signal if card.signal in SIGNALS else ids.NO_SIGNAL
    return View(
        type="modal",
        callback_id=ids.VIEW_SIGNAL,
        title=t(lang, "signal_modal_title"),
        submit=t(lang, "signal_modal_submit"),
        close=t(lang, "cancel"),
        private_metadata=origin.dumps(),
        blocks=[
            InputBlock(
                block_id=ids.BLOCK_SIGNAL,
                label=t(lang, "signal_modal_signal"),
                element=StaticSelectElement(
                    action_id=ids.INPUT_SIGNAL,
                    options=options,
                    initial_option=next(o for o in options if o.value == current),
                ),
            ),
            InputBlock(
                block_id=ids.BLOCK_SUBJECT,
                label=t(lang, "signal_modal_subject"),
                hint=t(lang, "signal_modal_subject_hint"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.INPUT_SUBJECT,
                    max_length=SUBJECT_LENGTH,
                    initial_value=truncate(card.subject, SUBJECT_LENGTH) if card.subject else None,
                ),
            ),
        ],
    )
