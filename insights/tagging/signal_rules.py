"""Cue words for customer signals (lead, at risk, reference, competitor) and for suppliers, as features."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from insights.tagging.kind_rules import any_word, normalize

LEAD = any_word(
    r"devis",
    r"appels? d'offres?",
    r"budget",
    r"projets?",
    r"cherche\w*",
    r"veu(?:t|lent) (?:\w+ )?(?:equiper|un devis|une offre|passer|etendre)",
    r"equiper",
    r"marche public",
    r"prepare un marche",
    r"demande\w* (?:un devis|une offre|si)",
    r"ouvre\w*",
    r"interesse\w*",
    r"rendez-vous",
    r"rdv",
    r"demo",
    r"offre pour",
    r"commande\w*",
    r"pilote",
    r"relanc\w*",
    r"rfp",
    r"quotes?",
    r"tender",
    r"looking for",
    r"pilot",
    r"roll(?:ing)? out",
    r"wants?",
    r"budget",
    r"proposal",
    r"pricing",
    r"opening",
    r"new sites?",
    r"new stores?",
    r"expand\w*",
    r"reach out",
    r"deal",
)
AT_RISK = any_word(
    r"menace\w*",
    r"resili\w*",
    r"partir",
    r"part\w* (?:fin|chez)",
    r"regarde\w* ailleurs",
    r"ailleurs",
    r"furie\w*",
    r"furax",
    r"mecontent\w*",
    r"penalites?",
    r"conteste\w*",
    r"pas content",
    r"ne renouvel\w*",
    r"annul\w*",
    r"mise en demeure",
    r"d'autres offres",
    r"autres? prestataires?",
    r"concurrence",
    r"sent pas bon",
    r"arreter",
    r"avis 1 etoile",
    r"escalad\w*",
    r"tendu",
    r"injoignable",
    r"inquiet\w*",
    r"cancel\w*",
    r"switch\w*",
    r"other (?:vendors|providers|suppliers|options)",
    r"reconsider\w*",
    r"unhappy",
    r"escalated",
    r"threaten\w*",
    r"fed up",
    r"won't renew",
    r"review\w* the contract",
    r"leave",
    r"serious about",
    r"pause the rollout",
    r"furious",
)
REFERENCE = any_word(
    r"temoign\w*",
    r"cite[rs]?",
    r"citee?s?",
    r"references?",
    r"recommand\w*",
    r"avis 5 etoiles",
    r"5 etoiles",
    r"cas client",
    r"vant\w*",
    r"logo",
    r"publier",
    r"reprendre",
    r"parler de nous",
    r"ravie?s?",
    r"testimonial",
    r"quoted",
    r"case study",
    r"recommend\w*",
    r"reference",
    r"speak at",
    r"site visit",
    r"10/10",
)
COMPETITOR = any_word(
    r"concurrents?",
    r"perdu",
    r"contre",
    r"face a",
    r"au profit de",
    r"baiss\w*",
    r"lanc\w*",
    r"leve\w*",
    r"recrut\w*",
    r"debauch\w*",
    r"plaquette",
    r"brochure",
    r"stand",
    r"prix",
    r"tarif\w*",
    r"freemium",
    r"competitors?",
    r"lost (?:\w+ )*to",
    r"dropped",
    r"hiring",
    r"hired",
    r"acquired",
    r"launched",
    r"bundles?",
    r"pricing page",
    r"price",
    r"cheaper",
    r"offering",
    r"announced",
    r"won back",
    r"struggling",
)
VENDOR = any_word(
    r"fournisseurs?",
    r"transporteurs?",
    r"prestataires?",
    r"grossiste",
    r"transports",
    r"imprimeurs?",
    r"supplier",
    r"suppliers",
    r"carriers?",
    r"vendors?",
    r"provider",
)
# A named customer or prospect is often introduced by one of these words.
CUSTOMER_CUE = any_word(r"client\w*", r"prospects?", r"customers?", r"chez", r"groupe", r"leur", r"their")

FEATURE_NAMES = ("lead", "at_risk", "reference", "competitor", "vendor", "customer_cue")
_PATTERNS = (LEAD, AT_RISK, REFERENCE, COMPETITOR, VENDOR, CUSTOMER_CUE)


def signal_counts(text: str) -> list[float]:
    """Cue counts per signal for one insight, in :data:`FEATURE_NAMES` order."""
    t = normalize(text)
    return [float(len(p.findall(t))) for p in _PATTERNS]


def signal_features(texts: Iterable[str]) -> NDArray[np.float64]:
    """One row of squashed cue counts per text, for the signal classifier."""
    arr = np.asarray([signal_counts(t) for t in texts], dtype=np.float64).reshape(-1, len(FEATURE_NAMES))
    return arr / (1.0 + arr)
