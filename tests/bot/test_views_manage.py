"""The closing-the-loop forms: € amounts as people type them, and what the reporter and manager read."""

from __future__ import annotations

import json

import pytest

from bot.views.manage import (
    ModalContext,
    parse_euros,
    relay_to_manager_blocks,
    relay_to_reporter_blocks,
    reply_modal,
    resolve_modal,
)
from models.read import InsightCard

CARD = InsightCard(id=42, text="Le VPN <!channel> coupe encore.", status="open", anonymous=True)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("", None),
        ("1200", 1200.0),
        ("1 200,50 €", 1200.5),
        ("1\u202f200,50\u00a0€", 1200.5),
        ("€1,200.50", 1200.5),
        ("1.200.000", 1_200_000.0),
        ("350,5", 350.5),
        ("2,5 euros", 2.5),
        ("15 k€", 15_000.0),
        ("15k", 15_000.0),
        ("1,5 k€", 1_500.0),
        ("€2.5K", 2_500.0),
        ("2 M€", 2_000_000.0),
    ],
)
def test_amounts_as_people_type_them(typed: str, value: float | None) -> None:
    assert parse_euros(typed) == value


@pytest.mark.parametrize("typed", ["beaucoup", "12 kg", "k€", "-50", "1e9", "99999999999", "2000 M€", "<!channel>"])
def test_anything_else_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_euros(typed)


def test_the_context_survives_private_metadata_and_rejects_junk() -> None:
    context = ModalContext(42, response_url="https://hooks.slack.com/actions/T1/1/abc", reply_id=7)
    assert ModalContext.loads(context.dumps()) == context
    assert ModalContext.loads("not json") is None and ModalContext.loads('{"x": 1}') is None


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_forms_and_relays_escape_and_validate(lang: str) -> None:
    for view in (resolve_modal(lang, CARD, ModalContext(42)), reply_modal(lang, CARD, ModalContext(42))):
        shown = json.dumps(view.to_dict(), ensure_ascii=False)
        assert "<!channel>" not in shown and "@channel" in shown  # Slack's broadcast as a word that pings nobody
    reporter = json.dumps([b.to_dict() for b in relay_to_reporter_blocks(lang, CARD, "Merci <@U1> !", 7)])
    manager = json.dumps([b.to_dict() for b in relay_to_manager_blocks(lang, CARD, "<!here> réponse")])
    assert "<@U1>" not in reporter and '"value": "7"' in reporter
    assert "<!here>" not in manager and '"value": "42"' in manager


@pytest.mark.parametrize(
    ("lang", "value", "shown"),
    [
        ("fr", 1200.5, "1\u202f200,50 €"),
        ("fr", 15_000.0, "15\u202f000 €"),
        ("fr", 0.5, "0,50 €"),
        ("en", 1200.5, "€1,200.50"),
        ("en", 15_000.0, "€15,000"),
    ],
)
def test_amounts_keep_their_cents_when_they_have_some(lang: str, value: float, shown: str) -> None:
    from bot.views.digest import euros

    assert euros(lang, value) == shown
