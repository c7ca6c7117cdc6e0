"""casetrail under a realistic mix of reads and writes: the highest rate it sustains for a
minute with p99 under 500 ms and no error.

    python -m bench.mix --database sqlite|postgresql [--children N] [--duration 60]
        [--servers K] [--start-rate R] [--postgres-url URL] [--reuse-database URL]

The database is a scratch one filled with N synthetic children (bench.scale's seeding) and
removed after the run, or, with `--reuse-database URL`, the one at URL (seeded first when it
holds no children). K server processes (default 2 on PostgreSQL, 1 on SQLite), configured as
production is, without a rate limit, take the requests in turn.

The load is open: requests are sent at a fixed rate whatever the answers' pace, each timed from
the moment it was due, so a server falling behind shows as latency rather than as a slower
client (no coordinated omission). The mix, by share of requests: one child by A-number 40 %,
a name search 15 %, the failed-to-appear and location-unknown list 10 %, a page of 100
children 10 %, the oversight report for last year 1 %, and audited writes 24 % (contact
attempts and moves, bench.history's cycle, each child's a day apart). Probes of `--probe`
seconds raise the rate by a quarter while p99 stays under 500 ms with no error, and one more
tries halfway between the last rate that held and the first that did not; the highest rate that
held is then run for `--duration` seconds, and a tenth lower if that run does not hold.
Every answer must be HTTP 200 with data, no errors and no userErrors. The load comes from an
async httpx client in this process (about 2.4 ms of CPU a request, measured in bench.load), on
the same 2 cores as the servers and the database: the rate found is the machine's, client
included. All traffic stays on 127.0.0.1. Prints one table; never prints record contents.
"""

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from audit.checkpoints import generate_key
from bench.history import (
    CYCLE,
    DEFAULT_POSTGRES_URL,
    Case,
    scratch_databases,
    server_processes,
)
from bench.scale import (
    FILTERED,
    PAGE,
    REPORT,
    SEARCH,
    SINGLE,
    Inputs,
    candidates,
    children_in,
    ensure_database,
    inputs,
    seed,
)
from models.db import create_engine
from schema.ids import encode
from server.settings import async_database_url

P99_LIMIT = 0.5  # seconds
RAISE_BY = 1.25
STEP_DOWN = 0.9
MAX_IN_FLIGHT = 256  # requests outstanding at once; past it the load is counted as failing
WRITE_CASES = 400  # children the writes take in turn (each a mutation a day)
MIN_WRITE_CASES = 50
DAYS_PER_CASE = 60  # writes each of them has room for
WARM_UP_SECONDS = 5.0
SEED = 2024

progress = Console(stderr=True)


@dataclass(frozen=True)
class Share:
    name: str
    weight: int


SHARES = (
    Share("child by A-number", 40),
    Share("name search", 15),
    Share("failed to appear, location unknown", 10),
    Share("page of 100 children", 10),
    Share("oversight report, last year", 1),
    Share("audited write", 24),
)


