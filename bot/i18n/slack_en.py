"""English words of the Slack face: joining, channels not linked, the App Home."""

MESSAGES: dict[str, str] = {
    "slack.unknown_person": "You are not registered in any mesa yet. To take part, type /mesa join followed by the invitation code a coordinator sends you.",
    "slack.not_linked": "This channel is not linked to any mesa. A coordinator can link it by typing /mesa link ground (or team, or high_level) here; invite me to the channel first.",
    "slack.join_needs_code": "Type the invitation code after the word: /mesa join <code>.",
    # the App Home
    "slack.home_join_title": "How to take part",
    "slack.home_pending": "{mesa}: your role awaits a coordinator's approval.",
    "slack.home_mesas": "Your mesas",
    "slack.home_mesa": "{mesa}: {role}",
    "slack.home_overdue": "Overdue in the {mesa}",
    "slack.home_more_actions": "And {count} more: type /mytasks to see them all.",
    "slack.home_more_overdue": "And {count} more: type /overdue to see them all.",
    "slack.home_cut": "There is more than fits here: type /mytasks or /overdue.",
    "slack.home_footer": "This page is refreshed each time you open it and when you use its buttons; answers reach you under Messages. Type /help to see everything you can do.",
}
