"""The weekly digest and the sales channel's signals post, as Block Kit that always fits in one message.

Slack allows 50 blocks per message; a week of 10,000 insights must still post. Each part shows a fixed
number of items (the caps below add up to at most :data:`MAX_BLOCKS`), says how many more there are,
and the footer links to the rest (``more_url``: App Home or the export). Every item that can be acted
on carries the managers' controls; every user string goes through ``safe``/``quote``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextObject,
    SectionBlock,
    UserSelectElement,
)

from bot import ids
from bot.i18n import MESSAGES, plural, t
from bot.views.safe import safe, truncate
from bot.views.slack_text import mrkdwn, quote
from bot.views.themes import insight_theme_menu, theme_header
from insights.digest.build import CountDelta, Digest, DigestInsight, ThemeDigest
from insights.themes.weekly import OTHERS_KEY

MAX_BLOCKS: Final = 50
SECTION_LIMIT: Final = 3000
THEMES_SHOWN: Final = 3
ITEMS_SHOWN: Final = 3  # escalated, signals, open escalations in the digest
LIST_SHOWN: Final = 5  # successes, "you said, we did" (text lines, no controls)
SIGNAL_ITEMS_SHOWN: Final = 5  # per signal in the sales post
QUOTE_LIMIT: Final = 500
LINE_LIMIT: Final = 200
EXCERPT_LINES: Final = 6
# Printable ASCII only (no space, bidi or zero-width character can hide in a link), and none of ``<>|``.
_URL: Final = re.compile(r"https?://[\x21-\x3b\x3d\x3f-\x7b\x7d\x7e]{1,1000}")


def known(lang: str, prefix: str, value: str | None, fallback: str = "") -> str:
    """A catalogue word for ``value`` (``kind_problem``…), or the value escaped when the catalogue lacks it."""
    if value is None:
        return fallback
    key = f"{prefix}_{value}"
    return t(lang, key) if key in MESSAGES.get(lang, MESSAGES["fr"]) else safe(value, 50)


def number(lang: str, value: float) -> str:
    text = f"{value:,.0f}"
    return text.replace(",", "\u202f") if lang == "fr" else text


def euros(lang: str, value: float) -> str:
    """«1 200 €», «1 200,50 €» (cents kept when there are some); "€1,200", "€1,200.50" in English."""
    value = round(value, 2) if math.isfinite(value) else 0.0
    if value == int(value):
        amount = number(lang, value)
    else:
        amount = f"{value:,.2f}"
        if lang == "fr":
            amount = amount.replace(",", "\u202f").replace(".", ",")
    return f"{amount} €" if lang == "fr" else f"€{amount}"


def _delta(lang: str, count: CountDelta) -> str:
    sign = "+" if count.delta > 0 else "−" if count.delta < 0 else "±"
    return sign + number(lang, abs(count.delta))


def insights(lang: str, count: int) -> str:
    """«1 pépite», «1 200 pépites»."""
    return plural(lang, "count_insights", count, shown=number(lang, count))


def people(lang: str, count: int) -> str:
    """«1 personne», «3 personnes»."""
    return plural(lang, "count_people", count, shown=number(lang, count))


def age(lang: str, days: int) -> str:
    """How long an escalation has been open: «ouverte aujourd'hui», «ouverte depuis 1 jour», «… 3 jours»."""
    if days <= 0:
        return t(lang, "digest_age_today")
    return plural(lang, "digest_age", days, shown=number(lang, days))


def _count(lang: str, count: CountDelta) -> str:
    return t(lang, "digest_count", count=number(lang, count.count), delta=_delta(lang, count))


def external_mark(lang: str, external: bool) -> str:
    """«externe (Slack Connect)» on an insight reported by a person of another organisation, else nothing."""
    return t(lang, "external_marker") if external else ""


def ref(lang: str, insight_id: int) -> str:
    """An insight's number as the texts say it: «n°28» in French, "#28" in English."""
    return t(lang, "insight_ref", id=insight_id)


