"""Block Kit: nothing a user types can mention, link or format, long replies split
within Slack's limits with nothing lost, and every block passes slack_sdk's checks."""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import Block

from bot.commands.reply import Button, Reply, Style
from bot.handlers.slack.render import (
    MAX_BLOCKS,
    MAX_FALLBACK,
    MAX_TEXT,
    Message,
    escape,
    render,
)

#: Slack refuses a message whose blocks hold much above 13,000 characters in all.
MESSAGE_CHARS = 12_000

BACK = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "\u00ad": "",
        "\u2217": "*", "\u02cd": "_", "\u223c": "~", "\u02cb": "`"}


def size(text: str) -> int:
    """Characters as Slack's JavaScript counts them: UTF-16 units."""
    return len(text.encode("utf-16-le")) // 2


def _shown(mrkdwn: str) -> str:
    """What a reader sees of escaped text: the entities and look-alikes read back."""
    return re.sub("|".join(map(re.escape, BACK)), lambda m: BACK[m.group(0)], mrkdwn)


def _valid(messages: list[Message]) -> list[Message]:
    """Every block parses as Block Kit and passes slack_sdk's checks, unchanged."""
    for message in messages:
        assert message["text"] and size(message["text"]) <= MAX_FALLBACK
        assert len(message["blocks"]) <= MAX_BLOCKS
        for block in message["blocks"]:
            parsed = Block.parse(block)
            assert parsed is not None, block
            parsed.validate_json()
            assert parsed.to_dict() == block
    return messages


def _texts(message: Message) -> list[dict[str, Any]]:
    """The mrkdwn text objects of a message, sections and contexts alike."""
    out = []
    for block in message["blocks"]:
        if block["type"] == "section":
            out.append(block["text"])
        elif block["type"] == "context":
            out.extend(block["elements"])
    return out


def _all_text(messages: list[Message]) -> str:
    return "\n".join(t["text"] for m in messages for t in _texts(m))


def test_user_text_can_neither_mention_nor_link_nor_format() -> None:
    typed = ["<!channel> reunión", "hola <@U1>", "mira <https://x|y>", "MP & YP",
             "*bold* _it_ ~tachado~ `code`", "> no es cita", "juan_perez@minam.gob.pe"]
    reply = Reply()
    for text in typed:
        reply.add(text)
    (message,) = _valid(render(reply))
    (obj,) = _texts(message)
    assert obj["verbatim"] is True
    assert not re.search(r"[<>*_~`]", obj["text"].replace("juan_perez", ""))
    assert not re.search(r"&(?!amp;|lt;|gt;)", obj["text"])
    assert "&lt;!channel&gt;" in obj["text"] and "&lt;@U1&gt;" in obj["text"]
    assert "&lt;https://x|y&gt;" in obj["text"] and "MP &amp; YP" in obj["text"]
    assert _shown(obj["text"]).split("\n") == typed  # reads as typed
    assert "&lt;!channel&gt;" in message["text"] and "*" not in message["text"]


def test_escape_leaves_words_and_breaks_every_marker() -> None:
    assert escape("<!here> & <#C1>") == "&lt;!here&gt; &amp; &lt;#C1&gt;"
    assert escape("snake_case v2*3 a~b") == "snake_case v2*3 a~b"  # inside words: as typed
    assert escape("_a_ *b* ~c~") == "\u02cda\u02cd \u2217b\u2217 \u223cc\u223c"
    assert escape("a`b`c") == "a\u02cbb\u02cbc"  # code spans open anywhere
    assert escape("x\n> y") == "x\n\u00ad&gt; y"


def test_structure_alone_formats() -> None:
    reply = Reply().add("*Urgente* guías & permisos", Style.TITLE)
    reply.add("Cuellos de botella", Style.HEADING)
    reply.add("P-1 Guías", Style.ITEM).add("responsable: MINAM", Style.SUBITEM)
    reply.add("Se revisa el lunes", Style.NOTE).add("No existe P-9", Style.ERROR)
    reply.add("texto")
    (message,) = _valid(render(reply))
    section, context, after = message["blocks"]
    assert section["text"]["text"] == (
        "*\u2217Urgente\u2217 guías &amp; permisos*\n*Cuellos de botella*\n"
        "• P-1 Guías\n    ◦ responsable: MINAM"
    )
    assert context == {"type": "context", "elements": [
        {"type": "mrkdwn", "text": "Se revisa el lunes", "verbatim": True}]}
    assert after["text"]["text"] == "⚠️ No existe P-9\ntexto"
    assert message["text"].startswith("\u2217Urgente\u2217 guías &amp; permisos\n")