@dataclass
class Outcome:
    """One run at one rate."""

    rate: float
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    overloaded: bool = False

    @property
    def all_latencies(self) -> list[float]:
        return [latency for values in self.latencies.values() for latency in values]

    @property
    def answered(self) -> int:
        return len(self.all_latencies)

    @property
    def achieved(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    def percentile(self, share: float, name: str | None = None) -> float:
        values = self.all_latencies if name is None else self.latencies.get(name, [])
        if len(values) < 2:
            return values[0] if values else 0.0
        return statistics.quantiles(values, n=1000, method="inclusive")[round(share * 1000) - 1]

    @property
    def held(self) -> bool:
        return (
            not self.errors
            and not self.overloaded
            and self.answered == self.sent
            and self.percentile(0.99) < P99_LIMIT
        )


class Requests:
    """The mix's requests: what each sends, and whether its answer is good."""

    def __init__(self, given: Inputs, cases: list[Case]) -> None:
        self.given = given
        self.cases = cases
        self.free = asyncio.Queue[Case]()
        for case in cases:
            self.free.put_nowait(case)
        self.turn = 0
        self.chance = random.Random(SEED)
        self.names = [share.name for share in SHARES]
        self.weights = [share.weight for share in SHARES]

    def pick(self) -> str:
        return self.chance.choices(self.names, self.weights)[0]

    async def send(self, client: httpx.AsyncClient, name: str) -> str | None:
        """Send one request of the kind; returns what was wrong with its answer, if anything."""
        self.turn += 1
        officer = {"Authorization": f"Bearer {self.given.officer}"}
        if name == "audited write":
            return await self._write(client, officer)
        if name == "child by A-number":
            number = self.given.a_numbers[self.turn % len(self.given.a_numbers)]
            body: dict[str, Any] = {"query": SINGLE, "variables": {"aNumber": number}}
        elif name == "name search":
            surname = self.given.surnames[self.turn % len(self.given.surnames)]
            body = {"query": SEARCH, "variables": {"search": surname}}
        elif name == "failed to appear, location unknown":
            body = {"query": FILTERED}
        elif name == "page of 100 children":
            body = {"query": PAGE}
        else:
            year = self.given.year
            body = {"query": REPORT, "variables": {"from": f"{year}-01-01", "to": f"{year}-12-31"}}
            officer = {"Authorization": f"Bearer {self.given.oversight}"}
        return _fault(await client.post("/graphql", json=body, headers=officer), None)

    async def _write(self, client: httpx.AsyncClient, headers: dict[str, str]) -> str | None:
        # A child's mutations are dated a day apart, in the order sent: one at a time each.
        case = await self.free.get()
        try:
            kind = CYCLE[case.steps % len(CYCLE)]
            body = {"query": kind.document, "variables": {"input": case.input_for(kind)}}
            return _fault(await client.post("/graphql", json=body, headers=headers), kind.field)
        finally:
            self.free.put_nowait(case)


def _fault(response: httpx.Response, mutation: str | None) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    answer = response.json()
    if answer.get("errors"):
        codes = {str(e.get("extensions", {}).get("code")) for e in answer["errors"]}
        return "GraphQL error " + ", ".join(sorted(codes))
    if answer.get("data") is None:
        return "no data"
    if mutation is not None and answer["data"][mutation]["userErrors"]:
        codes = {e["code"] for e in answer["data"][mutation]["userErrors"]}
        return "userErrors " + ", ".join(sorted(codes))
    return None


async def run_at(
    rate: float, seconds: float, requests: Requests, clients: list[httpx.AsyncClient]
) -> Outcome:
    """Requests at `rate` a second for `seconds`, each timed from when it was due."""
    outcome = Outcome(rate, seconds)
    in_flight: set[asyncio.Task[None]] = set()
    start = time.perf_counter()

    async def one(name: str, due: float, client: httpx.AsyncClient) -> None:
        try:
            fault = await requests.send(client, name)
        except (httpx.HTTPError, RuntimeError) as error:
            fault = type(error).__name__
        if fault is not None:
            outcome.errors[f"{name}: {fault}"] += 1
            return
        outcome.latencies.setdefault(name, []).append(time.perf_counter() - due)

    count = int(rate * seconds)
    for n in range(count):
        due = start + n / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        if len(in_flight) >= MAX_IN_FLIGHT:
            outcome.overloaded = True
            break
        task = asyncio.create_task(one(requests.pick(), due, clients[n % len(clients)]))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        outcome.sent += 1
    if in_flight:
        await asyncio.wait(in_flight)
    outcome.seconds = time.perf_counter() - start
    return outcome


async def find_rate(
    requests: Requests, clients: list[httpx.AsyncClient], start_rate: float, probe: float
) -> tuple[list[Outcome], float]:
    """Probes at rising rates; returns them and the last rate that held."""
    probes: list[Outcome] = []
    rate, held = start_rate, 0.0
    while True:
        outcome = await run_at(rate, probe, requests, clients)
        probes.append(outcome)
        progress.log(
            f"probe {rate:,.0f}/s: p99 {outcome.percentile(0.99) * 1000:,.0f} ms, "
            f"{sum(outcome.errors.values())} errors"
            + (", overloaded" if outcome.overloaded else "")
        )
        if not outcome.held:
            break
        held, rate = rate, rate * RAISE_BY
    if held:  # once more, halfway between the last rate that held and the first that did not
        between = round((held + rate) / 2, 1)
        outcome = await run_at(between, probe, requests, clients)
        probes.append(outcome)
        if outcome.held:
            held = between
    return probes, held


def write_cases(found: list[tuple[uuid.UUID, datetime]]) -> list[Case]:
    """Released children with room for DAYS_PER_CASE mutations a day apart, from the day after
    their last dated record, before today."""
    latest_start = datetime.now(UTC) - timedelta(days=DAYS_PER_CASE + len(CYCLE) + 2)
    return [
        Case(encode("Child", child), start, f"{n} Mix Street", f"{77001 + n % 90:05d}")
        for n, (child, start) in enumerate(found)
        if start <= latest_start
    ][:WRITE_CASES]


@asynccontextmanager
async def servers(url: str, count: int, directory: Path) -> AsyncIterator[list[str]]:
    key = directory / "signing-key.pem"
    if not key.exists():
        generate_key(key)
    with (directory / "casetrail.log").open("ab") as log:
        async with server_processes(url, count, key, log) as (bases, _processes):
            yield bases


@dataclass
class Run:
    database: str
    children: int
    servers: int
    probes: list[Outcome]
    attempts: list[Outcome]  # the full-length runs, the last the one that held (if any did)
    duration: float
    seconds: float = 0.0


async def measure(url: str, directory: Path, arguments: argparse.Namespace, count: int) -> Run:
    given = await inputs(url)
    engine = create_engine(url)
    try:
        cases = write_cases(await candidates(engine, WRITE_CASES * 3))
    finally:
        await engine.dispose()
    if len(cases) < MIN_WRITE_CASES:
        raise SystemExit(
            f"only {len(cases)} released children have room for {DAYS_PER_CASE} writes a day "
            "apart before today: seed more children"
        )
    requests = Requests(given, cases)
    async with servers(url, count, directory) as bases:
        limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=64)
        clients = [
            httpx.AsyncClient(base_url=base, timeout=60, limits=limits, trust_env=False)
            for base in bases
        ]
        try:
            progress.log("warming up")
            await run_at(arguments.start_rate, WARM_UP_SECONDS, requests, clients)
            probes, rate = await find_rate(requests, clients, arguments.start_rate, arguments.probe)
            attempts = []
            while rate >= arguments.start_rate:
                progress.log(f"{arguments.duration:.0f} s at {rate:,.0f} requests/s")
                attempts.append(await run_at(rate, arguments.duration, requests, clients))
                if attempts[-1].held:
                    break
                rate = round(rate * STEP_DOWN, 1)
        finally:
            for client in clients:
                await client.aclose()
    return Run(
        arguments.database, await children_in(url), count, probes, attempts, arguments.duration
    )


