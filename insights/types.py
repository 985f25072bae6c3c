"""Plain data shared by the tagging code and its callers (the bot, the CLI, the models)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

Kind = Literal["problem", "dysfunction", "success", "idea", "other"]
Signal = Literal["lead", "at_risk", "reference", "competitor"]
Lang = Literal["fr", "en"]

KINDS: Final[tuple[Kind, ...]] = ("problem", "dysfunction", "success", "idea", "other")
SIGNALS: Final[tuple[Signal, ...]] = ("lead", "at_risk", "reference", "competitor")
LANGS: Final[tuple[Lang, ...]] = ("fr", "en")


@dataclass(frozen=True)
class Entity:
    """A named thing found in an insight (an organisation, a person, a place, a product)."""

    text: str
    label: str


@dataclass(frozen=True)
class Tags:
    """What the tagger says about one insight; stored with it."""

    lang: Lang
    kind: Kind
    kind_confidence: float
    signal: Signal | None = None
    subject: str | None = None
    entities: tuple[Entity, ...] = field(default_factory=tuple)
    keywords: tuple[str, ...] = field(default_factory=tuple)
    # Content lemmas as theme grouping reads them (insights.tagging.lemmas), kept so themes need no spaCy later.
    lemmas: tuple[str, ...] = field(default_factory=tuple)
    # What themes read (insights.themes.stored): words as written with lemma, POS and flags, and the USE
    # vector as float16 bytes; None when the pipeline had no sentence-vector component.
    words: tuple[tuple[str, str, str, int], ...] = field(default_factory=tuple)
    vector: bytes | None = None


@dataclass(frozen=True)
class KnownOrgs:
    """A workspace's known customers, competitors and suppliers (matched ahead of any guess); hashable, so
    matchers are cached per list. Built by :mod:`insights.tagging.known` from the settings, channel names and
    the subjects people confirmed."""

    customers: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.customers or self.competitors or self.vendors)
