"""Spanish words of the Slack face: joining, channels not linked, the App Home."""

MESSAGES: dict[str, str] = {
    "slack.unknown_person": "Aún no lo tengo registrado en ninguna mesa. Para participar, escriba /mesa unirme seguido del código de invitación que le envíe un coordinador.",
    "slack.not_linked": "Este canal no está vinculado a ninguna mesa. Un coordinador puede vincularlo escribiendo aquí /mesa vincular grupo (o equipo, o alto_nivel); antes, invíteme al canal.",
    "slack.join_needs_code": "Escriba el código de invitación después de la palabra: /mesa unirme <código>.",
    # the App Home
    "slack.home_join_title": "Cómo participar",
    "slack.home_pending": "{mesa}: su rol espera la aprobación de un coordinador.",
    "slack.home_mesas": "Sus mesas",
    "slack.home_mesa": "{mesa}: {role}",
    "slack.home_overdue": "Vencidas en la {mesa}",
    "slack.home_more_actions": "Y {count} más: escriba /mis_tareas para verlas todas.",
    "slack.home_more_overdue": "Y {count} más: escriba /vencidas para verlas todas.",
    "slack.home_cut": "Hay más de lo que cabe aquí: escriba /mis_tareas o /vencidas.",
    "slack.home_footer": "Esta página se actualiza cada vez que la abre y al usar sus botones; las respuestas le llegan en Mensajes. Escriba /ayuda para ver todo lo que puede hacer.",
}
