"""Slack markup read once: tokens become pieces, typed text stays text."""

from __future__ import annotations

import pytest

from insights.slack_markup import Piece, encode, parse, readable

PROMO = (
    "Grosse promo chez <https://www.logistar.fr/promo|Logistar> &amp; co, vu par <@U0FARID> "
    "dans <#C0VENTES|ventes> <!here>"
)


def test_parse_reads_each_token_kind() -> None:
    pieces = parse(PROMO)
    kinds = [p.kind for p in pieces if p.kind != "text"]
    assert kinds == ["link", "user", "channel", "broadcast"]
    assert Piece("link", ref="https://www.logistar.fr/promo", label="Logistar") in pieces
    assert Piece("user", ref="U0FARID") in pieces
    assert Piece("channel", ref="C0VENTES", label="ventes") in pieces


def test_parse_decodes_entities_in_text_once() -> None:
    assert parse("R&amp;D &lt;!channel&gt; &amp;lt;") == [Piece("text", text="R&D <!channel> &lt;")]


def test_typed_angle_brackets_never_become_tokens() -> None:
    typed = "<https://evil.example|safe> <!channel> <@U123>"
    assert [p.kind for p in parse(encode(typed))] == ["text"]
    assert readable(encode(typed)) == typed


@pytest.mark.parametrize(
    ("wire", "shown"),
    [
        (PROMO, "Grosse promo chez Logistar & co, vu par @U0FARID dans #ventes @here"),
        ("<@U0FARID|farid> merci", "@farid merci"),
        ("<!subteam^S0OPS|@ops> voir <mailto:a@b.fr>", "@ops voir a@b.fr"),
        ("<!date^1392734382^{date}|Feb 18, 2014> livré", "Feb 18, 2014 livré"),
        ("<https://intranet.example/x>", "https://intranet.example/x"),
    ],
)
def test_readable_shows_what_people_see(wire: str, shown: str) -> None:
    assert readable(wire) == shown


def test_readable_for_the_tagger_drops_people_and_channels() -> None:
    assert readable(PROMO, people=False).split() == "Grosse promo chez Logistar & co, vu par dans".split()
