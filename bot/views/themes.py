"""Managers' theme controls and forms: a theme's menu (rename, merge into…, move an insight here, hide), a
quoted insight's menu (move to another theme), the three short forms, and a curation's confirmation with its
"Undo" button. Labels are people's words (insights' or a manager's): escaped in mrkdwn, bounded everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    MarkdownTextObject,
    OverflowMenuElement,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.blocks.basic_components import Option
from slack_sdk.models.views import View

from bot import ids
from bot.i18n import t
from bot.views.safe import safe, truncate

INPUT: Final = "value"
NAME_LIMIT: Final = 80
OPTION_LIMIT: Final = 75  # Slack's limit for an option's text
CHOICES_SHOWN: Final = 100  # Slack's limit for a static select
LABEL_LIMIT: Final = 150


@dataclass(frozen=True)
class ThemeContext:
    """What a curation form carries to its submission (``private_metadata``): the theme or the insight it is
    about, where to confirm (the message's ``response_url``), and whether it was opened from App Home."""

    theme_key: str | None = None
    insight_id: int | None = None
    response_url: str | None = None
    from_home: bool = False

    def dumps(self) -> str:
        return json.dumps({"k": self.theme_key, "i": self.insight_id, "u": self.response_url, "h": self.from_home})

    @classmethod
    def loads(cls, raw: str) -> ThemeContext | None:
        try:
            data = json.loads(raw or "{}")
            insight = data.get("i")
            return cls(data.get("k") or None, int(insight) if insight else None, data.get("u") or None, bool(data["h"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def plain_label(label: str, limit: int = OPTION_LIMIT) -> str:
    """A label in a plain-text field (options, modal labels): one line, bounded."""
    return truncate(" ".join(label.split()), limit) or "—"


def theme_block_id(section: str, theme_key: str) -> str:
    """The block id of a theme's header: unique in a message, and names the theme."""
    return f"{ids.BLOCK_THEME}:{section}:{theme_key}"


def theme_menu(lang: str, theme_key: str) -> OverflowMenuElement:
    """Rename, merge into…, move an insight here, hide: each option's value is ``"<verb>:<theme key>"``."""
    options = [Option(value=f"{verb}:{theme_key}", text=t(lang, f"theme_menu_{verb}")) for verb in ids.THEME_VERBS]
    return OverflowMenuElement(action_id=ids.ACTION_THEME_MENU, options=options)


def theme_header(lang: str, section: str, theme_key: str, text: str) -> SectionBlock:
    """A theme's header line (``text`` already escaped) with the managers' theme menu beside it."""
    return SectionBlock(
        block_id=theme_block_id(section, theme_key),
        text=MarkdownTextObject(text=truncate(text, 3000)),
        accessory=theme_menu(lang, theme_key),
    )


def insight_theme_menu(lang: str, insight_id: int) -> OverflowMenuElement:
    """A quoted insight's menu: move it to another theme."""
    option = Option(value=f"move:{insight_id}", text=t(lang, "theme_insight_move"))
    return OverflowMenuElement(action_id=ids.ACTION_THEME_INSIGHT_MENU, options=[option])


def parse_menu(value: str) -> tuple[str, str] | None:
    """``"rename:th-…"`` → ``("rename", "th-…")``; None for anything else."""
    verb, _, target = value.partition(":")
    if verb not in ids.THEME_VERBS or not target:
        return None
    return verb, target


def _modal(lang: str, callback_id: str, title: str, context: ThemeContext, blocks: list[Block]) -> View:
    return View(
        type="modal",
        callback_id=callback_id,
        title=t(lang, title),
        submit=t(lang, "theme_save"),
        close=t(lang, "cancel"),
        private_metadata=context.dumps(),
        blocks=blocks,
    )


def rename_modal(lang: str, label: str, context: ThemeContext) -> View:
    """One field: the theme's new name, filled with the current one."""
    field = InputBlock(
        block_id=ids.BLOCK_THEME_NAME,
        label=plain_label(t(lang, "theme_rename_label", label=plain_label(label, 60)), 2000),
        element=PlainTextInputElement(
            action_id=INPUT, initial_value=plain_label(label, NAME_LIMIT), max_length=NAME_LIMIT
        ),
    )
    return _modal(lang, ids.VIEW_THEME_RENAME, "theme_rename_title", context, [field])


def _choices(lang: str, block_id: str, label: str, choices: Sequence[tuple[str, str]]) -> Block:
    if not choices:
        return SectionBlock(text=MarkdownTextObject(text=t(lang, "theme_none_to_pick")))
    options = [Option(value=key, text=plain_label(name)) for key, name in choices[:CHOICES_SHOWN]]
    select = StaticSelectElement(
        action_id=INPUT, placeholder=PlainTextObject(text=t(lang, "theme_pick")), options=options
    )
    return InputBlock(block_id=block_id, label=plain_label(label, 2000), element=select)


def merge_modal(lang: str, label: str, choices: Sequence[tuple[str, str]], context: ThemeContext) -> View:
    """One select: the theme this one goes into (``choices`` are ``(key, label)``, this theme left out)."""
    field = _choices(lang, ids.BLOCK_THEME_TARGET, t(lang, "theme_merge_label", label=plain_label(label, 60)), choices)
    return _modal(lang, ids.VIEW_THEME_MERGE, "theme_merge_title", context, [field])


def move_modal(
    lang: str, context: ThemeContext, *, target_label: str = "", choices: Sequence[tuple[str, str]] = ()
) -> View:
    """Move one insight: from its own menu, pick the theme; from a theme's menu, type the insight's number."""
    blocks: list[Block]
    if context.insight_id is not None:
        label = t(lang, "theme_move_target", id=context.insight_id)
        blocks = [_choices(lang, ids.BLOCK_THEME_TARGET, label, choices)]
    else:
        number = InputBlock(
            block_id=ids.BLOCK_THEME_INSIGHT,
            label=t(lang, "theme_move_insight"),
            hint=t(lang, "theme_move_insight_hint"),
            element=PlainTextInputElement(action_id=INPUT, max_length=12),
        )
        into = SectionBlock(
            text=MarkdownTextObject(text=t(lang, "theme_move_into", label=safe(target_label, LABEL_LIMIT)))
        )
        blocks = [into, number]
    return _modal(lang, ids.VIEW_THEME_MOVE, "theme_move_title", context, blocks)


def submitted(view: dict[str, Any], block: str) -> str:
    """A form's text input or selected option, stripped ('' when absent)."""
    values = (view.get("state") or {}).get("values") or {}
    field = (values.get(block) or {}).get(INPUT) or {}
    chosen = field.get("selected_option") or {}
    return str(chosen.get("value") or field.get("value") or "").strip()


def confirmation_blocks(lang: str, key: str, values: dict[str, str], seq: int | None) -> list[Block]:
    """What a curation did (labels escaped), and "Undo" when there is something to undo."""
    escaped = {name: safe(value, LABEL_LIMIT) for name, value in values.items()}
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=t(lang, key, **escaped)))]
    if seq is not None and key != "theme_undone":
        undo = ButtonElement(action_id=ids.ACTION_THEME_UNDO, text=t(lang, "theme_undo"), value=str(seq))
        blocks.append(ActionsBlock(elements=[undo]))
    return blocks


def confirmation_text(lang: str, key: str, values: dict[str, str]) -> str:
    """The notification text of a confirmation (plain: no markup is read in it)."""
    return t(lang, key, **{name: plain_label(value, LABEL_LIMIT) for name, value in values.items()})
