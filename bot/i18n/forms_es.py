"""Spanish words of the forms: what a form adds to a bottleneck's detail, and Slack's
modals."""

MESSAGES: dict[str, str] = {
    # kept in the detail of a bottleneck logged with a form
    "form.reporter_view": "Según quien lo reporta: {view}.",
    "form.cause": "causa de fondo: {cause}",
    "form.from_message": "Del mensaje: {link}",
    # Slack's modals (a title or a button: at most 24 characters)
    "slack.form_cancel": "Cancelar",
    "slack.form_choose": "Elija una opción",
    "slack.form_bottleneck_title": "Registrar un problema",
    "slack.form_bottleneck_submit": "Registrar",
    "slack.form_title": "Título",
    "slack.form_title_placeholder": "En una línea: qué frena al sector",
    "slack.form_detail": "Detalle",
    "slack.form_owner_class": "¿Quién debe resolverlo, a su juicio?",
    "slack.form_root_cause": "Causa de fondo, a su juicio",
    "slack.form_bottleneck_note": "El equipo de la mesa lo clasifica; lo que usted opine de quién debe resolverlo y de su causa queda en el detalle para que lo tenga en cuenta.",
    "slack.form_title_empty": "Escriba en una línea qué frena al sector.",
    "slack.form_action_title": "Proponer una acción",
    "slack.form_action_submit": "Proponer",
    "slack.form_bottleneck": "Problema",
    "slack.form_action": "Acción",
    "slack.form_action_placeholder": "Qué se hará, en una línea",
    "slack.form_action_empty": "Escriba qué se hará.",
    "slack.form_owner": "Responsable",
    "slack.form_owner_nobody": "Nadie aún: cualquiera puede tomarla",
    "slack.form_owner_me": "Yo",
    "slack.form_due": "Fecha límite",
    "slack.form_due_placeholder": "viernes, el 15, 20 de enero",
    "slack.form_due_hint": "En palabras, como la diría. Con usted como responsable y una fecha, queda confirmada.",
    "slack.form_due_needs_owner": "Una fecha necesita un responsable: elija «Yo» o a alguien, o deje la fecha en blanco.",
}
