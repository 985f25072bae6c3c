"""What a manager sees of ``/insight import``: the answer to the command, its progress and its summary."""

from __future__ import annotations

from datetime import date

from bot.flows.history import ImportReport
from bot.i18n import plural, t
from bot.views.digest import number
from bot.views.safe import safe
from insights.history import SKIP_REASONS

MAX_ORGS = 10


def channel_shown(name: str) -> str:
    return safe(name.lstrip("#"), 80)


def what_text(lang: str, capture_emoji: str, everything: bool, since: date | None) -> str:
    """«messages marqués :gem:, depuis le 2026-01-15» / «every message, read by the analysis»."""
    what = t(lang, "import_what_all") if everything else t(lang, "import_what_marked", emoji=safe(capture_emoji, 100))
    if since:
        what += ", " + t(lang, "import_since", day=since.strftime("%d/%m/%Y") if lang == "fr" else since.isoformat())
    return what


def _count(lang: str, key: str, n: int) -> str:
    return plural(lang, key, n, shown=number(lang, n))


def reading_text(lang: str, channel: str, read: int) -> str:
    return t(lang, "import_reading", channel=channel_shown(channel), read=_count(lang, "count_read", read))


def progress_text(lang: str, channel: str, report: ImportReport, total: int) -> str:
    return t(
        lang,
        "import_progress",
        channel=channel_shown(channel),
        done=number(lang, report.read),
        total=number(lang, total),
        stored=_count(lang, "count_stored", report.stored),
    )


def summary_text(lang: str, channel: str, report: ImportReport, what: str, capture_emoji: str) -> str:
    """The import's summary: messages read, insights stored, what was skipped and why, themes built."""
    counts = t(
        lang,
        "import_done_counts",
        read=_count(lang, "count_read", report.read),
        stored=_count(lang, "count_stored", report.stored),
    )
    lines = [t(lang, "import_done", channel=channel_shown(channel), what=what), "• " + counts]
    if report.resumed:
        lines.append("• " + _count(lang, "import_done_resumed", report.resumed))
    reasons = [
        t(lang, f"import_skip_{reason}", n=number(lang, report.skipped[reason]), emoji=safe(capture_emoji, 100))
        for reason in SKIP_REASONS
        if report.skipped.get(reason)
    ]
    if reasons:
        lines.append("• " + t(lang, "import_done_skipped", reasons=", ".join(reasons)))
    lines.append(
        "• "
        + t(
            lang, "import_done_themes", built=number(lang, report.themes_built), total=number(lang, report.themes_after)
        )
    )
    if report.learned:
        orgs = ", ".join(safe(org, 60) for org in sorted(set(report.learned))[:MAX_ORGS])
        lines.append("• " + t(lang, "import_done_orgs", orgs=orgs))
    if not report.stored:
        lines.append(t(lang, "import_done_nothing"))
    return "\n".join(lines)