def render(run: Run) -> Table:
    table = Table(title=f"casetrail under a mixed load — {run.database}, {run.children:,} children")
    for column in ("measure", "requests/s", "p50", "p95", "p99", "detail"):
        table.add_column(column, justify="left" if column in ("measure", "detail") else "right")
    for probe in run.probes:
        table.add_row(
            f"probe at {probe.rate:,.0f}/s, {probe.seconds:.0f} s",
            f"{probe.achieved:,.1f}",
            *_percentiles(probe),
            ("held" if probe.held else "[red]did not hold[/red]") + _errors(probe),
        )
    for attempt in run.attempts:
        if attempt.held:
            verdict = "p99 < 500 ms, no error: held"
        elif attempt.overloaded:
            verdict = (
                f"[red]did not hold[/red]: stopped after {attempt.seconds:.0f} s with "
                f"{MAX_IN_FLIGHT} requests outstanding"
            )
        else:
            verdict = "[red]did not hold[/red]"
        table.add_row(
            f"[bold]{attempt.rate:,.0f}/s for {run.duration:.0f} s[/bold]",
            f"{attempt.achieved:,.1f}",
            *_percentiles(attempt),
            f"{attempt.answered:,} answered of {attempt.sent:,}; {verdict}" + _errors(attempt),
        )
    final = run.attempts[-1] if run.attempts and run.attempts[-1].held else None
    if final is None:
        table.add_row("sustained", "", "", "", "", "[red]no rate held[/red]")
        return table
    for share in SHARES:
        if share.name in final.latencies:
            table.add_row(
                f"   {share.name} ({share.weight} %)",
                f"{len(final.latencies[share.name]) / final.seconds:,.1f}",
                *_percentiles(final, share.name),
                "",
            )
    return table


def _percentiles(outcome: Outcome, name: str | None = None) -> tuple[str, str, str]:
    return tuple(  # type: ignore[return-value]
        f"{outcome.percentile(share, name) * 1000:,.1f} ms" for share in (0.5, 0.95, 0.99)
    )


def _errors(outcome: Outcome) -> str:
    if not outcome.errors:
        return ""
    return "; " + ", ".join(f"{what} x{count}" for what, count in outcome.errors.most_common(3))


async def run(arguments: argparse.Namespace) -> Run:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="casetrail-mix-") as directory:
        if arguments.reuse_database:
            url = async_database_url(arguments.reuse_database)
            postgres = make_url(url).get_backend_name() == "postgresql"
            arguments.database = "postgresql" if postgres else "sqlite"
            await ensure_database(url)
            if await children_in(url) == 0:
                progress.log(f"seeding {arguments.children:,} children")
                await seed(url, arguments.children)
            count = arguments.servers or (2 if postgres else 1)
            result = await measure(url, Path(directory), arguments, count)
        else:
            postgres = arguments.database == "postgresql"
            server_url = arguments.postgres_url if postgres else ""
            count = arguments.servers or (2 if postgres else 1)
            async with scratch_databases(arguments.database, server_url) as scratch:
                url = await scratch.create("mix")
                progress.log(f"seeding {arguments.children:,} children")
                await seed(url, arguments.children)
                result = await measure(url, scratch.directory, arguments, count)
    result.seconds = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mix",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--children", type=int, default=5_000, help="children to seed")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the final run")
    parser.add_argument("--probe", type=float, default=10.0, help="seconds of each probe")
    parser.add_argument("--start-rate", type=float, default=20.0, help="first probe's rate")
    parser.add_argument("--servers", type=int, default=0, help="uvicorn processes")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--reuse-database", default="", help="measure (and keep) this database")
    arguments = parser.parse_args()
    result = asyncio.run(run(arguments))
    console = Console()
    console.print(render(result))
    console.print(
        f"{os.cpu_count()} CPUs; {result.servers} server process(es); load from httpx in one "
        f"process; whole run {result.seconds:.0f} s."
    )


if __name__ == "__main__":
    main()
