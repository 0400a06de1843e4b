"""The Slack face: slack-bolt, fed from the durable inbox.

Two Bolt apps share one Web API client. The *front* app is the one Slack talks to (over
HTTP on ``/slack/events``, or Socket Mode): Bolt verifies each request's signature and
timestamp, and the front's global middleware (:mod:`bot.handlers.slack.intake`) stores
what must be done in the inbox before the 200 leaves; the front itself only does what
must happen within Slack's 3 seconds and changes nothing (opening a modal, checking a
form before it closes). The *worker* app takes stored requests from the inbox and runs
the listeners (:mod:`bot.handlers.slack.listeners`) with ``process_before_response``, so
a request's effects, its done mark and its answers belong to one run of the inbox
(:class:`bot.handlers.inbox.InboxRunner`), exactly as on Telegram.

Its loops (the inbox, the lease heartbeat, outbox delivery) run under
:class:`bot.handlers.health.Health`: any error is logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.dispatch import Dispatcher
from bot.commands.reply import Attachment, Reply
from bot.core.clock import Clock
from bot.core.services import Services
from bot.handlers.health import Health
from bot.handlers.inbox import DEFAULT_LEASE, InboxRunner
from bot.handlers.slack import forms, intake, listeners
from bot.handlers.slack.delivery import SlackDelivery
from bot.handlers.slack.limits import Limiter, retry_after
from bot.handlers.slack.render import Message, render, slash_commands
from bot.storage.inbox import Inbox, Incoming

log = logging.getLogger(__name__)
PLATFORM = "slack"
EVENTS_PATH = "/slack/events"
SEND_TRIES = 4
#: How many people's Slack locales are remembered (users.info is asked once each).
LOCALES_KEPT = 5_000
T = TypeVar("T")


class SlackFace:
    def __init__(self, services: Services, *, token: str, signing_secret: str,
                 api_url: str | None, clock: Clock, lease: timedelta = DEFAULT_LEASE,
                 health: Health | None = None) -> None:
        self.services = services
        self.clock = clock
        self.health = health or Health(clock)
        self.dispatcher = Dispatcher(services, invite_link=self.invite_link)
        self.client = AsyncWebClient(token=token, base_url=api_url or AsyncWebClient.BASE_URL)
        # Both apps are authorized by the auth.test of :meth:`start`, not by one of their
        # own on their first request: if that one failed (Slack busy), Bolt would answer
        # the request itself and the front would never store it. Their clients carry no
        # token (Bolt gives each request the authorized one) so Bolt does not warn.
        base = AsyncWebClient(base_url=self.client.base_url)

        async def authorized() -> AuthorizeResult:  # Bolt passes arguments by their names
            if self._authorization is None:
                raise RuntimeError("the Slack face answers requests only once started")
            return self._authorization

        self.front = AsyncApp(client=base, signing_secret=signing_secret,
                              process_before_response=True, authorize=authorized)
        self.worker = AsyncApp(client=base, request_verification_enabled=False,
                               process_before_response=True, authorize=authorized)
        self._authorization: AuthorizeResult | None = None
        self.inbox = Inbox(services.db, PLATFORM)
        self.runner = InboxRunner(self.inbox, self.process, clock, lease)
        self.front.middleware(intake.middleware(self.store, wanted=self.wanted))
        self.listeners = listeners.register(self)
        forms.FrontForms(self).register()
        self.limiter = Limiter()
        self.delivery = SlackDelivery(self)
        self.health.add_backlog("slack.inbox", self.inbox.backlog)
        self.health.add_backlog("slack.outbox", self.delivery.backlog)
        self._locales: OrderedDict[str, str] = OrderedDict()
        self._tasks: list[asyncio.Task[None]] = []
        self._socket: AsyncSocketModeHandler | None = None

    @staticmethod
    def invite_link(code: str) -> str:
        """How an invitation is used on Slack: the command that joins with its code."""
        return f"/mesa unirme {code}"

    # lifecycle

    async def start(self) -> None:
        """Check the token (``auth.test``: a refused token stops the start) and start
        the inbox, lease and outbox loops."""
        self._authorization = AuthorizeResult.from_auth_test_response(
            auth_test_response=await self.client.auth_test(), bot_token=self.client.token)
        self._tasks.append(self.health.start("slack.inbox", self.runner.run_round))
        self._tasks.append(self.health.start("slack.leases", self.runner.renew_round))
        self._tasks.append(self.health.start("slack.outbox", self.delivery.run_round))

    async def open_socket(self, app_token: str) -> None:
        """Socket Mode: Slack's requests come over a WebSocket the bot opens, so no public
        URL is needed. They reach the same front app, whose middleware stores each one
        before Bolt acks it on the socket; an envelope left unacked by a crash is sent
        again by Slack on the next connection, and the inbox's keys make it count once.

        The app token is tried here first (``apps.connections.open``): a refused token
        raises and stops the start, where the socket client would retry it forever. A
        dropped connection is reopened by the client, which logs it.
        """
        handler = AsyncSocketModeHandler(self.front, app_token)
        answer = await self.front.client.apps_connections_open(app_token=app_token)
        handler.client.wss_uri = str(answer["url"])
        await handler.connect_async()  # type: ignore[no-untyped-call]
        self._socket = handler
        log.info("Slack: Socket Mode connected")

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        await self.health.stop_all(self._tasks)

    def routes(self) -> list[web.RouteDef]:
        """``POST /slack/events``: events, slash commands and interactivity."""

        async def events(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await self.front.async_dispatch(await to_bolt_request(request)))

        return [web.post(EVENTS_PATH, events)]

    # receiving

    def wanted(self, req: AsyncBoltRequest) -> bool:
        """Whether a request goes to the inbox; the others are answered by the front's
        listeners at once."""
        return not self.listeners.immediate(req.body)

    async def store(self, incoming: Incoming) -> None:
        await self.inbox.store([incoming], now=self.clock.now())
        self.runner.wake()

    async def process(self, item: Incoming) -> None:
        """Run a stored request through the worker app; its listener's error is raised
        here, so the inbox counts the attempt and retries."""
        request = AsyncBoltRequest(body=intake.raw(item.payload["body"]),
                                   headers={"content-type": ["application/json"]})
        await self.worker.async_dispatch(request)
        error = request.context.get("failure")
        if isinstance(error, BaseException):
            raise error
        self.delivery.wake()  # what the request caused is in the outbox now

    async def locale(self, user_id: str) -> str | None:
        """The language of someone's Slack (``users.info``), asked once per person."""
        if user_id in self._locales:
            return self._locales[user_id] or None
        try:
            answer = await self.client.users_info(user=user_id, include_locale=True)
        except SlackApiError as error:
            log.warning("users.info for %s: %s", user_id, error.response.get("error"))
            return None
        user = answer.get("user") or {}
        self._locales[user_id] = str(user.get("locale") or "")
        while len(self._locales) > LOCALES_KEPT:
            self._locales.popitem(last=False)
        return self._locales[user_id] or None

    async def real_name(self, user_id: str) -> str:
        try:
            answer = await self.client.users_info(user=user_id)
        except SlackApiError:
            return user_id
        user = answer.get("user") or {}
        profile = user.get("profile") or {}
        return str(profile.get("real_name") or user.get("real_name") or user.get("name")
                   or user_id)

    # sending

    async def send(self, channel: str, reply: Reply, *, mesa_id: int | None = None,
                   skip: int = 0, on_part: Callable[[int], Awaitable[None]] | None = None,
                   ) -> list[dict[str, Any]]:
        """Post a reply to a channel (or a person's id, for their messages with the
        bot), split as needed, within the limits; a 429 waits and retries.

        As on Telegram, ``skip`` parts Slack already accepted are not posted again and
        ``on_part(k)`` is awaited once part ``k`` (from 1) is accepted: the text's
        messages first, then each attached file, shared in the conversation.
        """
        posted: list[dict[str, Any]] = []
        messages = render(slash_commands(reply))
        parts: list[Callable[[], Awaitable[Any]]] = []
        for message in messages:

            def post(p: Message = message) -> Awaitable[Any]:
                return self.client.chat_postMessage(
                    channel=channel, text=p["text"], blocks=p["blocks"], unfurl_links=False,
                    unfurl_media=False)

            parts.append(post)
        for attachment in reply.attachments:

            def share(a: Attachment = attachment) -> Awaitable[Any]:
                return self.share(channel, a)

            parts.append(share)
        for k, part in enumerate(parts[skip:], start=skip + 1):
            answer = await self.call(channel, part)
            if k <= len(messages):
                posted.append(answer)
            if on_part is not None:
                await on_part(k)
        if (reply.subject or reply.buttons) and posted and mesa_id is not None:
            last = posted[-1]
            # Its mesa, so a button under it acts there; its subject, so a reply in its
            # thread is progress. Slack answers with the channel's own id (a person's
            # messages with the bot are a D... channel), which is what presses carry.
            await self.services.chats.remember(
                platform=PLATFORM, chat_id=str(last.get("channel") or channel),
                message_id=str(last.get("ts")), mesa_id=mesa_id, ref=reply.subject or "")
        return posted

    async def share(self, channel: str, attachment: Attachment) -> Any:
        """Share a file of a reply in a conversation (``files_upload_v2``)."""
        return await self.client.files_upload_v2(
            channel=await self.conversation(channel), content=attachment.content,
            filename=attachment.filename, title=attachment.filename)

    async def conversation(self, channel: str) -> str:
        """A channel id for a person's id (their messages with the bot): files are
        shared in a conversation, where messages may be sent to the person directly."""
        if not channel.startswith(("U", "W")):
            return channel
        answer = await self.client.conversations_open(users=channel)
        return str((answer.get("channel") or {}).get("id") or channel)

    async def call(self, channel: str, send: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
        for attempt in range(1, SEND_TRIES + 1):
            await self.limiter.wait(channel)
            try:
                answer = await send()
                return dict(answer.data) if hasattr(answer, "data") else dict(answer)
            except SlackApiError as error:
                if error.response.status_code != 429 or attempt == SEND_TRIES:
                    raise
                wait = retry_after(error.response.headers)
                log.info("429 for channel %s: waiting %ss", channel, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")
