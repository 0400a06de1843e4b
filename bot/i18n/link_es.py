"""Spanish words of linking one's own account on a second platform
(:mod:`bot.core.account_links`)."""

MESSAGES: dict[str, str] = {
    "link.offer": "Para usar la mesa también desde {platform}, como la misma persona, con sus acciones y sus avisos, use este código de un solo uso (vale {minutes} minutos):",
    "link.type_on_slack": "En Slack, escriba: /mesa unirme {code}",
    "link.type_on_telegram": "En Telegram, escriba al bot de la mesa: /start {code}",
    "link.offer_note": "No comparta el código: la cuenta de {platform} que lo use quedará con su nombre. Si no lo pidió usted, ignórelo.",
    "link.sent_privately": "Le escribí en privado.",
    "link.done": "Listo: su cuenta de {platform} quedó vinculada a {name}. Aquí tiene sus mesas, sus acciones y sus avisos; /canal dice por dónde le llegan.",
    "notice.account_linked": "Se vinculó una cuenta de {platform} a su nombre ({name}). Si no fue usted, avise de inmediato a un coordinador de su mesa.",
    "error.account_taken": "Esta cuenta de {platform} ya pertenece a otra persona en el bot, así que no puedo vincularla a usted. Pida a un coordinador de su mesa que lo resuelva con el administrador.",
    "error.account_taken_own": "Usted ya tiene una cuenta de {platform} vinculada. Escriba /canal para ver por dónde le llegan sus avisos.",
    "error.link_code_invalid": "Este código no es válido, ya se usó o venció. Pida uno nuevo escribiendo /canal slack (o /canal telegram) donde ya usa la mesa.",
}
