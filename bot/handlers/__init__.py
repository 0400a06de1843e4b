"""The faces: one module or package per platform. A face parses input into a core call
through :mod:`bot.commands` and renders the reply for its platform. Nothing else."""
