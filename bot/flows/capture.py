"""Capture, shared by every path: validate the text, build the idempotency key, store exactly once."""

from __future__ import annotations

import logging
import string
from dataclasses import replace
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.ids import MAX_TEXT_LENGTH, SUBCOMMANDS
from bot.services import Capture, Database
from bot.slack.directory import name_later
from insights.slack_markup import has_words
from models.insights import (
    InsightDraft,
    add_insight,
    confirmation_due,
    insight_id_by_key,
    label_mentions,
    recent_captures,
    remember_confirmation,
    reported_by,
)
from models.privacy import ReporterVault
from models.read import InsightCard, card_of

log = logging.getLogger(__name__)

# Captures per person are limited over this window (PEPITES_RATE_LIMIT per minute); a retry of a capture
# already stored is never refused.
RATE_WINDOW = timedelta(minutes=1)


class CaptureFailed(Exception):
    """The insight could not be stored; the person must be told and given their text back."""

    message_key = "store_failed"


class CaptureRateLimited(CaptureFailed):
    """The person shared more than the per-minute limit; nothing was stored, their text goes back to them."""

    message_key = "rate_limited"


def text_problem(text: str) -> str | None:
    """The i18n key of what is wrong with a text, or None when it can be stored."""
    if not text.strip():
        return "empty"
    if len(text) > MAX_TEXT_LENGTH:
        return "too_long"
    if not has_words(text):
        return "no_words"  # «:tada: :tada: :fire:» or a lone mention: nothing to read, nothing to count
    return None


def is_unknown_subcommand(text: str) -> bool:
    """One bare word that is not a subcommand: a typo like ``/insight hepl``, not an insight."""
    words = text.split()
    # «Bravo» and «Bravo!» alike: the punctuation around one word does not make it an insight.
    word = words[0].strip(string.punctuation + "¡¿«»…") if len(words) == 1 else ""
    return word.isalpha() and len(word) <= 20 and word.lower() not in SUBCOMMANDS


def message_key(team_id: str, channel_id: str, ts: str) -> str:
    """One insight per Slack message, however it was captured (shortcut or reaction) and by whom."""
    return f"message:{team_id}:{channel_id}:{ts}"


def reporter_fields(vault: ReporterVault, team_id: str, user_id: str, anonymous: bool) -> dict[str, Any]:
    """The reporter columns: in clear, or sealed with nothing in clear when anonymous."""
    return {
        "reporter_hash": vault.hash(team_id, user_id),
        "reporter_id": None if anonymous else user_id,
        "reporter_sealed": vault.seal(team_id, user_id) if anonymous else None,
        "anonymous": anonymous,
    }


def captured_id(db: Database, key: str) -> int | None:
    """The insight already stored for this idempotency key (a message someone captured), if any."""
    with db.sessions.begin() as session:
        return insight_id_by_key(session, key)


def already_told(db: Database, draft: InsightDraft) -> bool:
    """The insight under this draft's key is this person's: Slack redelivered their capture, or they saved the
    same message twice, and the first confirmation said so (one DM per capture)."""
    with db.sessions.begin() as session:
        return reported_by(session, draft.idempotency_key, draft.reporter_hash)


def confirmation_owed(db: Database, key: str, reporter_hash: str) -> bool:
    """This person's insight under ``key`` was stored, but the process stopped before its confirmation was sent
    (a kill between the two): the capture's re-run sends it. The DM is recorded only once sent, so a kill between
    the DM and its record gives a second DM, never none (docs/decisions.md)."""
    with db.sessions.begin() as session:
        return confirmation_due(session, key, reporter_hash)


def store(capture: Capture, draft: InsightDraft) -> tuple[InsightCard, bool]:
    """Store once; (card, created). Raises CaptureFailed when the database cannot be reached."""
    limit = capture.rate_limit
    try:
        with capture.db.sessions.begin() as session:
            if limit and insight_id_by_key(session, draft.idempotency_key) is None:
                if recent_captures(session, draft.team_id, draft.reporter_hash, RATE_WINDOW) >= limit:
                    raise CaptureRateLimited
            insight, created = add_insight(session, draft)
            card = card_of(insight)
    except SQLAlchemyError as exc:
        log.error("storing an insight failed (%s)", type(exc).__name__)
        raise CaptureFailed from exc
    if created:
        log.info("insight %s stored from %s", card.id, draft.source)
    return card, created


def label_later(db: Database, client: WebClient | None, insight_id: int, text: str) -> None:
    """The names of people mentioned in a stored insight that were not read before the 2xx: read now, off the
    request, and stored in its text (so the digest, Home and search show @Name, not an id)."""

    def save(named: str) -> None:
        with db.sessions.begin() as session:
            if label_mentions(session, insight_id, text, named):
                log.info("insight %s: mentioned names labelled after the ack", insight_id)

    name_later(client, text, save)


def keep_confirmation(db: Database, insight_id: int, where: dict[str, Any], permalink: str | None = None) -> None:
    """Keep where the confirmation is, so the tagging worker can update it."""
    try:
        with db.sessions.begin() as session:
            remember_confirmation(session, insight_id, where, db.vault.seal_where, permalink)
    except SQLAlchemyError as exc:
        log.warning("could not remember the confirmation of insight %s (%s)", insight_id, type(exc).__name__)


def draft_from(**values: Any) -> InsightDraft:
    """An InsightDraft with the text trimmed (the form every path stores)."""
    draft = InsightDraft(**values)
    return replace(draft, text=draft.text.strip())