def day(lang: str, moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y" if lang == "fr" else "%Y-%m-%d")


def _period(lang: str, digest: Digest) -> dict[str, str]:
    """The first and the last day of the period, as many days as it lasts: a week from Friday 27/11 09:00 to
    Friday 04/12 09:00 is «du 27/11/2026 au 03/12/2026» (7 days), one ending Monday 00:00 ends on Sunday."""
    days = max(1, round((digest.period_end - digest.period_start) / timedelta(days=1)))
    last = digest.period_start + timedelta(days=days - 1)
    return {"start": day(lang, digest.period_start), "end": day(lang, last)}


def link(url: str | None, label: str) -> str:
    """``<url|label>`` for an http(s) URL that cannot break out of the link; nothing for anything else."""
    if not url or not _URL.fullmatch(url):
        return ""
    return f"<{url.replace('&', '&amp;')}|{safe(label, 100)}>"


def excerpt(text: str, lines: int = EXCERPT_LINES) -> str:
    """The first non-blank lines of a text to quote: a digest shows the gist, and quote() needs room per line."""
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n".join(kept[:lines]) + ("\n…" if len(kept) > lines else "")


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_LIMIT)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, SECTION_LIMIT))])


def item_controls(lang: str, section: str, insight_id: int) -> ActionsBlock:
    """Acknowledge, assign, resolve, dismiss, reply to the reporter, and "me too" for anyone; the block id names
    the insight for the assign select (App Home's open escalations, where there is room for every button)."""
    value = str(insight_id)
    return ActionsBlock(
        block_id=ids.digest_item_block_id(section, insight_id),
        elements=[
            ButtonElement(action_id=ids.ACTION_ACKNOWLEDGE, text=t(lang, "acknowledge"), value=value),
            UserSelectElement(action_id=ids.ACTION_ASSIGN, placeholder=PlainTextObject(text=t(lang, "assign"))),
            ButtonElement(action_id=ids.ACTION_RESOLVE, text=t(lang, "resolve"), value=value, style="primary"),
            ButtonElement(action_id=ids.ACTION_DISMISS, text=t(lang, "dismiss"), value=value),
            ButtonElement(action_id=ids.ACTION_REPLY, text=t(lang, "reply"), value=value),
            ButtonElement(action_id=ids.ACTION_ME_TOO, text=t(lang, "me_too"), value=value),
        ],
    )


_MENU_WORDS: Final = {
    ids.ACTION_ACKNOWLEDGE: "acknowledge",
    ids.ACTION_ASSIGN: "assign",
    ids.ACTION_RESOLVE: "menu_resolve",
    ids.ACTION_DISMISS: "dismiss",
    ids.ACTION_REPLY: "reply",
}


def item_menu(lang: str, insight_id: int) -> OverflowMenuElement:
    """The managers' controls on one digest item, in one overflow menu (Slack allows 5 options)."""
    options = [
        Option(value=ids.menu_value(action_id, insight_id), text=truncate(t(lang, _MENU_WORDS[action_id]), 75))
        for action_id in ids.ITEM_MENU_ACTIONS
    ]
    return OverflowMenuElement(action_id=ids.ACTION_ITEM_MENU, options=options)


def item_menu_block(lang: str, section: str, insight_id: int, *, managers: bool = True) -> ActionsBlock:
    """Under a digest item: "me too" for anyone and, unless the post is for people who sell, the managers' menu."""
    me_too = ButtonElement(action_id=ids.ACTION_ME_TOO, text=t(lang, "me_too"), value=str(insight_id))
    elements: list[ButtonElement | OverflowMenuElement] = [me_too]
    if managers:
        elements.append(item_menu(lang, insight_id))
    return ActionsBlock(block_id=ids.digest_item_block_id(section, insight_id), elements=elements)


_CLOSED: Final = ("resolved", "dismissed")


def _item(lang: str, section: str, insight: DigestInsight, detail: str, *, managers: bool = True) -> list[Block]:
    """An insight to act on: number, kind, detail, the quoted text and its link, then its controls; a resolved or
    dismissed one says so instead of offering controls."""
    closed = insight.status in _CLOSED
    status = f"_{t(lang, f'status_{insight.status}')}_" if closed else ""
    head = " · ".join(
        part
        for part in (
            f"*{ref(lang, insight.id)}*",
            known(lang, "kind", insight.kind),
            external_mark(lang, insight.external),
            detail,
            status,
        )
        if part
    )
    lines = [head, quote(excerpt(insight.text), QUOTE_LIMIT), link(insight.permalink, t(lang, "digest_link"))]
    blocks: list[Block] = [_section("\n".join(line for line in lines if line))]
    if not closed:
        blocks.append(item_menu_block(lang, section, insight.id, managers=managers))
    return blocks


def _more(lang: str, hidden: int) -> list[Block]:
    return [_context(t(lang, "digest_more", count=number(lang, hidden)))] if hidden > 0 else []


