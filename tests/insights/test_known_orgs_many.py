"""Thousands of known organisations (imports learn up to 2,000): each text is matched in one pass over its words,
with exactly the matches trying every name's pattern gives (case, accents, word boundaries, overlaps)."""

from __future__ import annotations

import random

import pytest
import spacy
from spacy.language import Language

from insights.tagging.orgs import known_mentions, known_mentions_one_by_one
from insights.types import KnownOrgs

STEMS = ("Bio", "Coop", "Éco", "Vern", "Lux", "Marc", "Nord", "Sud", "Alp", "Logi", "Sant", "Frais", "İz", "Straß")
ENDS = ("coop", "ier", "ia", "star", "vé", "o", "eau", "and", "us", "é", "ex", "ium", "ar", "ine", "ot", "al", "ys")
SUFFIXES = ("", "", "", " Lyon", " SA", " & Fils", " Fresh BV", "'Alpes", "-Gobain", " 2", " du Soleil")


def _names(count: int, rng: random.Random) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add(rng.choice(STEMS) + rng.choice(ENDS) + rng.choice(SUFFIXES))
    return sorted(names)


def _variant(name: str, rng: random.Random) -> str:
    return rng.choice(
        (
            name,
            name.upper(),
            name.lower(),
            name.replace(" ", "  "),  # two spaces between words
            name.replace("é", "e"),  # accent dropped: not the same name
            "l'" + name,  # after an apostrophe: not matched
            name + "s",  # part of a longer word: not matched
            "x" + name,
        )
    )


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.blank("fr")


def test_many_known_names_match_as_trying_each_name_does(nlp: Language) -> None:
    rng = random.Random(14)
    names = _names(2000, rng)
    known = KnownOrgs(customers=tuple(names[:1600]), competitors=tuple(names[1600:1900]), vendors=tuple(names[1900:]))
    found = 0
    for _ in range(600):
        picked = [_variant(rng.choice(names), rng) for _ in range(3)]
        text = rng.choice(("Rien à signaler.", "Retour de {} ce matin.", "{}, {} et {} ont appelé", "{} face à {}"))
        doc = nlp(text.format(*picked))
        expected = known_mentions_one_by_one(doc, known)
        assert known_mentions(doc, known) == expected, doc.text
        found += len(expected)
    assert found > 300  # the texts do name known organisations


def test_the_name_listed_first_wins_an_overlap_among_thousands(nlp: Language) -> None:
    rng = random.Random(7)
    filler = tuple(n for n in _names(2000, rng) if not n.startswith(("Biocoop", "Acme")))
    known = KnownOrgs(customers=(*filler, "Biocoop", "Biocoop Lyon", "Acme Corp"), competitors=("Acme",))
    doc = nlp("BIOCOOP LYON a rappelé, Acme Corp aussi, pas l'acme ; Biocoops n'est pas Biocoop.")
    mentions = known_mentions(doc, known)
    # The longer customer name wins over the shorter one; a competitor is tried before a customer (« Acme » over
    # « Acme Corp »); « l'acme » and « Biocoops » are not names.
    assert [(m.text, m.role) for m in mentions] == [
        ("Acme", "competitor"),
        ("BIOCOOP LYON", "customer"),
        ("Biocoop", "customer"),
    ]
    assert mentions == known_mentions_one_by_one(doc, known)


def test_dotted_and_dotless_i_and_long_s_match_as_python_case_rules_say(nlp: Language) -> None:
    known = KnownOrgs(customers=("İzmir Lojistik", "Iris", "Straße", "ſuper"))
    for text in ("izmir lojistik a appelé", "IRIS et ıris", "STRASSE et straẞe", "Super U"):
        doc = nlp(text)
        assert known_mentions(doc, known) == known_mentions_one_by_one(doc, known), text
