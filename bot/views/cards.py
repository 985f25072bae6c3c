"""What a view needs to know about an insight, as plain data (no ORM objects in views)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models.schema import Insight


@dataclass(frozen=True)
class InsightCard:
    id: int
    text: str
    status: str
    anonymous: bool
    kind: str | None = None
    kind_confidence: float | None = None
    kind_set_by: str | None = None
    language: str | None = None
    signal: str | None = None
    subject: str | None = None
    keywords: tuple[str, ...] = ()
    tagged: bool = False
    permalink: str | None = None
    created_at: datetime | None = None
    # An open insight of the workspace that looks the same (offered as "+1 to #42 instead"), if any.
    duplicate_of: int | None = None
    duplicate_text: str | None = None

    @classmethod
    def of(cls, insight: Insight) -> InsightCard:
        return cls(
            id=insight.id,
            text=insight.text,
            status=insight.status,
            anonymous=insight.anonymous,
            kind=insight.kind,
            kind_confidence=insight.kind_confidence,
            kind_set_by=insight.kind_set_by,
            language=insight.language,
            signal=insight.signal,
            subject=insight.subject,
            keywords=tuple(str(k) for k in insight.keywords or ()),
            tagged=insight.tagged_at is not None,
            permalink=insight.permalink,
            created_at=insight.created_at,
        )
