"""A line of text from a known person into one reply, in their language.

The one entry point every face calls. The text is scrubbed here, once for every face, of
what no one can see or store (NUL and other control characters, lone surrogates,
zero-width and bidirectional-override characters). Domain errors become clear answers;
an unexpected failure is logged and answered politely, and its transaction has already
rolled back, so nothing is ever half-written.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.commands.parse import Usage, split_command
from bot.commands.present import Presenter
from bot.commands.reply import Reply, Style
from bot.commands.run import HANDLERS, PLAIN_HANDLERS, Call, Handler, Plain
from bot.commands.words import COMMANDS, Command, find, nearest
from bot.core.chats import ChatRef
from bot.core.errors import AwaitingApproval, ChooseMesa, DomainError, UnknownMesa
from bot.core.members import Identity
from bot.core.services import Services
from bot.core.text import scrub
from bot.i18n import lang_of
from bot.storage.database import AlreadyDone, effects_done

log = logging.getLogger(__name__)

#: Longer input is refused before any parsing; the core has tighter limits per field.
MAX_INPUT = 20_000
DEFAULT_TZ = ZoneInfo("America/Lima")


def language_for(identity: Identity, hint: str | None = None) -> str:
    """The member's chosen language, else their app's (``hint``), else their default."""
    if identity.language_chosen or not hint:
        return lang_of(identity.language)
    return lang_of(hint)


class Dispatcher:
    def __init__(
        self, services: Services, *, invite_link: Callable[[str], str] | None = None
    ) -> None:
        self.services = services
        self.invite_link = invite_link

    async def _again(self, identity: Identity, mesa: str | None, source: str,
                     say: Presenter) -> Reply:
        """The answer to a message whose effects were committed but whose reply may
        have been lost."""
        refs: list[str] = []
        with contextlib.suppress(DomainError):  # no mesa to look in: say it, without refs
            refs = await self.services.reading.recorded_from(
                actor=identity.actor(mesa), source=source)
        return say.already_done(refs)

    async def _used(self, identity: Identity, platform: str) -> None:
        """Remember the platform they wrote from (their private notices follow it);
        a failure to is logged and costs them no answer."""
        try:
            await self.services.channels.used(identity=identity, platform=platform)
        except Exception:
            log.exception("could not note %s as member %s's platform", platform,
                          identity.member_id)

    async def handle(
        self, identity: Identity, text: str, *, mesa: str | None = None, source: str = "",
        chat: ChatRef | None = None, language_hint: str | None = None,
    ) -> Reply:
        """Answer one command typed by ``identity`` in ``mesa`` (or their only mesa).

        A command whose message was already carried out (its process died before
        answering, and the update was taken again) is answered again: its effects are
        not repeated, and the reply names what they were.
        """
        if chat is not None:
            await self._used(identity, chat.platform)
        say = Presenter(language_for(identity, language_hint), DEFAULT_TZ)
        if len(text) > MAX_INPUT:
            return say.error("too_long", length=len(text), limit=MAX_INPUT)
        text = scrub(text)
        word, args = split_command(text)
        if word is None:
            return say.error("not_a_command")
        command = find(word)
        if command is None:
            near = nearest(word, say.lang)
            if near:
                return say.error("unknown_command_near", word=word[:40],
                                 near=say.t("error.or").join(f"/{w}" for w in near))
            return say.error("unknown_command", word=word[:40])
        return await self._run(identity, command, HANDLERS.get(command.name), args,
                               mesa=mesa, source=source, chat=chat, say=say)

    async def handle_form(
        self, identity: Identity, name: str, handler: Handler, *, mesa: str | None = None,
        source: str = "", chat: ChatRef | None = None, language_hint: str | None = None,
    ) -> Reply:
        """Answer a form that stands for the command ``name``: its fields already
        apart, ``handler`` makes the core call; the same mesa, role, language, errors
        and answers-again as a typed line (the fields' text is the core's to check)."""
        if chat is not None:
            await self._used(identity, chat.platform)
        say = Presenter(language_for(identity, language_hint), DEFAULT_TZ)
        command = next(c for c in COMMANDS if c.name == name)
        return await self._run(identity, command, handler, "", mesa=mesa, source=source,
                               chat=chat, say=say)

    async def _run(
        self, identity: Identity, command: Command, handler: Handler | None, args: str, *,
        mesa: str | None, source: str, chat: ChatRef | None, say: Presenter,
    ) -> Reply:
        in_group = chat is not None and not chat.is_private
        if effects_done():
            return await self._again(identity, mesa, source, say)
        try:
            if not command.needs_mesa:
                reply = await PLAIN_HANDLERS[command.name](
                    Plain(services=self.services, identity=identity, say=say, args=args,
                          source=source)
                )
                if in_group and command.name == "mesa":  # their mesas are theirs to know
                    return Reply(private=reply).add(say.t("mesa.sent_privately"))
                if in_group and command.name == "channel":  # a link code is theirs alone
                    return Reply(private=reply).add(say.t("link.sent_privately"))
                return reply
            assert handler is not None
            if mesa is None and command.name == "link":  # the one mesa they coordinate
                coordinated = [c.slug for c in identity.mesas if c.role == "coordinator"]
                mesa = coordinated[0] if len(coordinated) == 1 else None
            choice = identity.mesa(mesa)
            say = Presenter(say.lang, ZoneInfo(choice.timezone))
            call = Call(services=self.services, actor=identity.actor(choice.slug),
                        role=choice.role, say=say, args=args, source=source, chat=chat,
                        invite_link=self.invite_link, name=identity.name)
            return await handler(call)
        except Usage:
            return say.error("usage", usage=say.t(f"help.{command.name}"))
        except (UnknownMesa, ChooseMesa, AwaitingApproval) as error:
            if not in_group:
                return say.domain_error(error)
            # Which mesas someone sits in, or waits for, is theirs to know, not the group's.
            key = "choose_mesa_private" if isinstance(error, ChooseMesa) \
                else "not_here_details_private"
            return Reply(private=say.domain_error(error)).add(say.t(f"error.{key}"),
                                                              Style.ERROR)
        except DomainError as error:
            return say.domain_error(error)
        except AlreadyDone:
            return await self._again(identity, mesa, source, say)
        except Exception:
            log.exception("command failed: %s (source %s)", command.name, source)
            return say.error("internal")
