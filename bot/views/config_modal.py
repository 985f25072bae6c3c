"""The ``/insight config`` modal: a workspace's settings, shown with their current values, checked on submit.

Each setting is one input block whose ``block_id`` is the setting's name and whose element's
``action_id`` is :data:`INPUT`; :func:`read_submission` turns the submitted state back into a
:class:`~bot.workspace_config.WorkspaceConfig`, or into Slack's ``errors`` (setting name → message) so the
modal stays open with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot import ids
from bot.config_values import PARSERS, WEEKDAYS, ConfigError
from bot.i18n import t
from bot.workspace_config import WorkspaceConfig

INPUT: Final = "value"


def _option(text: str, value: str) -> Option:
    return Option(text=text, value=value)


def _channel(config_value: str | None) -> ConversationSelectElement:
    return ConversationSelectElement(
        action_id=INPUT,
        initial_conversation=config_value,
        filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
    )


def _input(lang: str, name: str, element: Any, *, optional: bool = True) -> InputBlock:
    return InputBlock(
        block_id=name,
        label=t(lang, f"config_{name}"),
        element=element,
        optional=optional,
        hint=t(lang, f"config_{name}_hint"),
    )


def config_modal(lang: str, config: WorkspaceConfig) -> View:
    """The settings form, filled with the workspace's current values."""
    days = [_option(t(lang, f"weekday_{day}"), str(i)) for i, day in enumerate(WEEKDAYS)]
    languages = [_option("Français", "fr"), _option("English", "en")]
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=t(lang, "config_intro"))]),
        _input(lang, "digest_channel", _channel(config.digest_channel)),
        _input(
            lang,
            "digest_weekday",
            StaticSelectElement(action_id=INPUT, options=days, initial_option=days[config.digest_weekday]),
            optional=False,
        ),
        _input(
            lang,
            "digest_time",
            TimePickerElement(action_id=INPUT, initial_time=config.digest_time.strftime("%H:%M")),
            optional=False,
        ),
        _input(
            lang,
            "timezone",
            PlainTextInputElement(action_id=INPUT, initial_value=config.timezone, max_length=64),
            optional=False,
        ),
        _input(lang, "sales_channel", _channel(config.sales_channel)),
        _input(lang, "managers", UserMultiSelectElement(action_id=INPUT, initial_users=list(config.managers) or None)),
        _input(
            lang,
            "manager_group",
            PlainTextInputElement(action_id=INPUT, initial_value=config.manager_group or None, max_length=32),
        ),
        _input(
            lang,
            "escalation_emojis",
            PlainTextInputElement(action_id=INPUT, initial_value=", ".join(config.escalation_emojis), max_length=200),
            optional=False,
        ),
        _input(
            lang,
            "quorum",
            NumberInputElement(action_id=INPUT, initial_value=config.quorum, min_value=1, max_value=100),
            optional=False,
        ),
        _input(
            lang,
            "capture_emoji",
            PlainTextInputElement(action_id=INPUT, initial_value=config.capture_emoji, max_length=64),
            optional=False,
        ),
        _input(
            lang,
            "language",
            StaticSelectElement(
                action_id=INPUT,
                options=languages,
                initial_option=languages[0] if config.language == "fr" else languages[1],
            ),
            optional=False,
        ),
        _input(
            lang,
            "retention_days",
            NumberInputElement(action_id=INPUT, initial_value=config.retention_days, min_value=0, max_value=36500),
            optional=False,
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.VIEW_CONFIG,
        title=t(lang, "config_title"),
        submit=t(lang, "config_save"),
        close=t(lang, "cancel"),
        blocks=blocks,
    )


def _value(state: dict[str, Any], name: str) -> Any:
    element = dict((state.get(name) or {}).get(INPUT) or {})
    kind = element.get("type")
    if kind == "conversations_select":
        return element.get("selected_conversation")
    if kind == "static_select":
        return (element.get("selected_option") or {}).get("value")
    if kind == "timepicker":
        return element.get("selected_time")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    return element.get("value")


def read_submission(
    view: dict[str, Any], current: WorkspaceConfig, describe: Callable[[ConfigError], str]
) -> tuple[WorkspaceConfig, dict[str, str]]:
    """The submitted configuration, and the errors to show (empty when every value is right)."""
    state = (view.get("state") or {}).get("values") or {}
    config = current
    errors: dict[str, str] = {}
    for name in PARSERS:
        if name not in state:
            continue
        try:
            config = config.with_value(name, _value(state, name))
        except ConfigError as exc:
            errors[name] = describe(exc)[:150]
    return config, errors
