"""Kind of an insight: the trained model's guess with its probability, or the rules alone without a model."""

from __future__ import annotations

from collections.abc import Sequence

from insights.tagging.kind_rules import rule_kind
from insights.tagging.model import TaggingModel
from insights.types import Kind


def predict_kinds(model: TaggingModel | None, texts: Sequence[str]) -> list[tuple[Kind, float]]:
    """Kind and confidence (the winning class probability) per text; the rules decide if there is no model."""
    if model is None:
        return [rule_kind(t) for t in texts]
    return model.predict(texts)
