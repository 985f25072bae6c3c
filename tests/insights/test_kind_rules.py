from __future__ import annotations

import pytest

from insights.tagging.kind_rules import cue_counts, kind_features, rule_kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Pas de souci avec le nouveau transporteur, tout est arrivé à l'heure.", "success"),
        ("No issues at all with the new carrier this week.", "success"),
        ("Super, encore une panne du VPN…", "problem"),
        ("Great, the VPN is down again 🙃", "problem"),
        ("Et si on envoyait un SMS la veille de chaque livraison ?", "idea"),
        ("We could record the onboarding sessions.", "idea"),
        ("On ressaisit chaque commande deux fois, dans le CRM puis dans l'ERP.", "dysfunction"),
        ("Quelqu'un sait où est le chargeur de la salle B ?", "other"),
    ],
)
def test_kind_rules_guess(text: str, kind: str) -> None:
    assert rule_kind(text)[0] == kind


def test_kind_rules_negation_turns_a_problem_word_into_success() -> None:
    counts = cue_counts("Aucune erreur de TVA sur la facturation de janvier")
    assert counts["negated_problem"] == 1
    assert counts["problem"] == 0


def test_kind_rules_sarcasm_cancels_the_praise() -> None:
    counts = cue_counts("Génial, encore un retard de paie ce mois-ci 🙃")
    assert counts["sarcasm"] == 1
    assert counts["success"] == 0


def test_kind_rules_afterthought_proposal_is_flagged() -> None:
    tail = cue_counts("Le transpalette est encore cassé, faudrait peut-être en racheter un un jour.")
    first = cue_counts("Proposition : racheter un transpalette, l'actuel casse tout le temps.")
    assert tail["idea_tail_only"] == 1 and tail["idea_first"] == 0
    assert first["idea_first"] == 1


def test_kind_rules_features_are_bounded() -> None:
    features = kind_features(["bravo bravo bravo merci merci top 🎉🎉", ""])
    assert features.shape == (2, 12)
    assert ((features >= 0) & (features < 1)).all()
