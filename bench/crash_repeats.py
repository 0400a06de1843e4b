"""How many messages a crash repeats: ``mesabot run`` killed (SIGKILL) at random moments
while it delivers a burst of scheduled notices, restarted each time, in one run.

Each round queues 60 pings (one in ten sent as two or three messages) to five private
chats of the FakeTelegram server, kills the process 5 times at a random number of
messages received (plus up to 50 ms), restarts it, and counts what every chat received
against what the notices render to. Telegram has no idempotency key, so the bound is
one repeated message per kill: the one accepted but not yet recorded.

    .venv/bin/python bench/crash_repeats.py [rounds]
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.handlers.telegram.test_crash_notices import kill_during_delivery

NOTICES = 60
KILLS = 5


async def main(rounds: int) -> None:
    totals = {"messages": 0, "missing": 0, "repeated": 0, "kills": 0}
    for n in range(rounds):
        seed = random.randrange(1_000_000)
        with tempfile.TemporaryDirectory() as tmp:
            outcome = await kill_during_delivery(Path(tmp), notices=NOTICES, kills=KILLS,
                                                 rng=random.Random(seed))
        missing = sum(outcome.missing.values())
        messages = sum(outcome.expected.values())
        print(f"round {n + 1} (seed {seed}): {NOTICES} notices in {messages} messages, "
              f"{KILLS} kills: {missing} missing, {outcome.repeated} repeated")
        for key, value in (("messages", messages), ("missing", missing),
                           ("repeated", outcome.repeated), ("kills", KILLS)):
            totals[key] += value
    print(f"all: {totals['kills']} kills during {rounds * NOTICES} notices "
          f"({totals['messages']} messages): {totals['missing']} missing, "
          f"{totals['repeated']} repeated (bound {totals['kills']}, "
          f"{totals['repeated'] / totals['kills']:.2f} a kill)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
