"""The customer signal of an insight and its subject, from the classifier's probabilities, the
organisations found in the text (:mod:`insights.tagging.orgs`) and the form's customer field.

- No named organisation (and no customer field), no signal: « 4 clients mécontents » carries none.
- Suppliers, carriers and vendors we buy from never carry one.
- A known competitor named with no customer → ``competitor``; a competitor named after « contre »,
  « face à », "lost … to" → ``competitor`` with the competitor as subject (a lost deal is problem +
  competitor).
- The form's customer field is the subject when given (unless the signal is competitor news naming the
  competitor), and it feeds the signal: the text no longer needs a name, and a weaker signal is enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from insights.tagging.known import strip_article
from insights.tagging.orgs import OrgMention
from insights.tagging.signal_model import NONE
from insights.tagging.signal_rules import UNNAMED_COMPETITOR, normalize
from insights.types import SIGNALS, Signal

CUSTOMER_SIGNALS: Final[tuple[Signal, ...]] = ("lead", "at_risk", "reference")
# The best signal must reach this probability, and beat "none" by this ratio.
MIN_PROBABILITY = 0.3
NONE_RATIO = 0.8
# With the form's customer field the name is given: a weaker signal is enough.
FORM_MIN_PROBABILITY = 0.2
# A competitor named after « contre », "lost to"…: this much competitor probability is enough.
COMPETITOR_CUE_PROBABILITY = 0.05
# With a competitor spoken of without a name, the best customer signal needs this much.
UNNAMED_COMPETITOR_PROBABILITY = 0.05
# A subject found by weak clues only (a capitalised word) needs a surer signal.
WEAK_SUBJECT_SCORE = 2.0
WEAK_SUBJECT_PROBABILITY = 0.5


@dataclass(frozen=True)
class SignalResult:
    """The decided signal (or None), its subject as written, the probability behind it and why."""

    signal: Signal | None
    subject: str | None
    confidence: float
    reason: str


NO_SIGNAL = SignalResult(None, None, 0.0, "")


def _as_signal(label: str) -> Signal | None:
    return next((s for s in SIGNALS if s == label), None)


def _competitor_subject(mentions: Sequence[OrgMention]) -> OrgMention | None:
    known = [m for m in mentions if m.role == "competitor"]
    cued = [m for m in mentions if m.competitor_cue and m.role == "unknown"]
    group = known or cued
    return group[0] if group else None


def _customer_subject(mentions: Sequence[OrgMention]) -> OrgMention | None:
    candidates = [m for m in mentions if m.role in {"customer", "unknown"} and not m.competitor_cue]
    known = [m for m in candidates if m.role == "customer"]
    group = known or candidates
    return group[0] if group else None


def _best_customer_signal(probabilities: dict[str, float]) -> tuple[float, Signal | None]:
    probability, label = max((probabilities.get(s, 0.0), s) for s in CUSTOMER_SIGNALS)
    return probability, _as_signal(label)


def _with_form(probabilities: dict[str, float], usable: Sequence[OrgMention], form: str) -> SignalResult:
    """The form names the customer: it is the subject, unless the text is news about a named competitor."""
    probability, label = max((probabilities.get(s, 0.0), s) for s in SIGNALS)
    signal = _as_signal(label)
    if signal is None or probability < FORM_MIN_PROBABILITY:
        return NO_SIGNAL
    if signal == "competitor":
        competitor = _competitor_subject(usable)
        if competitor is not None:
            return SignalResult("competitor", competitor.text, probability, "competitor named beside the customer")
        probability, signal = _best_customer_signal(probabilities)
        if signal is None or probability < FORM_MIN_PROBABILITY:
            return NO_SIGNAL
    return SignalResult(signal, form, probability, "form customer field")


def _competitor_news(probabilities: dict[str, float], usable: Sequence[OrgMention], form: bool) -> SignalResult | None:
    """Competitor news from the organisations' roles and cues, before the classifier's best guess."""
    p_competitor = probabilities.get("competitor", 0.0)
    known_comp = [m for m in usable if m.role == "competitor"]
    known_cust = [m for m in usable if m.role == "customer"]
    cue_comp = [m for m in usable if m.competitor_cue and m.role == "unknown"]
    if known_comp and not known_cust and not form:
        p_customer, _ = _best_customer_signal(probabilities)
        others = [m for m in usable if m.role == "unknown" and m.score >= WEAK_SUBJECT_SCORE]
        if not others or p_customer < p_competitor + 0.2:
            return SignalResult("competitor", known_comp[0].text, p_competitor, "known competitor")
    strong_cue = [m for m in cue_comp if m.score >= WEAK_SUBJECT_SCORE]
    if strong_cue and not form:
        return SignalResult("competitor", strong_cue[0].text, p_competitor, "competitor cue")
    if (known_comp or cue_comp) and p_competitor >= COMPETITOR_CUE_PROBABILITY:
        best_p, best = max((probabilities.get(s, 0.0), s) for s in SIGNALS)
        if best in {"competitor", "lead"} or best_p < MIN_PROBABILITY:
            subject = _competitor_subject(usable)
            if subject is not None:
                return SignalResult("competitor", subject.text, p_competitor, "competitor cue")
    return None


def decide_signal(
    probabilities: dict[str, float], mentions: Sequence[OrgMention], customer: str | None = None, text: str = ""
) -> SignalResult:
    """Pick the signal and its subject; ``mentions`` best first as :func:`insights.tagging.orgs.find_orgs`
    gives them, ``text`` the cleaned insight (for « un concurrent »: a competitor without a name)."""
    form = strip_article(customer) if customer and customer.strip() else None
    usable = [m for m in mentions if m.role != "vendor"]
    if form is not None:
        usable = [m for m in usable if m.text.casefold() != form.casefold()]
    if not usable and form is None:
        return NO_SIGNAL
    news = _competitor_news(probabilities, usable, form is not None)
    if news is not None:
        return news
    if form is not None:
        return _with_form(probabilities, usable, form)
    probability, label = max((probabilities.get(s, 0.0), s) for s in SIGNALS)
    signal = _as_signal(label)
    if signal is None or probability < MIN_PROBABILITY or probability < probabilities.get(NONE, 0.0) * NONE_RATIO:
        return NO_SIGNAL
    chosen = _competitor_subject(usable) if signal == "competitor" else _customer_subject(usable)
    if chosen is None and signal == "competitor":
        # « Maison Ribaud veut qu'on s'aligne sur le prix d'un concurrent »: the competitor has no name, the
        # organisation named is the customer weighing it.
        if text and UNNAMED_COMPETITOR.search(normalize(text)):
            p_customer, customer_signal = _best_customer_signal(probabilities)
            if customer_signal is not None and p_customer >= UNNAMED_COMPETITOR_PROBABILITY:
                signal, probability = customer_signal, p_customer
        chosen = _customer_subject(usable)
    if chosen is None:
        return NO_SIGNAL
    if chosen.role == "unknown" and chosen.score < WEAK_SUBJECT_SCORE and probability < WEAK_SUBJECT_PROBABILITY:
        return NO_SIGNAL
    return SignalResult(signal, chosen.text, probability, "classifier")
