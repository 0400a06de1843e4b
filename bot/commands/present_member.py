"""A member's own settings, worded: the mesas they act in, and where their private
notices reach them."""

from __future__ import annotations

from bot.commands.reply import Button, Reply, Style
from bot.commands.voice import Voice
from bot.core.account_links import VALID_FOR, LinkOffer
from bot.core.channels import PLATFORMS, Channel
from bot.core.members import Identity


class MemberWords(Voice):
    def mesa_choices(self, identity: Identity) -> Reply:
        reply = Reply().add(self.t("mesa.choose"))
        for choice in identity.mesas:
            current = " ✓" if choice.slug == identity.current_mesa else ""
            reply.add(f"{choice.name} ({choice.slug}){current}", Style.ITEM)
            reply.buttons.append(Button(choice.name, f"/mesa {choice.slug}"))
        if not identity.mesas:
            return Reply().add(self.t("error.not_a_member"), Style.ERROR)
        return reply

    def channel(self, channel: Channel, *, changed: bool = False) -> Reply:
        """Where private notices go and why; how to change it, with a button for each
        platform they could choose."""
        if channel.current is None:
            return Reply().add(self.t("channel.none"))
        platform = self.t(f"platform.{channel.current}")
        if changed:
            reply = Reply().add(self.t("channel.chosen", platform=platform))
        else:
            why = "chosen" if channel.chosen else \
                "last" if len(channel.linked) > 1 else "only"
            reply = Reply().add(self.t(f"channel.now_{why}", platform=platform))
        for other in (p for p in PLATFORMS if p != channel.current):
            words = {"platform": self.t(f"platform.{other}"), "choice": other}
            if other in channel.linked:
                reply.add(self.t("channel.how", **words), Style.NOTE)
                reply.buttons.append(Button(words["platform"], f"/channel {other}"))
            else:
                reply.add(self.t("channel.how_link", **words), Style.NOTE)
        return reply

    def link_offer(self, offer: LinkOffer) -> Reply:
        """The code to type on the other platform, and how."""
        platform = self.t(f"platform.{offer.platform}")
        reply = Reply().add(self.t("link.offer", platform=platform,
                                   minutes=int(VALID_FOR.total_seconds() // 60)))
        reply.add(self.t(f"link.type_on_{offer.platform}", code=offer.code))
        return reply.add(self.t("link.offer_note", platform=platform), Style.NOTE)
