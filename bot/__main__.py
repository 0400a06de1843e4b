"""``python -m bot`` is ``mesabot``."""

from bot.cli import main

main()
