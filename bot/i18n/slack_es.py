"""Spanish words of the Slack face: joining, channels not linked, the App Home."""

MESSAGES: dict[str, str] = {
    "slack.unknown_person": "Aún no lo tengo registrado en ninguna mesa. Para participar, escriba /mesa unirme seguido del código de invitación que le envíe un coordinador.",
    "slack.not_linked": "Este canal no está vinculado a ninguna mesa. Un coordinador puede vincularlo escribiendo aquí /mesa vincular grupo (o equipo, o alto_nivel); antes, invíteme al canal.",
    "slack.join_needs_code": "Escriba el código de invitación después de la palabra: /mesa unirme <código>.",
}
