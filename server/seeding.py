"""`casetrail seed` with several processes: on PostgreSQL each writes its share of the
batches while the others do, so Python's work on each batch (drawing the records, capturing
them in the history) runs on every core. The chain's head lock orders the appends; SQLite,
with one writer at a time, is seeded by one process."""

import asyncio
import multiprocessing
import queue
from collections.abc import Callable
from datetime import datetime
from multiprocessing.context import SpawnProcess
from multiprocessing.queues import Queue

from models.db import create_engine, session_factory
from resolvers.population import (
    Population,
    PopulationResult,
    begin_population,
    finish_population,
    write_batches,
)
from server.settings import Settings

# How often the parent looks at its workers while they write (seconds).
_POLL = 0.2


class SeedingFailed(RuntimeError):
    """A worker stopped before writing its share."""


async def seed_in_parallel(
    settings: Settings,
    children: int,
    *,
    seed: int,
    now: datetime,
    jobs: int,
    progress: Callable[[int], None],
) -> PopulationResult:
    """What `seed_population` writes, with `jobs` processes writing the batches."""
    engine = create_engine(settings.database_url)
    try:
        sessions = session_factory(engine, writer=True, info=settings.write_session_info())
        population = Population(seed, now, children)
        result = PopulationResult(records=await begin_population(sessions, population))
        context = multiprocessing.get_context("spawn")
        written: Queue[tuple[int, int]] = context.Queue()
        workers = [
            context.Process(
                target=_worker, args=(part, jobs, children, seed, now, written), daemon=True
            )
            for part in range(jobs)
        ]
        for worker in workers:
            worker.start()
        try:
            await _follow(workers, written, result, progress)
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.terminate()
                worker.join()
        result.sweep = await finish_population(sessions, population)
        return result
    finally:
        await engine.dispose()


async def _follow(
    workers: list[SpawnProcess],
    written: "Queue[tuple[int, int]]",
    result: PopulationResult,
    progress: Callable[[int], None],
) -> None:
    """Count what the workers report until every one has exited; raise if one failed."""
    while True:
        try:
            children, records = written.get_nowait()
        except queue.Empty:
            if all(worker.exitcode is not None for worker in workers):
                break
            await asyncio.sleep(_POLL)
            continue
        result.children += children
        result.records += records
        progress(children)
    failed = [worker for worker in workers if worker.exitcode != 0]
    if failed:
        raise SeedingFailed(
            f"{len(failed)} of {len(workers)} seeding processes failed after "
            f"{result.children:,} children were written; seed an empty database again."
        )


def _worker(
    part: int,
    parts: int,
    children: int,
    seed: int,
    now: datetime,
    written: "Queue[tuple[int, int]]",
) -> None:
    """One process: the batches numbered part, part + parts, part + 2 * parts, …"""

    async def write() -> None:
        settings = Settings()
        engine = create_engine(settings.database_url)
        try:
            sessions = session_factory(engine, writer=True, info=settings.write_session_info())
            population = Population(seed, now, children)
            for number in range(part, population.batches, parts):
                done = await write_batches(sessions, population, [number])
                written.put(done)
        finally:
            await engine.dispose()

    asyncio.run(write())
