"""When colleagues' votes make an insight urgent: a quorum of distinct people, or one manager."""

from __future__ import annotations

from collections.abc import Collection


def reaches_quorum(voters: Collection[str], managers: Collection[str], quorum: int) -> bool:
    """True when ``quorum`` distinct people voted, or any manager did (one person always counts once)."""
    distinct = set(voters)
    return len(distinct) >= quorum or bool(distinct & set(managers))
