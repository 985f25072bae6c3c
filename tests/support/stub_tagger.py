"""A stand-in for the tagging process: deterministic tags from word lists, no spaCy, no child process.

It implements :class:`bot.jobs.tagging.BatchTagger` (``state``, ``start``, ``stop``, ``tag_many``) so the
middle tier can run the tagging worker, capture and the digest with tags it can predict.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from insights.themes.stored import pack_vector, pack_words
from insights.types import Entity, Kind, KnownOrgs, Lang, Signal, Tags
from tests.support.readings import make_reading

# The first kind whose cue appears in the text wins; none: "other".
KIND_CUES: tuple[tuple[Kind, tuple[str, ...]], ...] = (
    ("success", ("bravo", "merci", "réussi", "congrats", "well done", "thanks")),
    ("idea", ("idée", "pourrait", "proposer", "idea", "could", "should we")),
    ("dysfunction", ("encore", "toujours", "validations", "again", "always", "process")),
    ("problem", ("panne", "coupe", "marche plus", "bloqué", "down", "broken", "late", "retard")),
)
SIGNAL_CUES: tuple[tuple[Signal, tuple[str, ...]], ...] = (
    ("competitor", ("concurrent", "competitor", "chez kelvio")),
    ("at_risk", ("résilier", "menace", "partir", "cancel", "churn", "threatening")),
    ("lead", ("devis", "intéressé", "quote", "interested")),
    ("reference", ("recommande", "témoignage", "recommend", "case study")),
)
# Common French words: two or more make a text French; otherwise English.
FRENCH_WORDS = frozenset(
    "le la les un une des du de et est sont pas ne plus pour avec dans sur au aux ce cette il elle nous vous ils "
    "on qui que quand encore depuis très mais".split()
)
STOP_WORDS = FRENCH_WORDS | frozenset(
    "the a an and is are was were not for with in on at of to it this that we you they again".split()
)
WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def _first_cue(lowered: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    return next((label for label, cues in table if any(cue in lowered for cue in cues)), None)


def stub_tags(text: str, known: KnownOrgs = KnownOrgs(), customer: str | None = None) -> Tags:  # noqa: B008
    """The tags the stub gives ``text``: kind and signal from cue words, language from common French words;
    known organisations named in it (the form's ``customer`` first) are its subject."""
    lowered = text.lower()
    words = [w.strip("'’-") for w in WORD.findall(lowered)]
    lang: Lang = "fr" if sum(w in FRENCH_WORDS for w in words) >= 2 else "en"
    kind: Kind = _first_cue(lowered, KIND_CUES) or "other"  # type: ignore[assignment]
    signal: Signal | None = _first_cue(lowered, SIGNAL_CUES)  # type: ignore[assignment]
    orgs = [org for org in (*known.customers, *known.competitors) if org.lower() in lowered]
    if customer:
        orgs = [customer, *(org for org in orgs if org != customer)]
    if any(org in known.competitors for org in orgs):
        signal = "competitor"
    reading = make_reading("0", text, lang)
    packed = pack_words(reading.words)
    content = tuple(dict.fromkeys(w for w in words if len(w) > 2 and w not in STOP_WORDS and not w.isdigit()))
    return Tags(
        lang=lang,
        kind=kind,
        kind_confidence=0.9 if kind != "other" else 0.4,
        signal=signal,
        subject=orgs[0] if orgs else None,
        entities=tuple(Entity(org, "ORG") for org in orgs),
        keywords=content[:5],
        lemmas=content,
        # What themes read, hand-built (hashed word vectors: insights sharing words are close).
        words=tuple((w.text, w.lemma, w.pos, f) for w, (_, _, _, f) in zip(reading.words, packed, strict=True)),
        vector=pack_vector(reading.vector),
    )


class StubTagger:
    """A :class:`bot.jobs.tagging.BatchTagger` without spaCy: ``stub_tags`` for each text; remembers batches.

    Set ``failure`` to an exception to make the next ``tag_many`` calls raise it (as a dead child would).
    """

    def __init__(self) -> None:
        self._state = "idle"
        self._lock = threading.Lock()
        self.batches: list[list[str]] = []
        # What each batch was given besides its texts: the known organisations and the customer fields.
        self.known: list[KnownOrgs] = []
        self.customers: list[list[str | None]] = []
        self.failure: Exception | None = None

    @property
    def state(self) -> str:
        """``idle`` until started, then ``ready``; ``idle`` again once stopped."""
        return self._state

    def start(self) -> None:
        self._state = "ready"

    def stop(self) -> None:
        self._state = "idle"

    def wait_ready(self, timeout: float = 0) -> bool:
        """Ready at once (the real process takes seconds to load spaCy)."""
        self.start()
        return True

    def tag_many(
        self,
        texts: Sequence[str],
        known: KnownOrgs = KnownOrgs(),  # noqa: B008 - frozen, never mutated
        *,
        customers: Sequence[str | None] | None = None,
    ) -> list[Tags]:
        """Tag a batch; raises ``failure`` when one is set."""
        if self.failure is not None:
            raise self.failure
        forms = list(customers) if customers is not None else [None] * len(texts)
        with self._lock:
            self.batches.append(list(texts))
            self.known.append(known)
            self.customers.append(forms)
        return [stub_tags(text, known, customer) for text, customer in zip(texts, forms, strict=True)]

    def tag(self, text: str, known: KnownOrgs = KnownOrgs()) -> Tags:  # noqa: B008
        return self.tag_many([text], known)[0]

    @property
    def tagged(self) -> list[str]:
        """Every text tagged so far, in order."""
        with self._lock:
            return [text for batch in self.batches for text in batch]
