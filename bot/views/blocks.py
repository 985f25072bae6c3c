"""Block Kit models as the Web API takes them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk.models.blocks import Block


def as_dicts(blocks: Iterable[Block]) -> list[dict[str, Any]]:
    """The JSON form of typed blocks (``chat.postMessage``, ``respond`` and ``ack`` take dicts)."""
    return [block.to_dict() for block in blocks]
