"""Known organisations at scale: matching a workspace's known names in each text (``insights.tagging.orgs``).

    python -m bench.known_orgs [--texts 1000] [--names 2000]

Imports teach up to 2,000 names (``models.history.imported_orgs``). The texts are the dev insights
(``insights_dev.jsonl``), one in three with a known name inserted in a random case; the names are generated
(1,600 customers, 300 competitors, 100 vendors). Both ways run in the same process on the same ``Doc`` objects
(spaCy's blank French pipeline, so only the matching is timed), best of 3: trying every name's pattern on
each text (before) against one pass over the text's words that tries only the names it can start (now).
They must find the same mentions; the index is built once per list of names (cached), timed apart.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import spacy
from spacy.tokens import Doc

from bench.quality_tagging import data_dir, load_dev
from insights.tagging import orgs
from insights.types import KnownOrgs

ROUNDS = 3
STEMS = ("Bio", "Coop", "Éco", "Vern", "Lux", "Marc", "Nord", "Sud", "Alp", "Logi", "Sant", "Frais", "Kel", "Dura")
ENDS = ("coop", "ier", "ia", "star", "vé", "o", "eau", "and", "us", "é", "ex", "ium", "ar", "ine", "ot", "al")
SUFFIXES = ("", "", "", " Lyon", " SA", " & Fils", " Fresh BV", "'Alpes", "-Gobain", " Group", " du Soleil")


def known_names(count: int, rng: random.Random) -> KnownOrgs:
    names: set[str] = set()
    while len(names) < count:
        names.add(rng.choice(STEMS) + rng.choice(ENDS) + rng.choice(SUFFIXES) + rng.choice(("", "", " 2", " Est")))
    listed = sorted(names)
    rng.shuffle(listed)
    cut1, cut2 = count * 8 // 10, count * 95 // 100
    return KnownOrgs(tuple(listed[:cut1]), tuple(listed[cut1:cut2]), tuple(listed[cut2:]))


def texts(count: int, known: KnownOrgs, rng: random.Random) -> list[str]:
    dev = [example.text for example in load_dev(data_dir() / "insights_dev.jsonl")[0]]
    names = [*known.customers, *known.competitors, *known.vendors]
    out = []
    for i in range(count):
        text = dev[i % len(dev)]
        if i % 3 == 0:
            name = rng.choice(names)
            text = f"{text} Vu avec {rng.choice((name, name.upper(), name.lower()))}."
        out.append(text)
    return out


def best(match: Callable[[Doc, KnownOrgs], list[orgs.OrgMention]], docs: list[Doc], known: KnownOrgs) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for doc in docs:
            match(doc, known)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--names", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(14)
    known = known_names(args.names, rng)
    nlp = spacy.blank("fr")
    docs = list(nlp.pipe(texts(args.texts, known, rng)))
    started = time.perf_counter()
    orgs._known_index(known)
    build_s = time.perf_counter() - started
    found = [orgs.known_mentions(doc, known) for doc in docs]
    assert found == [orgs.known_mentions_one_by_one(doc, known) for doc in docs], "the two ways differ"
    before = best(orgs.known_mentions_one_by_one, docs, known)
    after = best(orgs.known_mentions, docs, known)
    print(f"{args.texts} texts, {args.names} known names, {sum(map(len, found))} mentions found (the same both ways)")
    print(f"index built once per list of names: {build_s * 1000:.1f} ms")
    print(f"every name's pattern per text (before): {before:.3f} s  ({before / args.texts * 1000:.2f} ms/text)")
    print(f"one pass over the text's words (now):   {after:.3f} s  ({after / args.texts * 1000:.3f} ms/text)")
    print(f"speed-up: {before / after:.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
