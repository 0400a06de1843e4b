"""The Slack face: the shared replies rendered as Block Kit, for the same command
language the console and Telegram speak."""