def _items(
    lang: str,
    section: str,
    title: str,
    items: Sequence[tuple[DigestInsight, str]],
    hidden: int,
    *,
    managers: bool = True,
) -> list[Block]:
    """A part: its title, each shown insight with its details and controls, and how many are not shown."""
    blocks: list[Block] = [_section(title)]
    for insight, detail in items:
        blocks.extend(_item(lang, section, insight, detail, managers=managers))
    return blocks + _more(lang, hidden)


def _signal_detail(lang: str, insight: DigestInsight) -> str:
    signal = known(lang, "signal", insight.signal)
    return f"*{signal}* — {safe(insight.subject, 150)}" if insight.subject else f"*{signal}*"


def _headline(digest: Digest, lang: str) -> Block:
    total = t(lang, "digest_total", insights=insights(lang, digest.total.count), delta=_delta(lang, digest.total))
    fields = [
        MarkdownTextObject(text=f"*{known(lang, 'kind', c.key)}*\n{_count(lang, c)}")
        for c in digest.by_kind[:10]
        if c.count or c.previous
    ]
    return SectionBlock(text=MarkdownTextObject(text=total), fields=fields or None)


def _theme(lang: str, theme: ThemeDigest) -> list[Block]:
    """A theme's header with its menu (« autres » has none), then its quotes, each with the move menu."""
    trend = known(lang, "trend", theme.trend)
    size, reporters = insights(lang, theme.size), people(lang, theme.reporters)
    stats = t(lang, "digest_theme_stats", insights=size, people=reporters, trend=trend)
    lines = [f"*{safe(theme.label, 150)}* · {stats}"]
    if theme.quotes_withheld:
        lines.append(t(lang, "digest_quotes_withheld"))
    head = "\n".join(lines)
    blocks: list[Block] = [_section(head) if theme.key == OTHERS_KEY else theme_header(lang, "digest", theme.key, head)]
    for q in theme.quotes:
        text = "\n".join(
            part for part in (quote(excerpt(q.text), QUOTE_LIMIT), link(q.permalink, t(lang, "digest_link"))) if part
        )
        head = " · ".join(part for part in (f"*{ref(lang, q.insight_id)}*", external_mark(lang, q.external)) if part)
        quoted = SectionBlock(
            text=MarkdownTextObject(text=truncate(f"{head}\n{text}", SECTION_LIMIT)),
            accessory=insight_theme_menu(lang, q.insight_id),
        )
        blocks += [quoted, item_menu_block(lang, f"theme-{theme.key}", q.insight_id)]
    return blocks


def _other_themes(lang: str, themes: Sequence[ThemeDigest]) -> list[Block]:
    if not themes:
        return []
    names: list[str] = []
    used = 0
    for theme in themes:
        name = f"{safe(theme.label, 80)} ({number(lang, theme.size)})"
        if used + len(name) > SECTION_LIMIT - 200:
            break
        names.append(name)
        used += len(name) + 2
    text = t(lang, "digest_other_themes", themes=", ".join(names))
    if len(names) < len(themes):
        text += " " + t(lang, "digest_more", count=number(lang, len(themes) - len(names)))
    return [_section(text)]


def _themes(lang: str, themes: Sequence[ThemeDigest]) -> list[Block]:
    if not themes:
        return []
    blocks: list[Block] = [_section(t(lang, "digest_themes", count=number(lang, len(themes))))]
    for theme in themes[:THEMES_SHOWN]:
        blocks += _theme(lang, theme)
    return blocks + _other_themes(lang, themes[THEMES_SHOWN:])


def _text_list(lang: str, title: str, items: Sequence[DigestInsight]) -> list[Block]:
    """A part with no controls: a title and a few one-line quotes, in a single section."""
    if not items:
        return []
    lines = [title]
    used = len(title)
    for insight in items[:LIST_SHOWN]:
        label = ref(lang, insight.id)
        mark = f"_{external_mark(lang, True)}_ · " if insight.external else ""
        line = f"• {link(insight.permalink, label) or label} {mark}{mrkdwn(' '.join(insight.text.split()), LINE_LIMIT)}"
        if used + 1 + len(line) > SECTION_LIMIT - 100:  # whole lines only: a cut could fall inside a link
            break
        lines.append(line)
        used += 1 + len(line)
    shown = len(lines) - 1
    if len(items) > shown:
        lines.append(t(lang, "digest_more", count=number(lang, len(items) - shown)))
    return [_section("\n".join(lines))]


