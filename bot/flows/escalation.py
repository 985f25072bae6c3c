"""Votes to escalate and the alert: at the quorum (or one manager) managers are told at once, exactly once."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.services import Database, Workspaces
from bot.slack import messenger
from bot.views.alert import alert_title, escalation_alert_blocks
from bot.views.blocks import as_dicts
from bot.workspace_config import WorkspaceConfig
from insights.escalation import reaches_quorum
from models.read import InsightCard, card_by_id
from models.votes import add_vote, alert_posted, escalate_once, remove_vote, voters

log = logging.getLogger(__name__)


def vote_to_escalate(
    db: Database,
    workspaces: Workspaces,
    client: WebClient,
    team_id: str,
    insight_id: int,
    voter_id: str,
    kind: str = "escalate",
) -> bool:
    """Count the vote (an escalation or a "me too"); escalate and alert when it completes the quorum.

    True when this vote escalated it. Both kinds count towards the quorum, each person once.
    """
    config = workspaces.config(team_id)
    managers = workspaces.managers.managers(client, config)
    with db.sessions.begin() as session:
        add_vote(session, insight_id, voter_id, kind)
    # Counted in a second transaction, after this vote is committed: votes landing at the same time on
    # other threads or replicas each count after their own commit, so the last one sees them all (one
    # transaction for both would let concurrent votes each miss the others).
    with db.sessions.begin() as session:
        people = voters(session, insight_id)
        escalated = reaches_quorum(people, managers, config.quorum) and escalate_once(session, insight_id)
        card = card_by_id(session, insight_id)
    if escalated and card is not None:
        log.info("insight %s escalated by %d people", insight_id, len(people))
        alert_managers(db.sessions, client, config, sorted(managers), card, len(people))
    return escalated


def withdraw_vote(db: Database, insight_id: int, voter_id: str, kind: str = "escalate") -> None:
    """Take a vote back (the reaction was removed); an escalation already sent stays sent."""
    with db.sessions.begin() as session:
        remove_vote(session, insight_id, voter_id, kind)


def vote_count(db: Database, insight_id: int) -> int:
    """Distinct people who escalated the insight or said "me too"."""
    with db.sessions.begin() as session:
        return len(voters(session, insight_id))


def alert_managers(
    sessions: sessionmaker[Session],
    client: WebClient,
    config: WorkspaceConfig,
    managers: list[str],
    card: InsightCard,
    votes: int,
) -> bool:
    """Post the alert to the digest channel, or DM each manager when there is none, and record it once someone
    has it (or there is no one to tell); True then. False: the scheduler tries again (``bot.jobs.scheduler``)."""
    if _post_alert(client, config.language, config.digest_channel, managers, card, votes):
        with sessions.begin() as session:
            alert_posted(session, card.id)
        return True
    return False


def _post_alert(
    client: WebClient, lang: str, channel: str | None, managers: list[str], card: InsightCard, votes: int
) -> bool:
    blocks = as_dicts(escalation_alert_blocks(card, lang, votes))
    text = alert_title(lang, card.id, votes)
    targets = [channel] if channel else managers
    if not targets:
        log.warning("insight %s escalated, but no digest channel nor manager to tell", card.id)
        return True
    failure = f"could not alert about insight {card.id}"
    sent = [messenger.post(client, target, text, blocks, failure=failure) for target in targets]
    return any(sent)
