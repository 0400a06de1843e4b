"""English words of the Slack face: joining, channels not linked, the App Home."""

MESSAGES: dict[str, str] = {
    "slack.unknown_person": "You are not registered in any mesa yet. To take part, type /mesa join followed by the invitation code a coordinator sends you.",
    "slack.not_linked": "This channel is not linked to any mesa. A coordinator can link it by typing /mesa link ground (or team, or high_level) here; invite me to the channel first.",
    "slack.join_needs_code": "Type the invitation code after the word: /mesa join <code>.",
}
