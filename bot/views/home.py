"""The App Home tab: everyone sees their own insights and statuses; managers also see the open escalations,
this week's themes, the digest settings and the running "you said, we did" total.

Slack allows 100 blocks in a Home view; a person with 1,000 insights and a workspace with 1,000 open
escalations must still get one. Each part shows a fixed number of items (the caps below add up to less
than :data:`MAX_BLOCKS`) and says how many more there are. Every section is assembled from bounded parts
(an over-long part is left out, never cut in the middle of an entity or a link), and every user string goes
through ``safe``/``quote``; the only ``<…>`` tokens that reach the view are the links built by ``link`` and
the mentions built by :func:`channel_mention` / :func:`user_mention`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import t
from bot.views.digest import age as open_for
from bot.views.digest import (
    day,
    euros,
    excerpt,
    external_mark,
    insights,
    item_controls,
    known,
    link,
    number,
    people,
    ref,
)
from bot.views.safe import ELLIPSIS, from_slack, safe, truncate
from bot.views.slack_text import quote
from bot.views.themes import theme_header
from models.home import HomeEscalation, HomeTheme
from models.read import InsightCard

MAX_BLOCKS: Final = 100
SECTION_LIMIT: Final = 3000
HEADER_LIMIT: Final = 150
FIELD_LIMIT: Final = 2000
MINE_SHOWN: Final = 10
ESCALATIONS_SHOWN: Final = 10
THEMES_SHOWN: Final = 10
SETTINGS_SHOWN: Final = 20
FIELDS_PER_SECTION: Final = 10
QUOTE_LIMIT: Final = 500
LABEL_LIMIT: Final = 150
SETTING_LABEL_LIMIT: Final = 100
SETTING_VALUE_LIMIT: Final = 500
CONTROLS_SECTION: Final = "home"  # the section part of the controls' block ids (bot.ids.digest_item_block_id)

_CHANNEL_ID: Final = re.compile(r"[CG][A-Z0-9]{2,30}")
_USER_ID: Final = re.compile(r"[UW][A-Z0-9]{2,30}")
# Exactly what channel_mention / user_mention build: no label, no broadcast, no subteam, no link.
_MENTION: Final = re.compile(r"<#[CG][A-Z0-9]{2,30}>|<@[UW][A-Z0-9]{2,30}>")


@dataclass(frozen=True)
class ManagerHome:
    """What only managers see. ``settings`` are (label, value) pairs worded by the caller; values are raw text
    (escaped here) in which mentions built with :func:`channel_mention` / :func:`user_mention` stay mentions."""

    escalations: Sequence[HomeEscalation]
    escalations_total: int
    themes: Sequence[HomeTheme]
    themes_total: int
    settings: Sequence[tuple[str, str]]
    value_eur_total: float


def channel_mention(channel_id: str) -> str:
    """``<#C…>`` for a channel id, the id escaped for anything else."""
    return f"<#{channel_id}>" if _CHANNEL_ID.fullmatch(channel_id) else safe(channel_id, 100)


def user_mention(user_id: str) -> str:
    """``<@U…>`` for a user id, the id escaped for anything else."""
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else safe(user_id, 100)


def _fit(parts: Sequence[str], limit: int = SECTION_LIMIT) -> str:
    """The non-empty parts, one a line, leaving out any that would take the text past ``limit``."""
    kept: list[str] = []
    used = -1
    for part in parts:
        if part and used + 1 + len(part) <= limit:
            kept.append(part)
            used += 1 + len(part)
    return "\n".join(kept)


def _section(*parts: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=_fit(parts) or " "))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, SECTION_LIMIT))])


def _more(lang: str, hidden: int, key: str = "home_more") -> list[Block]:
    return [_context(t(lang, key, count=number(lang, hidden)))] if hidden > 0 else []


