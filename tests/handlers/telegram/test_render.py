"""Telegram HTML: nothing a user types can become markup, and long replies split cleanly."""

from __future__ import annotations

import html
import re

from bot.commands.reply import Button, Reply, Style
from bot.handlers.telegram.render import MAX_MESSAGE, render

TAGS = re.compile(r"</?(b|i)>")


def _balanced(text: str) -> bool:
    stack: list[str] = []
    for match in TAGS.finditer(text):
        tag = match.group(0)
        if tag.startswith("</"):
            if not stack or stack.pop() != tag[2:-1]:
                return False
        else:
            stack.append(tag[1:-1])
    return not stack


def test_user_text_is_escaped_and_only_structure_formats() -> None:
    reply = Reply().add("<b>Guías</b> & *SERFOR* _ya_ <a href='x'>", Style.TITLE)
    reply.add("P-1 «<i>hola</i>»", Style.ITEM)
    (chunk,) = render(reply)
    assert chunk.html == (
        "<b>&lt;b&gt;Guías&lt;/b&gt; &amp; *SERFOR* _ya_ &lt;a href='x'&gt;</b>\n"
        "• P-1 «&lt;i&gt;hola&lt;/i&gt;»"
    )


def test_long_replies_split_under_the_limit_with_balanced_tags() -> None:
    reply = Reply().add("Matriz", Style.TITLE)
    for i in range(400):
        reply.add(f"P-{i} «título con <marcas> & cosas» · prioridad {i % 25}", Style.ITEM)
    reply.add("una línea enorme " * 600, Style.NOTE)
    reply.buttons.append(Button("Tomar", "/claim A-1"))
    chunks = render(reply)
    assert len(chunks) > 3
    assert all(len(c.html) <= MAX_MESSAGE and _balanced(c.html) for c in chunks)
    assert [c.markup is not None for c in chunks] == [False] * (len(chunks) - 1) + [True]
    visible = html.unescape(TAGS.sub("", "\n".join(c.html for c in chunks)))
    assert visible.count("título con <marcas> & cosas") == 400
    assert visible.split().count("enorme") == 600  # cut at spaces, nothing lost


def test_buttons_keep_within_telegrams_64_bytes() -> None:
    reply = Reply().add("x")
    reply.buttons.append(Button("Tomar", "/claim A-1234567"))
    reply.buttons.append(Button("Demasiado", "/claim " + "ñ" * 40))
    (chunk,) = render(reply)
    assert chunk.markup is not None
    data = [b.callback_data for row in chunk.markup.inline_keyboard for b in row]
    assert data == ["/claim A-1234567"]
