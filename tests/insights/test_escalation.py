"""The quorum rule: distinct people, or one manager."""

from __future__ import annotations

import pytest

from insights.escalation import reaches_quorum


@pytest.mark.parametrize(
    ("voters", "managers", "quorum", "expected"),
    [
        (["U1", "U2", "U3"], [], 3, True),
        (["U1", "U1", "U1"], [], 3, False),
        (["U1", "U2"], [], 3, False),
        (["UMGR"], ["UMGR"], 3, True),
        (["U1"], ["UMGR"], 3, False),
        (["U1"], [], 1, True),
        ([], [], 1, False),
    ],
)
def test_escalation_quorum(voters: list[str], managers: list[str], quorum: int, expected: bool) -> None:
    assert reaches_quorum(voters, managers, quorum) is expected
