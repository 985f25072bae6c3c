"""Votes to escalate and the alert: at the quorum (or one manager) managers are told at once, exactly once."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import t
from bot.services import Services
from bot.slack.client import NO_ANSWER
from bot.views.alert import escalation_alert_blocks
from bot.views.cards import InsightCard
from bot.workspace_config import WorkspaceConfig
from insights.escalation import reaches_quorum
from models.schema import Insight
from models.votes import add_vote, alert_posted, escalate_once, remove_vote, voters

log = logging.getLogger(__name__)


def vote_to_escalate(
    services: Services, client: WebClient, team_id: str, insight_id: int, voter_id: str, kind: str = "escalate"
) -> bool:
    """Count the vote (an escalation or a "me too"); escalate and alert when it completes the quorum.

    True when this vote escalated it. Both kinds count towards the quorum, each person once.
    """
    config = services.config(team_id)
    managers = services.managers.managers(client, config)
    with services.sessions.begin() as session:
        add_vote(session, insight_id, voter_id, kind)
    # Counted in a second transaction, after this vote is committed: votes landing at the same time on
    # other threads or replicas each count after their own commit, so the last one sees them all (one
    # transaction for both would let concurrent votes each miss the others).
    with services.sessions.begin() as session:
        people = voters(session, insight_id)
        escalated = reaches_quorum(people, managers, config.quorum) and escalate_once(session, insight_id)
        insight = session.get(Insight, insight_id)
        card = InsightCard.of(insight) if insight is not None else None
    if escalated and card is not None:
        log.info("insight %s escalated by %d people", insight_id, len(people))
        alert_managers(services.sessions, client, config, sorted(managers), card, len(people))
    return escalated


def withdraw_vote(services: Services, insight_id: int, voter_id: str, kind: str = "escalate") -> None:
    with services.sessions.begin() as session:
        remove_vote(session, insight_id, voter_id, kind)


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
    blocks = [b.to_dict() for b in escalation_alert_blocks(card, lang, votes)]
    text = t(lang, "alert_title", id=card.id, votes=votes)
    targets = [channel] if channel else managers
    if not targets:
        log.warning("insight %s escalated, but no digest channel nor manager to tell", card.id)
        return True
    delivered = False
    for target in targets:
        try:
            client.chat_postMessage(channel=target, text=text, blocks=blocks)
            delivered = True
        except SlackApiError as exc:
            log.warning("could not alert about insight %s: %s", card.id, exc.response.get("error"))
        except NO_ANSWER as exc:
            log.warning("could not alert about insight %s: %s", card.id, type(exc).__name__)
    return delivered
