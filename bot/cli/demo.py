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
    out.write(f"Pépites demo — {len(rows)} insights from a sample workspace, database {engine.url!r}\n")
    started = time.perf_counter()
    loaded = load_pipelines(sentence_vector=True)
    out.write(f"spaCy pipelines loaded in {time.perf_counter() - started:.1f} s (English: {loaded.english_source})\n\n")
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
        who = "anonymous" if card.anonymous else "reported"
        out.write(f"#{card.id} ({who})\n")
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
    title = "This week's themes" if lang == "en" else "Thèmes de la semaine"
    out.write(f"{title} ({len(themes)}):\n")
    for theme in themes:
        out.write(f"  • {theme.label} — {theme.size} insight(s), {theme.reporters} reporter(s), {theme.trend}\n")
    out.write("\n" + ("The digest a manager gets" if lang == "en" else "Le digest que reçoit un manager") + ":\n\n")
    for line in blocks_text(weekly.blocks):
        out.write(textwrap.indent(line, "  ") + "\n")


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
