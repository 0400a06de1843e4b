"""English words of the forms: what a form adds to a bottleneck's detail, and Slack's
modals."""

MESSAGES: dict[str, str] = {
    # kept in the detail of a bottleneck logged with a form
    "form.reporter_view": "As the reporter sees it: {view}.",
    "form.cause": "root cause: {cause}",
    "form.from_message": "From the message: {link}",
    # Slack's modals (a title or a button: at most 24 characters)
    "slack.form_cancel": "Cancel",
    "slack.form_choose": "Choose one",
    "slack.form_bottleneck_title": "Log a bottleneck",
    "slack.form_bottleneck_submit": "Log it",
    "slack.form_title": "Title",
    "slack.form_title_placeholder": "In one line: what holds the sector back",
    "slack.form_detail": "Detail",
    "slack.form_owner_class": "Who must fix it, in your view?",
    "slack.form_root_cause": "Root cause, in your view",
    "slack.form_bottleneck_note": "The mesa's team classifies it; what you think of who must fix it and of its cause is kept in the detail for the team to weigh.",
    "slack.form_title_empty": "Write in one line what holds the sector back.",
    "slack.form_action_title": "Propose an action",
    "slack.form_action_submit": "Propose",
    "slack.form_bottleneck": "Bottleneck",
    "slack.form_action": "Action",
    "slack.form_action_placeholder": "What will be done, in one line",
    "slack.form_action_empty": "Write what will be done.",
    "slack.form_owner": "Owner",
    "slack.form_owner_nobody": "Nobody yet: anyone may claim it",
    "slack.form_owner_me": "Me",
    "slack.form_due": "Due date",
    "slack.form_due_placeholder": "Friday, the 15th, January 20",
    "slack.form_due_hint": "In words, as you would say it. With you as the owner and a date, it is confirmed.",
    "slack.form_due_needs_owner": "A date needs an owner: choose “Me” or someone, or leave the date blank.",
}
