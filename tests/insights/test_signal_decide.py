"""The signal decision on hand-built organisations and probabilities, and the cue words: no spaCy."""

from __future__ import annotations

from insights.tagging.org_score import OrgRole
from insights.tagging.orgs import OrgMention
from insights.tagging.signal import decide_signal
from insights.tagging.signal_rules import cue_counts
from insights.types import Signal

AT_RISK = {"lead": 0.05, "at_risk": 0.7, "reference": 0.05, "competitor": 0.05, "none": 0.15}
LEAD = {"lead": 0.6, "at_risk": 0.05, "reference": 0.05, "competitor": 0.05, "none": 0.25}
COMPETITOR = {"lead": 0.05, "at_risk": 0.1, "reference": 0.05, "competitor": 0.6, "none": 0.2}
WEAK_LEAD = {"lead": 0.25, "at_risk": 0.05, "reference": 0.05, "competitor": 0.05, "none": 0.6}


def _org(text: str, score: float = 4.0, role: OrgRole = "unknown", cue: bool = False) -> OrgMention:
    return OrgMention(text, 0, len(text), score, role, cue)


def _decided(
    probabilities: dict[str, float], mentions: list[OrgMention], customer: str | None = None
) -> tuple[Signal | None, str | None]:
    result = decide_signal(probabilities, mentions, customer)
    return result.signal, result.subject


def test_signal_decide_needs_an_organisation() -> None:
    assert _decided(AT_RISK, []) == (None, None)


def test_signal_decide_suppliers_carry_no_signal() -> None:
    assert _decided(AT_RISK, [_org("Transports Gavard", role="vendor")]) == (None, None)


def test_signal_decide_the_customer_is_the_subject() -> None:
    assert _decided(AT_RISK, [_org("Fromageries Duval", 5.0), _org("Logistar", 2.5)]) == (
        "at_risk",
        "Fromageries Duval",
    )


def test_signal_decide_a_known_competitor_alone_is_competitor_news() -> None:
    assert _decided(LEAD, [_org("Logistar", 10.0, "competitor")]) == ("competitor", "Logistar")


def test_signal_decide_a_deal_lost_to_a_named_competitor_has_it_as_subject() -> None:
    mentions = [_org("Clinique des Tilleuls", 6.0), _org("Logistar", 3.0, cue=True)]
    assert _decided(COMPETITOR, mentions) == ("competitor", "Logistar")


def test_signal_decide_respects_none() -> None:
    assert _decided({"lead": 0.1, "none": 0.9}, [_org("Acme", 3.0)]) == (None, None)


def test_signal_decide_form_customer_is_the_subject_and_lowers_the_bar() -> None:
    assert _decided(WEAK_LEAD, []) == (None, None)
    assert _decided(WEAK_LEAD, [], customer="les Laboratoires Ferrand") == ("lead", "Laboratoires Ferrand")
    assert _decided(AT_RISK, [_org("Valmont", 3.0)], customer="CHU de Valmont") == ("at_risk", "CHU de Valmont")


def test_signal_decide_form_customer_does_not_take_a_competitors_place() -> None:
    mentions = [_org("Logistar", 3.0, cue=True)]
    assert _decided(COMPETITOR, mentions, customer="Clinique des Tilleuls") == ("competitor", "Logistar")


def test_signal_decide_an_empty_form_field_changes_nothing() -> None:
    assert _decided(AT_RISK, [], customer="  ") == (None, None)


def test_signal_cues_negated_count_apart() -> None:
    counts = cue_counts("Le client ne menace plus de partir, il n'est pas mécontent.")
    assert counts["at_risk"] == 0 and counts["not_at_risk"] >= 2
    assert cue_counts("Biofrais menace de résilier")["at_risk"] == 2
