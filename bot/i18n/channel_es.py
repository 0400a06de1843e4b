"""Spanish words of where private notices reach someone on Telegram and on Slack
(/canal, :mod:`bot.core.channels`)."""

MESSAGES: dict[str, str] = {
    "help.channel": "/canal telegram|slack: por dónde le llegan sus avisos privados",
    "platform.telegram": "Telegram", "platform.slack": "Slack",
    "channel.now_chosen": "Sus avisos privados le llegan por {platform}, como usted eligió.",
    "channel.now_last": "Sus avisos privados le llegan por {platform}, donde escribió por última vez; mientras no elija, siguen a la plataforma desde la que escriba.",
    "channel.now_only": "Sus avisos privados le llegan por {platform}, la única cuenta de chat que tiene vinculada.",
    "channel.chosen": "Listo: sus avisos privados irán por {platform}, escriba desde donde escriba.",
    "channel.how": "Para recibirlos por {platform}: /canal {choice}",
    "channel.how_link": "Para usar también {platform}, vincule su cuenta: /canal {choice} le da un código de un solo uso.",
    "channel.none": "No tiene una cuenta de Telegram ni de Slack vinculada, así que sus avisos privados no pueden llegarle. Pida a un coordinador de su mesa que vincule la suya.",
    "error.channel_not_linked": "No tiene una cuenta de {platform} vinculada, así que no puedo escribirle allí; sus avisos siguen por donde ya los recibe. Pida a un coordinador de su mesa que la vincule (el administrador escribe: mesabot member link {handle} --{choice}-id <id>).",
}
