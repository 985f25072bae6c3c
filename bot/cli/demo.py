"""``pepites demo``: the whole capture-and-understand path offline, on SQLite, with no Slack token.

It stores a built-in sample of French and English insights as a Slack workspace would, tags them with
the real spaCy pipelines (and the sentence encoder, as the tagging process does), then ends with the
weekly digest a manager would get, as text: the week's themes from the workspace's catalogue, their
trends and quotes, escalations, customer signals, wins.
"""

from __future__ import annotations

import json
import secrets
import textwrap
import time
from importlib import resources
from typing import Any, TextIO

from bot.flows.capture import reporter_fields
from bot.i18n import plural, t
from bot.views.confirmation import tag_lines
from insights.pipeline import load_pipelines
from insights.types import KnownOrgs
from models.db import make_engine, make_sessions
from models.insights import InsightDraft, add_insight, save_tags
from models.migrate import upgrade
from models.privacy import ReporterVault
from models.read import cards_with_reporters

DEMO_TEAM = "TDEMO0001"


def sample_insights() -> list[dict[str, Any]]:
    """The built-in sample (realistic insights of a small French company that sells sensors)."""
    raw = resources.files("bot").joinpath("data/demo_insights.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def run_demo(database_url: str, out: TextIO, lang: str = "fr") -> int:
    """Store, tag and group the sample; print the insights with their tags, then the week's themes."""
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    vault = ReporterVault(secrets.token_urlsafe(32))  # a throwaway key: the demo's anonymous stay anonymous
    rows = sample_insights()
    out.write(demo_title(lang, len(rows), repr(engine.url)) + "\n")
    started = time.perf_counter()
    loaded = load_pipelines(sentence_vector=True)
    out.write(pipelines_line(lang, time.perf_counter() - started, loaded.english_source) + "\n\n")
    from insights.embedding import embed_sentences
    from insights.tagging.tagger import Tagger

    tagger = Tagger(loaded, embed=embed_sentences)
    known = KnownOrgs(customers=("Biocoop", "Leroy Merlin", "Maison Vernier"), competitors=("Acme",))
    ids: list[int] = []
    with sessions.begin() as session:
        for number, row in enumerate(rows, start=1):
            user = str(row["reporter"])
            draft = InsightDraft(
                team_id=DEMO_TEAM,
                idempotency_key=f"demo:{DEMO_TEAM}:{number}",
                text=str(row["text"]),
                source="import",
                **reporter_fields(vault, DEMO_TEAM, user, bool(row.get("anonymous"))),
            )
            insight, _ = add_insight(session, draft)
            if insight.tagged_at is None:
                save_tags(session, insight, tagger.tag(insight.text, known))
            ids.append(insight.id)
    with sessions.begin() as session:
        found = cards_with_reporters(session, ids)
    cards = [card for card, _ in found]
    for card in cards:
        who = t(lang, "demo_anonymous" if card.anonymous else "demo_named")
        out.write(f"{t(lang, 'insight_ref', id=card.id)} ({who})\n")
        out.write(textwrap.indent(textwrap.fill(card.text, 96), "  > ") + "\n")
        for line in tag_lines(card, lang):
            out.write("    " + line.replace("*", "") + "\n")
        out.write("\n")
    _print_digest(sessions, out, lang)
    engine.dispose()
    return 0


def _print_digest(sessions: Any, out: TextIO, lang: str) -> None:
    """The digest of the last 7 days as a manager would read it in Slack, flattened to text."""
    from dataclasses import replace
    from datetime import timedelta

    from bot.flows.digest import build_weekly, last_days
    from bot.workspace_config import WorkspaceConfig
    from models.schema import utcnow
    from models.workspaces import find_workspace

    config = replace(WorkspaceConfig(), language=lang)
    with sessions.begin() as session:
        workspace = find_workspace(session, DEMO_TEAM)
        if workspace is None:
            return
        period = last_days(utcnow() + timedelta(minutes=1), config)
        weekly = build_weekly(session, workspace.id, config, period, persist=False)
    themes = [th for th in weekly.digest.themes]
    out.write(t(lang, "demo_themes", count=len(themes)) + "\n")
    for theme in themes:
        out.write(theme_line(lang, theme.label, theme.size, theme.reporters, theme.trend) + "\n")
    out.write("\n" + t(lang, "demo_digest") + "\n\n")
    for line in blocks_text(weekly.blocks):
        out.write(textwrap.indent(line, "  ") + "\n")


def demo_title(lang: str, count: int, database: str) -> str:
    """The first line: how many insights, and where they are stored."""
    return t(lang, "demo_title", insights=plural(lang, "count_insights", count), database=database)


def pipelines_line(lang: str, seconds: float, english_source: str) -> str:
    """How long spaCy took, and what reads English: a named model, or a blank pipeline (said what that means)."""
    english = t(lang, "demo_english_blank") if english_source == "blank" else english_source
    shown = f"{seconds:.1f}".replace(".", "," if lang == "fr" else ".")
    return t(lang, "demo_pipelines", seconds=shown, english=english)


def theme_line(lang: str, label: str, size: int, reporters: int, trend: str) -> str:
    """One theme of the week: its name, size, people and trend, in the demo's language."""
    words = [plural(lang, "count_insights", size), plural(lang, "count_people", reporters), t(lang, f"trend_{trend}")]
    return f"  • {label} — {', '.join(words)}"


def blocks_text(blocks: list[dict[str, Any]]) -> list[str]:
    """Block Kit flattened to text lines (sections, headers, context; buttons left out)."""
    lines: list[str] = []
    for block in blocks:
        texts = [block["text"]] if isinstance(block.get("text"), dict) else []
        texts += block.get("fields") or []
        texts += [e for e in block.get("elements") or [] if block.get("type") == "context" and "text" in e]
        for text in texts:
            lines.append(str(text.get("text", "")).replace("*", ""))
        if block.get("type") == "divider":
            lines.append("—" * 40)
    return lines