def _footer(lang: str, more_url: str | None) -> list[Block]:
    """Where everything the message had no room for is: the given link, else App Home and ``/insight search``
    (never a command-line tool: the people reading are in Slack)."""
    if not more_url or not _URL.fullmatch(more_url):
        return [_context(t(lang, "digest_see_home"))]
    return [_context(t(lang, "digest_see_all", url=more_url.replace("&", "&amp;")))]


def _signal_groups_line(lang: str, digest: Digest) -> str:
    return " · ".join(f"{known(lang, 'signal', g.signal)} {number(lang, len(g.items))}" for g in digest.signals)


def _round_robin(digest: Digest, count: int) -> list[DigestInsight]:
    """The first insight of each signal, then the second of each…: a lead and a customer at risk both show."""
    picked: list[DigestInsight] = []
    for rank in range(count):
        picked += [g.items[rank] for g in digest.signals if rank < len(g.items)]
    return picked[:count]


def digest_blocks(digest: Digest, lang: str, *, more_url: str | None = None) -> list[Block]:
    """The weekly digest, at most :data:`MAX_BLOCKS` blocks whatever the size of the week."""
    blocks: list[Block] = [
        HeaderBlock(text=truncate(t(lang, "digest_title", **_period(lang, digest)), 150)),
        _headline(digest, lang),
    ]
    blocks += _themes(lang, digest.themes)
    if digest.escalated:
        title = t(lang, "digest_escalated", count=number(lang, len(digest.escalated)))
        escalated = [
            (i, t(lang, "digest_escalated_on", date=day(lang, i.escalated_at)) if i.escalated_at else "")
            for i in digest.escalated[:ITEMS_SHOWN]
        ]
        blocks += _items(lang, "escalated", title, escalated, len(digest.escalated) - len(escalated))
    if digest.signals:
        title = t(
            lang, "digest_signals", count=number(lang, digest.signal_count), groups=_signal_groups_line(lang, digest)
        )
        first = [(i, _signal_detail(lang, i)) for i in _round_robin(digest, ITEMS_SHOWN)]
        blocks += _items(lang, "signal", title, first, digest.signal_count - len(first))
    blocks += _text_list(lang, t(lang, "digest_successes", count=number(lang, len(digest.successes))), digest.successes)
    if digest.resolved.items:
        resolved = digest.resolved
        title = t(
            lang,
            "digest_resolved",
            count=number(lang, len(resolved.items)),
            value=euros(lang, resolved.value_eur),
            total=euros(lang, resolved.running_value_eur),
        )
        blocks += _text_list(lang, title, resolved.items)
    if digest.open_escalations:
        title = t(lang, "digest_open", count=number(lang, len(digest.open_escalations)))
        ages = [(e.insight, age(lang, e.age_days)) for e in digest.open_escalations[:ITEMS_SHOWN]]
        blocks += _items(lang, "open", title, ages, len(digest.open_escalations) - len(ages))
    if len(blocks) == 2 and digest.total.count == 0:
        blocks.append(_section(t(lang, "digest_quiet")))
    return (blocks + _footer(lang, more_url))[:MAX_BLOCKS]


def digest_text(digest: Digest, lang: str) -> str:
    """The notification text that goes with the digest's blocks."""
    return t(lang, "digest_text", insights=insights(lang, digest.total.count))


def signals_blocks(digest: Digest, lang: str, *, more_url: str | None = None) -> list[Block]:
    """The week's customer signals for the people who sell, grouped by signal, each with its controls."""
    blocks: list[Block] = [HeaderBlock(text=truncate(t(lang, "signals_title", **_period(lang, digest)), 150))]
    if not digest.signals:
        return [*blocks, _section(t(lang, "signals_none"))]
    for group in digest.signals:
        signal = known(lang, "signal", group.signal)
        title = t(lang, "signals_group", signal=signal, count=number(lang, len(group.items)))
        items = [(i, f"*{safe(i.subject, 150)}*" if i.subject else "") for i in group.items[:SIGNAL_ITEMS_SHOWN]]
        hidden = len(group.items) - len(items)
        blocks += _items(lang, f"signal-{group.signal}", title, items, hidden, managers=False)
    return (blocks + _footer(lang, more_url))[:MAX_BLOCKS]


def signals_text(digest: Digest, lang: str) -> str:
    """The notification text that goes with the signals post."""
    return t(lang, "signals_text", count=number(lang, digest.signal_count))
