"""APScheduler jobs that call core use cases at the right time (pings before sessions,
agendas for the team, escalation digests, cadence watch). Durable state lives in the
database. The jobs arrive with the scheduling issue; the core already provides what they
will call (:mod:`bot.core.agenda`, :mod:`bot.core.reading`)."""
