"""``pepites demo``: the whole capture-and-understand path offline, on SQLite, with no Slack token.

It stores a built-in sample of French and English insights as a Slack workspace would, tags them with
the real spaCy pipelines, groups them into this week's themes and prints what people would see.
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
from models.read import InsightCard, cards_with_reporters

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
    loaded = load_pipelines()
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
    reporters = {card.id: reporter for card, reporter in found}
    for card in cards:
        who = "anonymous" if card.anonymous else "reported"
        out.write(f"#{card.id} ({who})\n")
        out.write(textwrap.indent(textwrap.fill(card.text, 96), "  > ") + "\n")
        for line in tag_lines(card, lang):
            out.write("    " + line.replace("*", "") + "\n")
        out.write("\n")
    _print_themes(cards, reporters, loaded, out)
    engine.dispose()
    return 0


def _print_themes(cards: list[InsightCard], reporters: dict[int, str], loaded: Any, out: TextIO) -> None:
    from insights.themes.weekly import ThemeItem, cluster_week

    items = [ThemeItem(id=str(c.id), text=c.text, reporter=reporters[c.id], lang=c.language) for c in cards]
    themes = cluster_week(items, loaded)
    out.write(f"This week's themes ({len(themes)}):\n")
    for theme in sorted(themes, key=lambda th: -th.size):
        out.write(
            f"  • {theme.label} — {theme.size} insight(s), {theme.reporters} reporter(s): "
            f"#{', #'.join(theme.member_ids)}\n"
        )
