"""bench.mix's open load: requests leave at the rate asked whatever the answers' pace, each
timed from when it was due, and a run holds only with every answer good and p99 under 500 ms."""

import asyncio
import time
from typing import Any, cast

import httpx

from bench.mix import Outcome, run_at


class Stub:
    """Answers after `delay` seconds, every `bad`-th one wrongly."""

    def __init__(self, delay: float, bad: int = 0) -> None:
        self.delay = delay
        self.bad = bad
        self.sent = 0

    def pick(self) -> str:
        return "child by A-number"

    async def send(self, _client: httpx.AsyncClient, _name: str) -> str | None:
        self.sent += 1
        number = self.sent
        await asyncio.sleep(self.delay)
        return "HTTP 500" if self.bad and number % self.bad == 0 else None


NO_CLIENTS = [cast(httpx.AsyncClient, None)]


async def run(stub: Stub, rate: float, seconds: float) -> Outcome:
    return await run_at(rate, seconds, cast(Any, stub), NO_CLIENTS)


async def test_requests_leave_at_the_rate_however_slow_the_answers() -> None:
    # when each answer takes longer than the gap between requests
    outcome = await run(Stub(delay=0.2), rate=50, seconds=1)

    # then they were all sent at the rate, overlapping, and all answered
    assert outcome.sent == outcome.answered == 50
    assert 0.19 < outcome.percentile(0.5) < 0.3
    assert outcome.held


async def test_latency_counts_from_when_a_request_was_due() -> None:
    # given a run that cannot keep up: the loop is blocked for a while at the start
    async def block() -> None:
        await asyncio.sleep(0)
        time.sleep(0.3)  # noqa: ASYNC251 (the event loop is held up on purpose)

    blocking = asyncio.create_task(block())
    outcome = await run(Stub(delay=0.0), rate=100, seconds=0.5)
    await blocking

    # then the requests held up show the wait they were made to do
    assert outcome.percentile(0.99) > 0.2


async def test_an_error_or_a_slow_p99_does_not_hold() -> None:
    assert not (await run(Stub(delay=0.0, bad=10), rate=50, seconds=0.5)).held
    assert not (await run(Stub(delay=0.6), rate=20, seconds=0.5)).held
