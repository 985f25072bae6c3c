"""A blank English pipeline whose lemmatizer needs no download, used when no ``en_core_web_*`` is installed.

The lemmatizer is a small set of suffix rules plus the irregular forms that workplace reports use most.
It does not know parts of speech, so it aims at *consistent* lemmas ("invoices", "invoiced" and
"invoicing" all become "invoice") rather than dictionary-perfect ones: keywords, themes and duplicate
search only need the same word to give the same lemma.
"""

from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.tokens import Doc

COMPONENT = "suffix_lemmatizer"

_IRREGULAR: dict[str, str] = {
    "is": "be",
    "are": "be",
    "was": "be",
    "were": "be",
    "been": "be",
    "being": "be",
    "am": "be",
    "'s": "'s",
    "has": "have",
    "had": "have",
    "having": "have",
    "does": "do",
    "did": "do",
    "done": "do",
    "doing": "do",
    "went": "go",
    "gone": "go",
    "goes": "go",
    "got": "get",
    "gotten": "get",
    "made": "make",
    "took": "take",
    "taken": "take",
    "came": "come",
    "left": "leave",
    "lost": "lose",
    "sent": "send",
    "sold": "sell",
    "bought": "buy",
    "told": "tell",
    "said": "say",
    "kept": "keep",
    "found": "find",
    "gave": "give",
    "given": "give",
    "thought": "think",
    "brought": "bring",
    "began": "begin",
    "begun": "begin",
    "broke": "break",
    "broken": "break",
    "ran": "run",
    "wrote": "write",
    "written": "write",
    "felt": "feel",
    "met": "meet",
    "paid": "pay",
    "built": "build",
    "spent": "spend",
    "held": "hold",
    "knew": "know",
    "known": "know",
    "saw": "see",
    "seen": "see",
    "won": "win",
    "understood": "understand",
    "stuck": "stick",
    "fell": "fall",
    "fallen": "fall",
    "quit": "quit",
    "hired": "hire",
    "chose": "choose",
    "chosen": "choose",
    "children": "child",
    "people": "people",
    "men": "man",
    "women": "woman",
    "feet": "foot",
    "teeth": "tooth",
    "data": "data",
    "news": "news",
    "series": "series",
    "analyses": "analysis",
    "crises": "crisis",
    "better": "good",
    "best": "good",
    "worse": "bad",
    "worst": "bad",
}
# Stems that take back their final "e" once "-ed"/"-ing"/"-es" is removed (invoic-ed -> invoice).
_E_STEMS = frozenset(
    "make take have use move leave close create update change manage improve save solve schedule receive "
    "arrive hire share type issue invoice price release charge replace raise reduce produce purchase "
    "approve require store decide declare escalate automate migrate integrate calculate complete delete "
    "write come give live like hope note quote lose refuse cause continue argue value measure compare "
    "prepare serve deliver figure handle organise organize prioritise prioritize standardise standardize "
    "centralise centralize finalise finalize realise realize recognise recognize".split()
)
_KEEP_S = ("ss", "us", "is", "os", "as", "ys")
_DOUBLED_KEPT = frozenset("lsfz")


def _with_e(stem: str) -> str:
    return stem + "e" if stem + "e" in _E_STEMS else stem


def _undouble(stem: str) -> str:
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in _DOUBLED_KEPT and stem[-1].isalpha():
        return stem[:-1]
    return stem


def lemmatize_word(word: str) -> str:
    """Lemma of one English word by irregular table and suffix rules (lower-cased)."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if not w.isalpha() or len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("ied") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes", "zes")):
        return _with_e(w[:-2]) if w[:-1] in _E_STEMS else w[:-2]
    if w.endswith("ing") and len(w) > 5:
        return _with_e(_undouble(w[:-3]))
    if w.endswith("ed") and len(w) > 4:
        if w[:-1] in _E_STEMS:
            return w[:-1]
        return _with_e(_undouble(w[:-2]))
    if w.endswith("s") and not w.endswith(_KEEP_S):
        return w[:-1]
    return w


@Language.component(COMPONENT)
def suffix_lemmatizer(doc: Doc) -> Doc:
    """Set ``token.lemma_`` from :func:`lemmatize_word`, keeping the case of proper nouns."""
    for token in doc:
        if (
            token.is_alpha
            and token.text[:1].isupper()
            and not token.is_sent_start
            and token.text.lower() not in (_IRREGULAR)
        ):
            token.lemma_ = token.text
        else:
            token.lemma_ = lemmatize_word(token.text)
    return doc


def blank_english() -> Language:
    """A ``spacy.blank("en")`` pipeline with the suffix lemmatizer and spaCy's English stop words."""
    nlp = spacy.blank("en")
    nlp.add_pipe(COMPONENT)
    return nlp
