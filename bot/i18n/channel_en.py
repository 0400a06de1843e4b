"""English words of where private notices reach someone on Telegram and on Slack
(/channel, :mod:`bot.core.channels`)."""

MESSAGES: dict[str, str] = {
    "help.channel": "/channel telegram|slack: where your private notices reach you",
    "platform.telegram": "Telegram", "platform.slack": "Slack",
    "channel.now_chosen": "Your private notices reach you on {platform}, as you chose.",
    "channel.now_last": "Your private notices reach you on {platform}, where you last wrote; until you choose, they follow the platform you write from.",
    "channel.now_only": "Your private notices reach you on {platform}, the only chat account you have linked.",
    "channel.chosen": "Done: your private notices go to {platform}, wherever you write from.",
    "channel.how": "To get them on {platform}: /channel {choice}",
    "channel.how_link": "To use {platform} too, link your account: /channel {choice} gives you a one-time code.",
    "channel.none": "You have no Telegram or Slack account linked, so your private notices cannot reach you. Ask a coordinator of your mesa to link yours.",
    "error.channel_not_linked": "You have no {platform} account linked, so I cannot write to you there; your notices keep going where you get them now. Ask a coordinator of your mesa to link it (the administrator types: mesabot member link {handle} --{choice}-id <id>).",
}
