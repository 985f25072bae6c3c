"""Views escape every user string and stay within Block Kit limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from slack_sdk.models.blocks import Block

from bot.views.capture_modal import CaptureOrigin, capture_modal, notice_modal
from bot.views.confirmation import confirmation_blocks
from bot.views.messages import error_with_text_blocks, help_blocks, mine_blocks
from bot.views.safe import from_slack, quote, safe, truncate
from models.read import InsightCard

HOSTILE = [
    "<!channel> le VPN est tombé",
    "<!here> & <!everyone>",
    "<!subteam^S1> regardez",
    "merci <@U123> !",
    "voir &lt;https://evil.example|le lien sûr&gt; tapé",
    "&lt;!channel&gt; déjà encodé",
    "a\u202eevil\u202c text",
]
ACTIVE = ["<!channel>", "<!here>", "<!everyone>", "<!subteam^S1>", "<@U123>", "<https://evil.example|"]


def rendered(blocks: list[Block]) -> str:
    return json.dumps([b.to_dict() for b in blocks], ensure_ascii=False)


def card(text: str, **extra: object) -> InsightCard:
    values: dict[str, object] = dict(id=42, text=text, status="open", anonymous=False)
    values.update(extra)
    return InsightCard(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", HOSTILE)
def test_views_no_mention_or_link_survives(text: str) -> None:
    payloads = [
        rendered(
            confirmation_blocks(
                card(
                    text,
                    subject=text,
                    keywords=(text,),
                    tagged=True,
                    kind="problem",
                    kind_confidence=0.7,
                    language="fr",
                    signal="lead",
                ),
                "fr",
            )
        ),
        rendered(mine_blocks("en", [card(text, created_at=datetime.now(UTC))])),
        rendered(error_with_text_blocks("oops", text)),
    ]
    for payload in payloads:
        for token in ACTIVE:
            assert token not in payload
    if "&lt;" in text:
        assert "&lt;" in payloads[0]  # typed characters shown literally, not dropped
    elif "<" in text:
        assert "@" in payloads[0]  # Slack's own tokens shown as plain words (@channel, @U123), pinging nobody
    assert "\u202e" not in payloads[0]


def test_views_safe_escapes_the_three_control_characters() -> None:
    assert safe("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert from_slack("&lt;!channel&gt; &amp;") == "<!channel> &"
    assert safe(from_slack("&lt;!channel&gt;")) == "&lt;!channel&gt;"


def test_views_safe_truncates_without_splitting_an_entity() -> None:
    text = "<" * 5000
    out = safe(text, 3000)
    assert len(out) <= 3000
    assert out.endswith("…")
    assert out[:-1].replace("&lt;", "") == ""


def test_views_truncate_marks_the_cut() -> None:
    assert truncate("abc", 3) == "abc"
    assert truncate("abcdef", 4) == "abc…"


def test_views_long_text_stays_within_section_limit() -> None:
    long = ("Le transporteur a encore perdu un colis & le client <Biocoop> est furieux.\n" * 200)[:4000]
    blocks = confirmation_blocks(card(long), "fr")
    for block in blocks:
        block.to_dict()  # slack_sdk validates lengths
    section = blocks[0].to_dict()
    assert len(section["text"]["text"]) <= 3000
    assert len(quote(long)) <= 2900


def test_views_confirmation_shows_tags_once_read() -> None:
    pending = rendered(confirmation_blocks(card("texte"), "fr"))
    assert "Analyse en cours" in pending
    done = rendered(
        confirmation_blocks(
            card(
                "texte",
                tagged=True,
                kind="success",
                kind_confidence=0.91,
                language="fr",
                signal="reference",
                subject="Biocoop",
                keywords=("démo", "témoignage"),
            ),
            "fr",
        )
    )
    assert "succès (91 %)" in done and "client référent — Biocoop" in done and "démo, témoignage" in done
    actions = json.loads(done)[-1]
    assert [e["action_id"] for e in actions["elements"]] == [
        "insight_change_kind",
        "insight_change_signal",
        "insight_make_anonymous",
        "insight_delete",
    ]
    assert actions["elements"][0]["initial_option"]["value"] == "42:success"


def test_views_anonymous_confirmation_has_no_anonymous_button() -> None:
    blocks = json.loads(rendered(confirmation_blocks(card("texte", anonymous=True), "en")))
    assert "nobody will know" in json.dumps(blocks)
    assert "insight_make_anonymous" not in json.dumps(blocks[-1])


def test_views_capture_modal_is_valid_and_carries_its_origin() -> None:
    origin = CaptureOrigin(source="shortcut", channel_id="C1", message_ts="1.2", author_id="U9")
    view = capture_modal("fr", origin, prefill="x" * 5000).to_dict()
    assert len(view["title"]["text"]) <= 24
    assert CaptureOrigin.loads(view["private_metadata"]) == origin
    text_input = next(b["element"] for b in view["blocks"] if b.get("block_id") == "text")
    assert text_input["max_length"] == 3000 and len(text_input["initial_value"]) == 3000  # Slack's input limit
    assert "5000" in json.dumps(view["blocks"][1])  # the form says the message was longer, never cuts silently
    notice_modal("en", "no text").to_dict()


def test_views_help_lists_every_way_to_capture() -> None:
    text = rendered(help_blocks("en", "gem", "arrow_up", 3))
    for expected in ("/insight &lt;text&gt;", "Save as insight", ":gem:", ":arrow_up:", "at 3 people", "/insight mine"):
        assert expected in text


def test_views_mine_is_bounded_to_fifty_blocks() -> None:
    cards = [card(f"texte {n}", created_at=datetime.now(UTC)) for n in range(100)]
    assert len(mine_blocks("fr", cards)) <= 50


def test_views_both_languages_have_every_message_with_the_same_placeholders() -> None:
    import string

    from bot.i18n import MESSAGES

    assert list(MESSAGES) == ["fr", "en"]
    assert MESSAGES["fr"].keys() == MESSAGES["en"].keys()
    fields = string.Formatter()
    for key, french in MESSAGES["fr"].items():
        names = {f for _, f, _, _ in fields.parse(french) if f}
        assert names == {f for _, f, _, _ in fields.parse(MESSAGES["en"][key]) if f}, key
