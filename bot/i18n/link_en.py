"""English words of linking one's own account on a second platform
(:mod:`bot.core.account_links`)."""

MESSAGES: dict[str, str] = {
    "link.offer": "To use the mesa from {platform} too, as the same person, with your actions and notices, use this one-time code (valid for {minutes} minutes):",
    "link.type_on_slack": "On Slack, type: /mesa unirme {code}",
    "link.type_on_telegram": "On Telegram, write to the mesa's bot: /start {code}",
    "link.offer_note": "Do not share the code: the {platform} account that uses it will carry your name. If you did not ask for it, ignore it.",
    "link.sent_privately": "I wrote to you privately.",
    "link.done": "Done: your {platform} account is now linked to {name}. Your mesas, actions and notices are here; /channel says where your notices reach you.",
    "notice.account_linked": "A {platform} account was linked to your name ({name}). If it was not you, tell a coordinator of your mesa at once.",
    "error.account_taken": "This {platform} account already belongs to someone else in the bot, so I cannot link it to you. Ask a coordinator of your mesa to sort it out with the administrator.",
    "error.account_taken_own": "You already have a {platform} account linked. Type /channel to see where your notices reach you.",
    "error.link_code_invalid": "This code is not valid, was already used or has expired. Ask for a new one by typing /channel slack (or /channel telegram) where you already use the mesa.",
}
