"""Insights written straight to the database with their tags, for digest tests and benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session, sessionmaker

from insights.themes.stored import pack_vector, pack_words
from models.schema import Insight, Workspace
from models.search import fold
from models.workspaces import ensure_workspace
from tests.support.readings import make_reading

# (text, lemmas, kind, signal, subject): a few subjects that make clear themes.
SUBJECTS: Sequence[tuple[str, tuple[str, ...], str, str | None, str | None]] = (
    ("Le VPN coupe encore pendant les démos client.", ("vpn", "couper", "démo", "client"), "dysfunction", None, None),
    ("VPN down again for the Lyon office.", ("vpn", "down", "lyon", "office"), "problem", None, None),
    (
        "Panne du VPN ce matin, le support a perdu une heure.",
        ("panne", "vpn", "support", "perdre"),
        "problem",
        None,
        None,
    ),
    ("Les colis Biocoop arrivent abîmés.", ("colis", "biocoop", "arriver", "abîmé"), "problem", "at_risk", "Biocoop"),
    (
        "Biocoop menace de partir chez Kelvio.",
        ("biocoop", "menacer", "partir", "kelvio"),
        "problem",
        "at_risk",
        "Biocoop",
    ),
    (
        "Leroy Merlin veut un devis pour 40 magasins.",
        ("leroy", "merlin", "devis", "magasin"),
        "success",
        "lead",
        "Leroy Merlin",
    ),
    ("Idée : un tableau partagé pour les devis.", ("idée", "tableau", "partager", "devis"), "idea", None, None),
    (
        "Bravo à l'équipe ADV pour la clôture du trimestre !",
        ("équipe", "adv", "clôture", "trimestre"),
        "success",
        None,
        None,
    ),
)


def make_workspace(sessions: sessionmaker[Session], team_id: str, created_at: datetime, **settings: Any) -> int:
    with sessions.begin() as session:
        workspace = ensure_workspace(session, team_id)
        workspace.created_at = created_at
        workspace.settings = dict(settings)
        return workspace.id


def _theme_fields(text: str) -> dict[str, object]:
    """What the tagging process stores for themes, hand-built (hashed word vectors)."""
    reading = make_reading("0", text, "fr")
    return {"words": pack_words(reading.words), "vector": pack_vector(reading.vector)}


def seed_week(
    sessions: sessionmaker[Session],
    team_id: str,
    start: datetime,
    count: int,
    *,
    prefix: str = "seed",
    reporters: int = 50,
    anonymous_every: int = 0,
) -> list[int]:
    """``count`` tagged insights spread over the 7 days from ``start``; their ids."""
    with sessions.begin() as session:
        workspace_id = session.query(Workspace.id).filter(Workspace.team_id == team_id).scalar()
        if workspace_id is None:
            workspace_id = ensure_workspace(session, team_id).id
    step = timedelta(days=7) / max(count, 1)
    rows = []
    for n in range(count):
        text, lemmas, kind, signal, subject = SUBJECTS[n % len(SUBJECTS)]
        anonymous = bool(anonymous_every) and n % anonymous_every == 0
        rows.append(
            {
                "workspace_id": workspace_id,
                "idempotency_key": f"{prefix}:{team_id}:{start.isoformat()}:{n}",
                "text": f"{text} ({n})",
                "source": "import",
                "reporter_id": None if anonymous else f"U{n % reporters:05d}",
                "reporter_hash": f"h{n % reporters}",
                "anonymous": anonymous,
                "permalink": f"https://acme.slack.com/archives/C1/p{1_700_000_000 + n}",
                "language": "fr",
                "kind": kind,
                "kind_confidence": 0.9,
                "kind_set_by": "model",
                "signal": signal,
                "subject": subject,
                "entities": [],
                "keywords": list(lemmas),
                "lemmas": list(lemmas),
                **_theme_fields(text),
                "search_text": fold(text),
                "tagged_at": start,
                "status": "open",
                "confirmation": {},
                "created_at": start + step * n,
            }
        )
    ids: list[int] = []
    with sessions.begin() as session:
        for chunk in range(0, len(rows), 5000):
            ids += list(session.scalars(insert(Insight).returning(Insight.id), rows[chunk : chunk + 5000]))
    return ids


def resolve(sessions: sessionmaker[Session], insight_id: int, at: datetime, value_eur: float | None = None) -> None:
    with sessions.begin() as session:
        session.execute(
            update(Insight)
            .where(Insight.id == insight_id)
            .values(status="resolved", resolved_at=at, value_eur=value_eur)
        )


def escalate(sessions: sessionmaker[Session], insight_id: int, at: datetime) -> None:
    with sessions.begin() as session:
        session.execute(update(Insight).where(Insight.id == insight_id).values(escalated_at=at))
