"""A notice the platform refuses for a while is retried with growing waits until its
delivery window ends; one that keeps breaking unexpectedly is set aside after a few
tries; a notice of several messages resumes after the ones already accepted."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.notices import DELIVERY_WINDOW, FIRST_RETRY, LAST_RETRY, MAX_ATTEMPTS
from bot.core.services import Services
from bot.storage.backlog import outbox_backlog
from bot.storage.tables import OutboxDelivery
from tests.builders import Cast

PLATFORM = "test"


async def _one_notice(services: Services, cast: Cast) -> int:
    """A fresh bottleneck: one notice to the team."""
    await services.bottlenecks.log(actor=cast.maria, text="Registro lento")
    (notice,) = await services.outbox.pending(platform=PLATFORM)
    return notice.id


async def _due(services: Services) -> list[int]:
    return [n.id for n in await services.outbox.pending(platform=PLATFORM)]


async def _delivery(services: Services, outbox_id: int) -> OutboxDelivery:
    async with services.db.read() as s:
        return (await s.exec(select(OutboxDelivery).where(
            OutboxDelivery.outbox_id == outbox_id, OutboxDelivery.platform == PLATFORM))).one()


async def _fail(services: Services, outbox_id: int, status: str = "retry",
                wait: timedelta | None = None) -> str:
    assert await services.outbox.claim(platform=PLATFORM, outbox_id=outbox_id) is not None
    return await services.outbox.record(platform=PLATFORM, outbox_id=outbox_id, status=status,
                                        detail="Internal Server Error", wait=wait)


async def test_a_passing_failure_waits_2_seconds_then_twice_as_long_up_to_5_minutes(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    notice = await _one_notice(services, cast)
    waits = []
    for _ in range(12):
        assert await _fail(services, notice) == "retry"
        failed_at = clock.now()
        assert await _due(services) == []
        assert await services.outbox.claim(platform=PLATFORM, outbox_id=notice) is None
        clock.set((await _delivery(services, notice)).at)
        assert await _due(services) == [notice]
        waits.append(int((clock.now() - failed_at).total_seconds()))
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300]
    assert timedelta(seconds=waits[0]) == FIRST_RETRY
    assert timedelta(seconds=waits[-1]) == LAST_RETRY


async def test_telegrams_retry_after_is_kept_when_longer_than_the_backoff(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    notice = await _one_notice(services, cast)
    await _fail(services, notice, wait=timedelta(seconds=60))
    clock.advance(timedelta(seconds=59))
    assert await _due(services) == []
    clock.advance(timedelta(seconds=1))
    assert await _due(services) == [notice]


async def test_a_platform_down_for_two_days_loses_nothing_and_three_gives_up(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    notice = await _one_notice(services, cast)
    written = clock.now()
    for _ in range(20):  # well past the eight tries that used to set it aside
        assert await _fail(services, notice) == "retry"
        clock.set((await _delivery(services, notice)).at)
    clock.set(written + timedelta(days=2))
    assert await _due(services) == [notice]
    assert await _fail(services, notice) == "retry"
    backlog = await outbox_backlog(services.db, platform=PLATFORM,
                                   since=clock.now() - DELIVERY_WINDOW)
    assert backlog == (1, written)  # /healthz sees it waiting, and since when

    clock.set(written + DELIVERY_WINDOW - timedelta(minutes=1))
    assert await _fail(services, notice) == "failed"  # its next try would be too late
    given_up = await _delivery(services, notice)
    assert given_up.detail == "not delivered in 3 days: Internal Server Error"
    assert await _due(services) == []


async def test_an_unexpected_error_is_tried_eight_times_however_many_passing_failures(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    notice = await _one_notice(services, cast)
    for _ in range(10):
        await _fail(services, notice)
        clock.set((await _delivery(services, notice)).at)
    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        outcomes.append(await _fail(services, notice, status="error"))
        clock.set((await _delivery(services, notice)).at)
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    assert await _due(services) == []


async def test_a_retry_resumes_after_the_parts_already_accepted(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    notice = await _one_notice(services, cast)
    first = await services.outbox.claim(platform=PLATFORM, outbox_id=notice)
    assert first is not None and first.parts == 0
    await services.outbox.accepted(platform=PLATFORM, outbox_id=notice, parts=2)
    await services.outbox.record(platform=PLATFORM, outbox_id=notice, status="retry")
    clock.advance(FIRST_RETRY)
    again = await services.outbox.claim(platform=PLATFORM, outbox_id=notice)
    assert again is not None and again.parts == 2


async def test_a_crashed_sender_leaves_its_accepted_parts_to_the_next(
    services: Services, cast: Cast, clock: ManualClock
) -> None:
    notice = await _one_notice(services, cast)
    assert await services.outbox.claim(platform=PLATFORM, outbox_id=notice) is not None
    await services.outbox.accepted(platform=PLATFORM, outbox_id=notice, parts=1)
    # ... and the process dies: nothing is recorded until its lease lapses
    clock.advance(services.outbox.lease - timedelta(seconds=1))
    assert await services.outbox.claim(platform=PLATFORM, outbox_id=notice) is None
    clock.advance(timedelta(seconds=2))
    taken = await services.outbox.claim(platform=PLATFORM, outbox_id=notice)
    assert taken is not None and taken.parts == 1