def _with_mentions(text: str, limit: int = SETTING_VALUE_LIMIT) -> str:
    """A caller's text escaped, except the exact mentions channel_mention/user_mention build; at most ``limit``.

    The rest is unescaped once first, so a value that is already escaped (channel_mention's fallback) is not
    escaped twice and an escaped ``&lt;@U…&gt;`` never turns back into a mention.
    """
    pieces: list[tuple[bool, str]] = []
    start = 0
    for match in _MENTION.finditer(text):
        pieces += [(False, text[start : match.start()]), (True, match.group())]
        start = match.end()
    pieces.append((False, text[start:]))
    out = ""
    for is_mention, piece in pieces:
        room = limit - len(out)
        rendered = piece if is_mention else safe(from_slack(piece), 5 * len(piece) + 1)
        if len(rendered) > room:
            cut = ELLIPSIS if is_mention else safe(from_slack(piece), room)
            return out + cut if room >= len(cut) else out
        out += rendered
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _head(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _card(lang: str, card: InsightCard, *details: str) -> list[str]:
    """The lines of an insight: number, kind, status and details, then the quoted text and its link."""
    kind = known(lang, "kind", card.kind, t(lang, "kind_pending"))
    status = f"_{known(lang, 'status', card.status)}_"
    head = _head(f"*{ref(lang, card.id)}*", kind, external_mark(lang, card.external), status, *details)
    return [head, quote(excerpt(card.text), QUOTE_LIMIT), link(card.permalink, t(lang, "digest_link"))]


def _mine(lang: str, mine: Sequence[InsightCard], mine_total: int) -> list[Block]:
    total = max(mine_total, len(mine))
    if total == 0:
        return [_section(t(lang, "home_mine", count=0)), _section(t(lang, "home_mine_empty"))]
    blocks: list[Block] = [_section(t(lang, "home_mine", count=number(lang, total)))]
    shown = mine[:MINE_SHOWN]
    for card in shown:
        date = day(lang, card.created_at) if card.created_at else ""
        anonymous = t(lang, "home_anonymous") if card.anonymous else ""
        blocks.append(_section(*_card(lang, card, date, anonymous)))
    return blocks + _more(lang, total - len(shown), "home_mine_more")


def _escalations(lang: str, escalations: Sequence[HomeEscalation], escalations_total: int) -> list[Block]:
    """Oldest first, each with the managers' controls; an insight listed twice shows once (block ids are unique)."""
    unique: dict[int, HomeEscalation] = {}
    for escalation in escalations:
        unique.setdefault(escalation.card.id, escalation)
    total = max(escalations_total, len(unique))
    blocks: list[Block] = [_section(t(lang, "home_escalations", count=number(lang, total)))]
    if total == 0:
        return [*blocks, _section(t(lang, "home_escalations_none"))]
    shown = sorted(unique.values(), key=lambda e: -e.age_days)[:ESCALATIONS_SHOWN]
    for escalation in shown:
        votes = t(lang, "home_votes", people=people(lang, escalation.votes))
        age = open_for(lang, escalation.age_days)
        blocks += [
            _section(*_card(lang, escalation.card, votes, age)),
            item_controls(lang, CONTROLS_SECTION, escalation.card.id),
        ]
    return blocks + _more(lang, total - len(shown))


def _themes(lang: str, themes: Sequence[HomeTheme], themes_total: int) -> list[Block]:
    """This week's themes, biggest first, each with the managers' theme menu (rename, merge, move, hide)."""
    total = max(themes_total, len(themes))
    blocks: list[Block] = [_section(t(lang, "home_themes", count=number(lang, total)))]
    if total == 0:
        return [*blocks, _section(t(lang, "home_themes_none"))]
    shown = themes[:THEMES_SHOWN]
    keys: set[str] = set()  # block ids are unique: a theme listed twice gets its menu once
    for theme in shown:
        stats = t(
            lang,
            "digest_theme_stats",
            insights=insights(lang, theme.size),
            people=people(lang, theme.reporters),
            trend=known(lang, "trend", theme.trend),
        )
        text = _fit([f"*{safe(_one_line(theme.label), LABEL_LIMIT)}*", stats])
        keyed = theme.key and theme.key not in keys
        blocks.append(theme_header(lang, CONTROLS_SECTION, theme.key, text) if keyed else _section(text))
        keys.add(theme.key)
    return blocks + _more(lang, total - len(shown))


def _settings(lang: str, settings: Sequence[tuple[str, str]]) -> list[Block]:
    """The settings as fields, ten per section (Slack's limit)."""
    title = t(lang, "home_settings")
    if not settings:
        return [_section(title, t(lang, "home_settings_none"))]
    fields = [
        MarkdownTextObject(
            text=_fit(
                [f"*{safe(_one_line(label), SETTING_LABEL_LIMIT)}*", _with_mentions(value, SETTING_VALUE_LIMIT) or "—"],
                FIELD_LIMIT,
            )
        )
        for label, value in settings[:SETTINGS_SHOWN]
    ]
    blocks: list[Block] = []
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        chunk = fields[start : start + FIELDS_PER_SECTION]
        text = MarkdownTextObject(text=title) if start == 0 else None
        blocks.append(SectionBlock(text=text, fields=chunk))
    return blocks + _more(lang, len(settings) - len(fields))


def _manager(lang: str, manager: ManagerHome) -> list[Block]:
    return [
        DividerBlock(),
        HeaderBlock(text=truncate(t(lang, "home_manager_title"), HEADER_LIMIT)),
        *_escalations(lang, manager.escalations, manager.escalations_total),
        DividerBlock(),
        *_themes(lang, manager.themes, manager.themes_total),
        DividerBlock(),
        *_settings(lang, manager.settings),
        _section(t(lang, "home_value_total", total=euros(lang, manager.value_eur_total))),
    ]


def home_blocks(lang: str, mine: Sequence[InsightCard], mine_total: int, manager: ManagerHome | None) -> list[Block]:
    """The App Home's blocks, at most :data:`MAX_BLOCKS` whatever the sizes of the lists."""
    blocks: list[Block] = [
        HeaderBlock(text=truncate(t(lang, "home_title"), HEADER_LIMIT)),
        _context(t(lang, "home_intro")),
        *_mine(lang, mine, mine_total),
    ]
    if manager is not None:
        blocks += _manager(lang, manager)
    return blocks[:MAX_BLOCKS]


def home_view(lang: str, mine: Sequence[InsightCard], mine_total: int, manager: ManagerHome | None) -> View:
    """The App Home tab for one person (``views.publish``): their insights, and the managers' part if they are one.

    ``mine`` is the person's latest insights, newest first, ``mine_total`` how many they have in all.
    """
    return View(type="home", blocks=home_blocks(lang, mine, mine_total, manager))
