"""The Telegram face: python-telegram-bot's Application, fed from a durable inbox,
rendering the shared replies as Telegram HTML and delivering the outbox."""