def test_a_long_reply_splits_within_the_limits_and_loses_nothing() -> None:
    reply = Reply().add("Matriz", Style.TITLE)
    lines = [f"P-{i} «título con <marcas> & *cosas*» · prioridad {i % 25}" for i in range(2000)]
    for i, text in enumerate(lines):
        reply.add(text, Style.NOTE if i % 100 == 0 else Style.ITEM)
    reply.buttons.append(Button("Tomar", "/claim A-1"))
    messages = _valid(render(reply))
    assert len(messages) > 3
    for message in messages:
        texts = [t["text"] for t in _texts(message)]
        assert all(size(t) <= MAX_TEXT for t in texts)
        assert sum(map(size, texts)) <= MESSAGE_CHARS
    assert [m["blocks"][-1]["type"] == "actions" for m in messages] == (
        [False] * (len(messages) - 1) + [True])
    shown = _shown(_all_text(messages)).split("\n")
    assert shown[0] == "*Matriz*"
    assert [s.removeprefix("• ") for s in shown[1:]] == lines  # every line, in order


def test_a_reply_of_many_short_blocks_keeps_under_50_blocks_a_message() -> None:
    reply = Reply()
    for i in range(2000):  # a note after each item: each line a block of its own
        reply.add(f"P-{i}", Style.ITEM).add(f"nota {i}", Style.NOTE)
    reply.buttons = [Button(f"B{i}", f"/b {i}") for i in range(60)]
    messages = _valid(render(reply))
    assert len(messages) >= 4000 // MAX_BLOCKS
    assert [b["type"] for b in messages[-1]["blocks"][-3:]] == ["actions"] * 3
    shown = _shown(_all_text(messages)).split("\n")
    assert shown == [x for i in range(2000) for x in (f"• P-{i}", f"nota {i}")]


def test_a_line_longer_than_a_block_is_cut_at_spaces() -> None:
    reply = Reply().add("una línea enorme & larga " * 800, Style.ITEM)
    reply.add("x" * 7000).add("🚧" * 2000)  # no space at all; emoji count twice in UTF-16
    messages = _valid(render(reply))
    texts = [t["text"] for m in messages for t in _texts(m)]
    assert all(size(t) <= MAX_TEXT for t in texts)
    shown = _shown("\n".join(texts))
    assert shown.split().count("enorme") == 800 and shown.count("&") == 800
    assert shown.count("• ") == 1  # the rest of the item reads as the same item
    assert shown.count("x") == 7000 and shown.count("🚧") == 2000


def test_buttons_carry_their_commands_in_actions_of_at_most_25() -> None:
    reply = Reply().add("Acciones", Style.TITLE)
    reply.buttons = [Button(f"Tomar A-{i}", f"/claim A-{i}") for i in range(30)]
    reply.buttons.append(Button("Confirmar " + "muy " * 30 + "largo", "/confirm A-1"))
    reply.buttons.append(Button("Demasiado", "/claim " + "x" * 2000))
    (message,) = _valid(render(reply))
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 6]
    buttons = [e for a in actions for e in a["elements"]]
    assert [b["value"] for b in buttons] == [f"/claim A-{i}" for i in range(30)] + ["/confirm A-1"]
    ids = [b["action_id"] for b in buttons]
    assert len(set(ids)) == len(ids) == 31
    long = buttons[-1]["text"]["text"]
    assert size(long) == 75 and long.startswith("Confirmar muy") and long.endswith("…")


def test_an_empty_reply_is_still_a_valid_message() -> None:
    (message,) = _valid(render(Reply()))
    assert message["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "…", "verbatim": True}}]


def test_blank_lines_never_make_an_empty_block() -> None:
    reply = Reply().add("   ").add("", Style.NOTE).add("uno", Style.ITEM).add(" ", Style.NOTE)
    (message,) = _valid(render(reply))
    assert message["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "• uno", "verbatim": True}}]
    (message,) = _valid(render(Reply().add("", Style.TITLE)))
    assert _texts(message)[0]["text"] == "…"


def test_the_fallback_is_plain_escaped_and_trimmed_at_a_line() -> None:
    reply = Reply().add("<b>Agenda</b>", Style.TITLE)
    for i in range(300):
        reply.add(f"P-{i} cosa número {i}", Style.ITEM)
    first = _valid(render(reply))[0]
    assert first["text"].startswith("&lt;b&gt;Agenda&lt;/b&gt;\n• P-0 cosa número 0\n")
    assert first["text"].endswith("…") and size(first["text"]) <= MAX_FALLBACK
    assert re.fullmatch(r"• P-\d+ cosa número \d+…", first["text"].rsplit("\n", 1)[1])
