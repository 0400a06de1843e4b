"""The console face: the bot in a terminal, against the configured database, no tokens.

``mesabot console --as maria`` reads one command a line from standard input and prints
the answer as the bot would give it; notifications the command caused are printed as
what each chat or person would receive.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.commands.dispatch import Dispatcher, language_for
from bot.commands.present import Presenter
from bot.commands.reply import Reply, Style
from bot.core.errors import DomainError
from bot.core.services import Services
from bot.i18n import lang_of, t

_PREFIX = {
    Style.TITLE: "", Style.HEADING: "", Style.TEXT: "", Style.ITEM: "  • ",
    Style.SUBITEM: "      – ", Style.NOTE: "  ", Style.ERROR: "⚠ ",
}


def render(reply: Reply, *, lang: str = "es", saved: dict[str, Path] | None = None) -> str:
    """Plain text: headings underlined by position, items indented, buttons as commands,
    and a line for each attachment (with where it was saved, if it was)."""
    out: list[str] = []
    for line in reply.lines:
        text = line.text
        if line.style is Style.TITLE:
            out.extend([text, "─" * min(len(text), 72)])
        elif line.style is Style.HEADING:
            out.append(f"{text}:")
        else:
            out.append(_PREFIX[line.style] + text)
    if reply.buttons:
        out.append("  " + "  ".join(f"[{b.label}: {b.command}]" for b in reply.buttons))
    for attachment in reply.attachments:
        size = f"{max(1, round(len(attachment.content) / 1024))} KB"
        path = (saved or {}).get(attachment.filename)
        out.append("  " + (t(lang, "console.attachment_saved", name=attachment.filename,
                                size=size, path=path) if path is not None
                           else t(lang, "console.attachment", name=attachment.filename,
                                  size=size)))
    return "\n".join(out)


class Console:
    """Speaks for members by handle; used by the console command, the demo and tests."""

    def __init__(self, services: Services, *, files: Path | None = None) -> None:
        self.services = services
        self.dispatcher = Dispatcher(services)
        #: Where attachments are written (the agenda's documents), if anywhere.
        self.files = files
        self._count = 0
        self._languages: dict[str, str] = {}

    async def say(self, handle: str, text: str, *, mesa: str | None = None) -> Reply:
        self._count += 1
        try:
            identity = await self.services.members.identify(handle=handle)
        except DomainError as error:
            return Presenter("es", ZoneInfo("America/Lima")).domain_error(error)
        self._languages[handle] = language_for(identity)
        return await self.dispatcher.handle(
            identity, text, mesa=mesa, source=f"console:{identity.handle}:{self._count}"
        )

    async def answer(self, handle: str, text: str, *, mesa: str | None = None) -> str:
        """The answer as printed, its attachments saved (with a folder) and listed."""
        reply = await self.say(handle, text, mesa=mesa)
        return self.show(reply, lang=self.language(handle))

    def language(self, handle: str) -> str:
        """The language ``handle`` was last answered in."""
        return self._languages.get(handle, "es")

    def show(self, reply: Reply, *, lang: str) -> str:
        return render(reply, lang=lang, saved=self.save(reply))

    def save(self, reply: Reply) -> dict[str, Path]:
        """Write a reply's attachments to :attr:`files`; where each went, by name."""
        if self.files is None or not reply.attachments:
            return {}
        self.files.mkdir(parents=True, exist_ok=True)
        saved = {}
        for attachment in reply.attachments:
            path = self.files / Path(attachment.filename).name
            path.write_bytes(attachment.content)
            saved[attachment.filename] = path
        return saved

    async def deliver(self) -> list[str]:
        """Print-ready lines for every pending notification, each marked delivered."""
        pending = await self.services.outbox.pending(platform="console")
        lines = []
        for notice in pending:
            if not await self.services.outbox.claim(platform="console", outbox_id=notice.id):
                continue
            say = Presenter(lang_of(notice.language), ZoneInfo(notice.mesa_timezone))
            if notice.member_name is not None:
                where = say.t("console.to_member", name=notice.member_name)
            else:
                where = say.t("console.to_chat", audience=say.t(f"audience.{notice.audience}"),
                              mesa=notice.mesa_name)
            body = self.show(say.notice(notice.kind, notice.params),
                             lang=say.lang).replace("\n", "\n    ")
            lines.append(f"  → ({where}) {body}")
            await self.services.outbox.record(platform="console", outbox_id=notice.id,
                                              status="sent")
        return lines


async def messages(stdin: TextIO, stdout: TextIO, *, prompt: str) -> AsyncIterator[str]:
    """Each message typed, as a chat would receive it: a command and the lines it has.

    A line ending in ``\\`` goes on to the next one (how a bottleneck's detail is typed
    in a terminal, under its title). From a pipe, the lines that do not start with "/"
    also belong to the command above them, as in a chat message of several lines; so a
    piped message is sent when the next command, or the end of input, shows it ended.
    """
    interactive = stdin.isatty()
    lines: list[str] = []
    goes_on = False

    def ask(text: str) -> None:
        if interactive:
            stdout.write(text)
            stdout.flush()

    ask(prompt)
    while raw := await asyncio.to_thread(stdin.readline):
        line = raw.rstrip("\r\n")
        if lines and not goes_on and line.lstrip().startswith("/"):  # piped: the next one
            yield "\n".join(lines).strip()
            lines = []
        goes_on = line.endswith("\\")
        if goes_on:
            line = line[:-1]
        if lines or line.strip():
            lines.append(line)
        if interactive and lines and not goes_on:
            yield "\n".join(lines).strip()
            lines = []
        ask("… " if goes_on else prompt)
    if lines:
        yield "\n".join(lines).strip()


async def repl(
    services: Services, *, handle: str, mesa: str | None, stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout, files: Path | None = None,
) -> None:
    """Read messages until end of input; answer each, then any notifications it caused.
    Attachments (the agenda's documents) are written to ``files``, if given."""
    console = Console(services, files=files)
    async for message in messages(stdin, stdout, prompt=f"{handle}> "):
        if not message:
            continue
        stdout.write(await console.answer(handle, message, mesa=mesa) + "\n")
        if stdin.isatty() and not message.startswith("/"):
            stdout.write(t(console.language(handle), "console.more_lines") + "\n")
        for notice in await console.deliver():
            stdout.write(notice + "\n")
        stdout.flush()
