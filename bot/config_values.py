"""Parsing and checking of the values a workspace can set, shared by the environment and ``/insight config``."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import t

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CHANNEL: Final = re.compile(r"^[CGD][A-Z0-9]{1,30}$")
_USER: Final = re.compile(r"^[UW][A-Z0-9]{1,30}$")
_GROUP: Final = re.compile(r"^S[A-Z0-9]{1,30}$")
_EMOJI: Final = re.compile(r"^[a-z0-9_+'\-]{1,64}$")


class ConfigError(ValueError):
    """A setting's value is wrong; ``field`` names the setting, ``key`` and ``values`` say why in any language
    (``config_error_<key>`` in :mod:`bot.i18n`), ``message`` in English (for the environment's errors)."""

    def __init__(self, field: str, key: str, **values: object) -> None:
        self.field = field
        self.key = key
        self.values = values
        self.message = self.said("en")
        super().__init__(f"{field}: {self.message}")

    def said(self, lang: str) -> str:
        """Why the value is wrong, in ``lang``."""
        return t(lang, f"config_error_{self.key}", **self.values)


def _optional_id(pattern: re.Pattern[str], what: str) -> Callable[[str, Any], str | None]:
    """``what`` names the error: ``channel`` or ``user_group`` (``config_error_not_<what>``)."""

    def parse(name: str, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip()
        if not pattern.match(text):
            raise ConfigError(name, f"not_{what}", value=text[:40])
        return text

    return parse


def _int_between(low: int, high: int) -> Callable[[str, Any], int]:
    def parse(name: str, value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError as exc:
            raise ConfigError(name, "whole_number", value=str(value)[:20]) from exc
        if not low <= number <= high:
            raise ConfigError(name, "between", low=low, high=high, value=number)
        return number

    return parse


def _weekday(name: str, value: Any) -> int:
    text = str(value).strip().lower()
    if text[:3] in WEEKDAYS:
        return WEEKDAYS.index(text[:3])
    return _int_between(0, 6)(name, value)


def parse_time(name: str, value: Any) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    match = re.match(r"^\s*(\d{1,2})[:h](\d{2})\s*$", str(value))
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(name, "time", value=str(value)[:20])
    return time(int(match[1]), int(match[2]))


def parse_timezone(name: str, value: Any) -> str:
    text = str(value).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(name, "timezone", value=text[:40]) from exc
    return text


def _users(name: str, value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    users = tuple(dict.fromkeys(str(u).strip() for u in items if str(u).strip()))
    for user in users:
        if not _USER.match(user):
            raise ConfigError(name, "not_user", value=user[:40])
    return users


def parse_emoji(name: str, value: Any) -> str:
    text = str(value).strip().strip(":").lower()
    if not _EMOJI.match(text):
        raise ConfigError(name, "emoji", value=str(value)[:40])
    return text


def _emojis(name: str, value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    emojis = tuple(dict.fromkeys(parse_emoji(name, e) for e in items if str(e).strip(" :")))
    if not emojis:
        raise ConfigError(name, "no_emoji")
    return emojis


def _language(name: str, value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ("fr", "en"):
        raise ConfigError(name, "language", value=text[:10])
    return text


PARSERS: Final[dict[str, Callable[[str, Any], Any]]] = {
    "digest_channel": _optional_id(_CHANNEL, "channel"),
    "digest_weekday": _weekday,
    "digest_time": parse_time,
    "timezone": parse_timezone,
    "sales_channel": _optional_id(_CHANNEL, "channel"),
    "managers": _users,
    "manager_group": _optional_id(_GROUP, "user_group"),
    "escalation_emojis": _emojis,
    "quorum": _int_between(1, 100),
    "capture_emoji": parse_emoji,
    "language": _language,
    "retention_days": _int_between(0, 36500),
}
