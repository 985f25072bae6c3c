"""The tagging worker gives the tagger each insight's customer field and the workspace's known organisations:
settings lists, channel names such as #client-biocoop, and the subjects people set."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.tagging import TaggingWorker
from insights.types import KnownOrgs
from models.insights import InsightDraft, add_insight, get_insight, set_signal
from tests.support.stub_tagger import StubTagger


def _add(sessions: sessionmaker[Session], key: str, text: str, **fields: str) -> int:
    with sessions.begin() as session:
        insight, _ = add_insight(
            session,
            InsightDraft(team_id="T1", idempotency_key=key, text=text, source="modal", reporter_hash="h", **fields),
        )
        return insight.id


def _worker(sessions: sessionmaker[Session], tagger: StubTagger, known: KnownOrgs | None = None) -> TaggingWorker:
    return TaggingWorker(sessions, tagger, lambda card, where: None, known)


def test_tagging_form_customer_becomes_the_subject(sessions: sessionmaker[Session], stub_tagger: StubTagger) -> None:
    insight_id = _add(
        sessions, "k1", "Ils menacent de résilier si la facture n'est pas corrigée.", customer="CHU de Valmont"
    )
    cards = _worker(sessions, stub_tagger).tag_batch([insight_id])
    assert stub_tagger.customers == [["CHU de Valmont"]]
    assert cards[0].subject == "CHU de Valmont"


def test_tagging_known_orgs_from_settings_and_channel_names(
    sessions: sessionmaker[Session], stub_tagger: StubTagger
) -> None:
    first = _add(sessions, "k1", "Biocoop veut un devis pour 12 magasins.", channel_name="client-biocoop")
    _worker(sessions, stub_tagger, KnownOrgs(competitors=("Logistar",))).tag_batch([first])
    known = stub_tagger.known[-1]
    assert "Biocoop" in known.customers and known.competitors == ("Logistar",)


def test_tagging_a_subject_set_by_a_person_is_learned_and_kept(
    sessions: sessionmaker[Session], stub_tagger: StubTagger
) -> None:
    corrected = _add(sessions, "k1", "Frigosense baisse ses prix de 20 % sur les sondes.")
    with sessions.begin() as session:
        insight = get_insight(session, "T1", corrected)
        assert insight is not None
        set_signal(session, insight, "competitor", "Frigosense")
    later = _add(sessions, "k2", "frigosense recrute nos commerciaux")
    cards = _worker(sessions, stub_tagger).tag_batch([corrected, later])
    assert stub_tagger.known[-1].competitors == ("Frigosense",)
    by_id = {card.id: card for card in cards}
    # Tagging never overwrites what the person said, and the next insight gets the learned competitor.
    assert (by_id[corrected].signal, by_id[corrected].subject) == ("competitor", "Frigosense")
    assert (by_id[later].signal, by_id[later].subject) == ("competitor", "Frigosense")
