"""What the history costs, measured: latency of an audited mutation with capture on and off,
audited mutations per second with 8 concurrent clients, and how fast a history verifies (in the
database, chain and replay; and as an export, offline).

    python -m bench.history --database sqlite|postgresql [--mutations N] [--events N]

Every input is synthetic and fixed by a seed; every database is a scratch copy made for the run
and removed after it; all traffic stays on 127.0.0.1. Prints one table.
"""

import argparse
import asyncio
import contextlib
import cProfile
import math
import os
import pstats
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

import migrations
from audit import capture, chain
from audit.checkpoints import generate_key
from audit.export import export
from audit.verify import (
    ChainCheck,
    Verification,
    events_table,
    read_export,
    verify_database,
    verify_file,
)
from models import ContactAttempt
from models.db import create_engine, session_factory
from models.enums import ContactMethod, ContactOutcome, Role
from resolvers.seed import DemoSeeder
from resolvers.tokens import create_api_token
from resolvers.unit import Actor, open_unit
from schema.ids import encode
from server.app import create_app
from server.settings import Settings, async_database_url

REPO = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SEED = 2024
# "Now" for every input: fixed (so a run repeats) and in the past (so a server on the real
# clock accepts the same inputs).
ANCHOR = datetime(2026, 6, 1, 12, tzinfo=UTC)
RELEASED_DAYS_AGO = 400
# Each mutation of a child moves one day on from its release, so a child takes this many.
STEPS_PER_CHILD = 300
BENCH_ACTOR = Actor(name="bench-setup", role=Role.OFFICER)
CLIENTS = 8
LATENCY_CHILDREN = 16
WARM_UP = 20  # mutations per capture mode before measuring
BLOCK = 20  # mutations per capture-on or capture-off block; a multiple of the cycle below
HISTORY_CHILDREN = 40
BULK_ROWS = 5000  # contact attempts per transaction while building a history
IN_MEMORY_SAMPLE = 20_000
LARGE_HISTORY_ROUNDS = 4  # ON and OFF blocks on top of the verified history
VERIFY_TARGET = 100_000  # events per second, one core
RATIO_TARGET = 1.3
NOTES = (None, "Left a voicemail.", None, "No answer at the door; card left.")

USER_ERRORS = "userErrors { code message field }"
CHILD_FIELDS = "id version custodyStatus locationStatus"
CONTACT_ATTEMPT = f"""
mutation Contact($input: RecordContactAttemptInput!) {{
  recordContactAttempt(input: $input) {{
    contactAttempt {{ id attemptedAt method outcome notes }}
    child {{ {CHILD_FIELDS} }}
    {USER_ERRORS}
  }}
}}"""
RECORD_ADDRESS = f"""
mutation Move($input: RecordAddressInput!) {{
  recordAddress(input: $input) {{
    address {{ id line1 line2 city state postalCode effectiveFrom verification issues }}
    child {{ {CHILD_FIELDS} }}
    {USER_ERRORS}
  }}
}}"""
STREETS = ("Oak Street", "Maple Avenue", "Cedar Lane", "Pine Road", "Elm Drive", "Birch Court")


@dataclass(frozen=True)
class Kind:
    """One kind of audited mutation, and how many events it must append."""

    field: str
    document: str
    outcome: str | None
    events: int


# A contact attempt appends the attempt and the child (version, location); one that finds the
# child at home also verifies the address; a move closes the old address and opens a new one.
NO_RESPONSE = Kind("recordContactAttempt", CONTACT_ATTEMPT, "NO_RESPONSE", 2)
LOCATED = Kind("recordContactAttempt", CONTACT_ATTEMPT, "LOCATED_AT_ADDRESS", 3)
MOVE = Kind("recordAddress", RECORD_ADDRESS, None, 3)
CYCLE = (NO_RESPONSE, MOVE, LOCATED, MOVE)

CAPTURE_LISTENERS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("before_flush", capture._refuse_writes_without_actor),
    ("after_flush", capture._note_changes),
    ("do_orm_execute", capture._capture_bulk_statements),
    ("before_commit", chain._write_events),
)

progress = Console(stderr=True)


def anchor_clock() -> datetime:
    return ANCHOR


# ---------------------------------------------------------------------------------------------
# Scratch databases


class Scratch:
    """Migrated scratch databases for one run (copies of one migrated template), all removed
    when the run ends."""

    def __init__(self, engine_name: str, server_url: str) -> None:
        self.engine_name = engine_name
        self.server_url = async_database_url(server_url)
        self.tag = f"ct_bench_{uuid.uuid4().hex[:10]}"
        self.directory = Path(tempfile.mkdtemp(prefix="casetrail-bench-"))
        self.databases: list[str] = []

    @property
    def postgres(self) -> bool:
        return self.engine_name == "postgresql"

    def _admin_dsn(self) -> str:
        url = make_url(self.server_url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _url(self, name: str) -> str:
        if not self.postgres:
            return f"sqlite+aiosqlite:///{self.directory / f'{name}.db'}"
        url = make_url(self.server_url).set(database=f"{self.tag}_{name}")
        return url.render_as_string(hide_password=False)

    async def _admin(self, statement: str) -> None:
        connection = await asyncpg.connect(self._admin_dsn())
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    async def start(self) -> None:
        if self.postgres:
            await self._admin(f'CREATE DATABASE "{self.tag}_template"')
            self.databases.append(f"{self.tag}_template")
        engine = create_engine(self._url("template"))
        try:
            await migrations.upgrade(engine)
        finally:
            await engine.dispose()

    async def create(self, name: str) -> str:
        """A fresh migrated database; returns its URL."""
        if self.postgres:
            await self._admin(f'CREATE DATABASE "{self.tag}_{name}" TEMPLATE "{self.tag}_template"')
            self.databases.append(f"{self.tag}_{name}")
        else:
            shutil.copyfile(self.directory / "template.db", self.directory / f"{name}.db")
        return self._url(name)

    async def close(self) -> None:
        try:
            for database in reversed(self.databases):
                await self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


@asynccontextmanager
async def scratch_databases(engine_name: str, server_url: str) -> AsyncIterator[Scratch]:
    scratch = Scratch(engine_name, server_url)
    try:
        await scratch.start()
        yield scratch
    finally:
        await scratch.close()


# ---------------------------------------------------------------------------------------------
# Synthetic cases and the clients that change them


@dataclass
class Case:
    """A released child the benchmark writes to. Each mutation is dated one day after the
    last, so moves always take effect after the current address and attempts fall on or
    after it."""

    global_id: str
    released_at: datetime
    street: str
    postal_code: str
    steps: int = 0

    def input_for(self, kind: Kind) -> dict[str, Any]:
        self.steps += 1
        if self.steps >= RELEASED_DAYS_AGO:
            raise RuntimeError("a benchmark child ran out of days: seed more children")
        moment = self.released_at + timedelta(days=self.steps)
        if kind is MOVE:
            return {
                "childId": self.global_id,
                "address": {
                    "line1": f"{10 + self.steps} {self.street}",
                    "city": "Houston",
                    "state": "TX",
                    "postalCode": self.postal_code,
                },
                "effectiveFrom": moment.date().isoformat(),
                "source": "SPONSOR_REPORTED",
            }
        return {
            "childId": self.global_id,
            "attemptedAt": moment.isoformat(),
            "method": "HOME_VISIT" if kind is LOCATED else "PHONE",
            "outcome": kind.outcome,
        }


class Writer:
    """One client: the cycle of mutation kinds over its own children, one at a time."""

    def __init__(self, client: httpx.AsyncClient, token: str, cases: list[Case]) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.cases = cases
        self.count = 0
        self.expected_events = 0

    async def write(self) -> float:
        """Send the next mutation; returns its latency in seconds."""
        kind = CYCLE[self.count % len(CYCLE)]
        case = self.cases[(self.count // len(CYCLE)) % len(self.cases)]
        self.count += 1
        body = {"query": kind.document, "variables": {"input": case.input_for(kind)}}
        start = time.perf_counter()
        response = await self.client.post("/graphql", json=body, headers=self.headers)
        elapsed = time.perf_counter() - start
        answer = response.json() if response.status_code == 200 else {}
        payload = (answer.get("data") or {}).get(kind.field)
        if payload is None or payload["userErrors"] or "errors" in answer:
            raise RuntimeError(
                f"{kind.field} failed: HTTP {response.status_code}, "
                f"{answer.get('errors') or (payload or {}).get('userErrors')}"
            )
        self.expected_events += kind.events
        return elapsed


def children_needed(mutations: int, at_least: int) -> int:
    return max(at_least, math.ceil(mutations / STEPS_PER_CHILD))


async def officer_token(engine: AsyncEngine) -> str:
    sessions = session_factory(engine, writer=True)
    async with open_unit(sessions, BENCH_ACTOR, "token create", clock=anchor_clock) as unit:
        token, _actor = await create_api_token(unit, name="bench-officer", role=Role.OFFICER)
    return token


async def released_cases(engine: AsyncEngine, count: int) -> list[Case]:
    """`count` children released to sponsors, through the seeder's operations."""
    seeder = DemoSeeder(session_factory(engine, writer=True), anchor_clock, SEED)
    cases = []
    for index in range(count):
        child_id, _sponsor = await seeder.released_child(RELEASED_DAYS_AGO)
        cases.append(
            Case(
                global_id=encode("Child", child_id),
                released_at=seeder.ago(RELEASED_DAYS_AGO),
                street=STREETS[index % len(STREETS)],
                postal_code=f"{77001 + index % 90:05d}",
            )
        )
    return cases


async def event_count(engine: AsyncEngine) -> int:
    """Events of the case records the mutations write; the alerts those changes raise (a
    crowded street, a child not located) are events too, but not the mutations' own."""
    async with engine.connect() as connection:
        count: int = (
            await connection.execute(
                select(func.count())
                .select_from(events_table)
                .where(events_table.c.entity_type != "Alert")
            )
        ).scalar_one()
    return count


# ---------------------------------------------------------------------------------------------
# 1. Latency, capture on and off


@contextmanager
def capture_switched(on: bool) -> Iterator[None]:
    """With `on` False, the history's session listeners are removed for the block (in this
    process only) and put back after it."""
    if on:
        yield
        return
    for name, listener in CAPTURE_LISTENERS:
        event.remove(Session, name, listener)
    try:
        yield
    finally:
        for name, listener in CAPTURE_LISTENERS:
            event.listen(Session, name, listener)


@dataclass
class Latency:
    on: list[float] = field(default_factory=list)
    off: list[float] = field(default_factory=list)
    events_on: int = 0
    expected_on: int = 0
    events_off: int = 0
    children: int = 0


async def interleaved(
    engine: AsyncEngine, writer: Writer, rounds: int, result: Latency, warm_up: int = WARM_UP
) -> None:
    """Blocks of mutations with capture on and off, one mutation at a time; ON-OFF and OFF-ON
    orders alternate from round to round. Counts the events each block appended."""
    for on in (True, False):
        with capture_switched(on):
            for _ in range(warm_up):
                await writer.write()
    for round_number in range(rounds):
        for on in (True, False) if round_number % 2 == 0 else (False, True):
            before, expected = await event_count(engine), writer.expected_events
            samples = result.on if on else result.off
            with capture_switched(on):
                for _ in range(BLOCK):
                    samples.append(await writer.write())
            grew = await event_count(engine) - before
            if on:
                result.events_on += grew
                result.expected_on += writer.expected_events - expected
            else:
                result.events_off += grew


@asynccontextmanager
async def in_process_writer(
    url: str, engine: AsyncEngine, cases: list[Case]
) -> AsyncIterator[Writer]:
    """A client of the real app in this process (so capture can be switched off here)."""
    token = await officer_token(engine)
    # One client sends every mutation as fast as it can: no rate limit for the benchmark.
    settings = Settings(database_url=url, rate_limit_per_minute=UNLIMITED_RATE)
    app = create_app(settings, engine=engine, clock=anchor_clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://casetrail.bench") as client:
        yield Writer(client, token, cases)


async def measure_latency(url: str, mutations: int) -> Latency:
    """One mutation at a time through the real app (in-process ASGI), capture on and off."""
    rounds = math.ceil(mutations / BLOCK)
    total = 2 * (WARM_UP + rounds * BLOCK)
    result = Latency(children=children_needed(total, LATENCY_CHILDREN))
    # Made as the server makes its own, with the requests' statement timeout on each connection.
    engine = create_engine(url, statement_timeout_ms=Settings().statement_timeout_ms)
    try:
        cases = await released_cases(engine, result.children)
        async with in_process_writer(url, engine, cases) as writer:
            await interleaved(engine, writer, rounds, result)
    finally:
        await engine.dispose()
    return result


# ---------------------------------------------------------------------------------------------
# 2. Throughput: 8 clients, uvicorn processes on loopback


@dataclass
class Throughput:
    servers: int
    mutations: int = 0
    seconds: float = 0.0
    events_before: int = 0
    events_after: int = 0
    expected_events: int = 0
    valid: bool = False
    verified_events: int = 0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    machine_busy: float = 0.0
    latencies: list[float] = field(default_factory=list)


UNLIMITED_RATE = 10**9


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(url: str, port: int, signing_key: Path, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """`uvicorn` on loopback with the service's own factory, which reads its settings from
    CASETRAIL_* variables: configured as production is, signing the history's checkpoints."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    environment |= {
        "CASETRAIL_DATABASE_URL": url,
        "CASETRAIL_ENV": "production",
        "CASETRAIL_AUDIT_SIGNING_KEY_FILE": str(signing_key),
        "CASETRAIL_RATE_LIMIT_PER_MINUTE": str(UNLIMITED_RATE),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "server.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return subprocess.Popen(command, cwd=REPO, env=environment, stdout=log, stderr=log)


async def wait_until_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base, timeout=2, trust_env=False) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"the server on {base} exited early")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the server on {base} did not become healthy")


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def process_cpu(pid: int) -> float:
    """User plus system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, in clock ticks."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@asynccontextmanager
async def server_processes(
    url: str, count: int, signing_key: Path, log: IO[bytes]
) -> AsyncIterator[tuple[list[str], list[subprocess.Popen[bytes]]]]:
    """`count` servers (`start_server`) on the database, once all are healthy: their base URLs
    and processes. Stopped after."""
    ports = [free_port() for _ in range(count)]
    processes = [start_server(url, port, signing_key, log) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process in zip(bases, processes, strict=True):
            await wait_until_healthy(base, process)
        yield bases, processes
    finally:
        for process in processes:
            stop(process)


async def measure_throughput(url: str, mutations: int, servers: int, log_path: Path) -> Throughput:
    per_client = math.ceil(mutations / CLIENTS / len(CYCLE)) * len(CYCLE)
    result = Throughput(servers=servers, mutations=per_client * CLIENTS)
    engine = create_engine(url)
    try:
        token = await officer_token(engine)
        per_child = children_needed(per_client + len(CYCLE), 4)
        cases = await released_cases(engine, CLIENTS * per_child)
        signing_key = log_path.parent / "signing-key.pem"
        generate_key(signing_key)
        with log_path.open("wb") as log:
            async with server_processes(url, servers, signing_key, log) as (bases, processes):
                await _drive(result, token, cases, bases, processes, per_client, engine)
        result.events_after = await event_count(engine)
        report = await verify_database(engine)
        result.valid = report.valid
        result.verified_events = report.event_count
    finally:
        await engine.dispose()
    return result


async def _drive(
    result: Throughput,
    token: str,
    cases: list[Case],
    bases: list[str],
    processes: list[subprocess.Popen[bytes]],
    per_client: int,
    engine: AsyncEngine,
) -> None:
    clients = [
        httpx.AsyncClient(base_url=bases[n % len(bases)], timeout=120, trust_env=False)
        for n in range(CLIENTS)
    ]
    try:
        writers = [Writer(clients[n], token, cases[n::CLIENTS]) for n in range(CLIENTS)]
        # Warm up: connections open, caches filled, one cycle per client.
        for _ in CYCLE:
            await asyncio.gather(*(w.write() for w in writers))
        result.events_before = await event_count(engine)
        expected_before = sum(w.expected_events for w in writers)

        async def run(writer: Writer) -> None:
            for _ in range(per_client):
                result.latencies.append(await writer.write())

        client_cpu, server_cpu = time.process_time(), sum(process_cpu(p.pid) for p in processes)
        busy, total = machine_jiffies()
        start = time.perf_counter()
        await asyncio.gather(*(run(w) for w in writers))
        result.seconds = time.perf_counter() - start
        busy_after, total_after = machine_jiffies()
        result.client_cpu = time.process_time() - client_cpu
        result.server_cpu = sum(process_cpu(p.pid) for p in processes) - server_cpu
        result.machine_busy = (busy_after - busy) / max(total_after - total, 1)
        result.expected_events = sum(w.expected_events for w in writers) - expected_before
    finally:
        for client in clients:
            await client.aclose()


# ---------------------------------------------------------------------------------------------
# 3. Verification speed


@dataclass
class Timed:
    """A pass over `events` events: wall-clock seconds and this process's CPU seconds."""

    events: int
    seconds: float
    cpu: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        return self.events / self.cpu if self.cpu else 0.0


@contextmanager
def timing(into: list[float]) -> Iterator[None]:
    """Appends (wall seconds, CPU seconds) of the block to `into`."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        into[:] = [time.perf_counter() - wall, time.process_time() - cpu]


@dataclass
class VerificationSpeed:
    build: Timed = field(default_factory=lambda: Timed(0, 0.0, 0.0))
    full: Timed = field(default_factory=lambda: Timed(0, 0.0, 0.0))
    full_valid: bool = False
    full_one_core: Timed = field(default_factory=lambda: Timed(0, 0.0, 0.0))
    export: Timed = field(default_factory=lambda: Timed(0, 0.0, 0.0))
    chain_file: Timed = field(default_factory=lambda: Timed(0, 0.0, 0.0))
    chain_memory: Timed = field(default_factory=lambda: Timed(0, 0.0, 0.0))
    chains_valid: bool = False
    large: Latency = field(default_factory=Latency)
    profiles: list[tuple[str, str]] = field(default_factory=list)


def _bulk_insert(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(ContactAttempt), rows)


async def build_history(engine: AsyncEngine, wanted: int) -> tuple[int, list[uuid.UUID]]:
    """Released children through the seeder's operations, then contact attempts by ORM bulk
    insert (captured per row) until the history holds `wanted` events. Returns the number of
    events and the children."""
    sessions = session_factory(engine, writer=True)
    seeder = DemoSeeder(sessions, anchor_clock, SEED)
    children = [
        (await seeder.released_child(RELEASED_DAYS_AGO))[0] for _ in range(HISTORY_CHILDREN)
    ]
    first_day = ANCHOR - timedelta(days=RELEASED_DAYS_AGO - 1)
    minutes = (RELEASED_DAYS_AGO - 1) * 24 * 60
    methods = list(ContactMethod)
    # Outcomes that leave an unverified address unverified, so each child's stored location
    # stays what its attempts say.
    outcomes = (ContactOutcome.NO_RESPONSE, ContactOutcome.LOCATED_AT_NEW_ADDRESS)
    chance = random.Random(SEED)
    count = await event_count(engine)
    while count < wanted:
        rows = [
            {
                "id": uuid.UUID(int=chance.getrandbits(128), version=4),
                "child_id": chance.choice(children),
                "attempted_at": first_day + timedelta(minutes=chance.randrange(minutes)),
                "method": chance.choice(methods),
                "outcome": chance.choice(outcomes),
                "notes": chance.choice(NOTES),
            }
            for _ in range(min(BULK_ROWS, wanted - count))
        ]
        async with open_unit(sessions, BENCH_ACTOR, "bench history", clock=anchor_clock) as unit:
            await unit.session.run_sync(_bulk_insert, rows)
        count += len(rows)
    return await event_count(engine), children


def export_sample(path: Path, size: int) -> list[tuple[dict[str, Any], str]]:
    """The first `size` events of an export as (document, hash), parsed ahead of time."""
    documents = []
    for line in read_export(path):
        if line.get("type") == "event":
            documents.append(
                ({k: v for k, v in line.items() if k not in ("type", "hash")}, line["hash"])
            )
            if len(documents) == size:
                break
    return documents


def chain_in_memory(documents: list[tuple[dict[str, Any], str]]) -> Verification:
    report = Verification()
    check = ChainCheck(report)
    for document, stored_hash in documents:
        check.feed(document, stored_hash)
    return report


@contextmanager
def one_core() -> Iterator[None]:
    """Pin every thread of this process (the event loop and any driver threads) to one CPU."""
    allowed = os.sched_getaffinity(0)
    _pin_threads({min(allowed)})
    try:
        yield
    finally:
        _pin_threads(allowed)


def _pin_threads(cores: set[int]) -> None:
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            os.sched_setaffinity(int(task), cores)


@contextmanager
def profiled(name: str, into: list[tuple[str, str]], enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        text = StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(14)
        into.append((name, text.getvalue()))


async def settle(engine: AsyncEngine) -> None:
    """After a bulk load, PostgreSQL's autovacuum sooner or later vacuums the new rows (and
    until then each first read of a row also marks it as committed, writing its page) and
    refreshes the planner's statistics; SQLite has no autovacuum but plans by ANALYZE too. The
    measurements should not depend on when that happens, so it happens here, before them."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM (ANALYZE)"))
        return
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


async def measure_verification(
    url: str, events: int, directory: Path, profile: bool
) -> VerificationSpeed:
    """Build a history of `events` events, then time verify_database, the chain pass alone
    (from the database and from an export, on one core) and an audited mutation on top of it."""
    result = VerificationSpeed()
    took: list[float] = []
    engine = create_engine(url)
    try:
        progress.log(f"building a history of {events:,} events")
        with timing(took):
            built, children = await build_history(engine, events)
        result.build = Timed(built, *took)

        await settle(engine)

        progress.log("verify_database (chain and replay)")
        with timing(took):
            full = await verify_database(engine)
        result.full = Timed(full.event_count, *took)

        progress.log("verify_database again, this process on one core")
        pinned_engine = create_engine(url)  # new connections, so their threads start pinned
        try:
            with one_core(), profiled("verify_database", result.profiles, profile):
                with timing(took):
                    pinned = await verify_database(pinned_engine)
                result.full_one_core = Timed(pinned.event_count, *took)
        finally:
            await pinned_engine.dispose()
        result.full_valid = (
            full.valid and pinned.valid and full.event_count == pinned.event_count == built
        )

        progress.log("export, then verify_file, one core")
        path = directory / "history.jsonl"
        with timing(took):
            exported = await export(engine, path)
        result.export = Timed(exported, *took)
        with one_core(), profiled("verify_file", result.profiles, profile):
            with timing(took):
                offline = verify_file(path)
            result.chain_file = Timed(offline.event_count, *took)
        documents = export_sample(path, IN_MEMORY_SAMPLE)
        path.unlink()
        with one_core(), timing(took):
            memory = chain_in_memory(documents)
        result.chain_memory = Timed(memory.event_count, *took)
        result.chains_valid = (
            offline.valid
            and memory.valid
            and offline.event_count == built
            and offline.head_hash == full.head_hash
        )

        progress.log("audited mutations on top of the large history")
        released = ANCHOR - timedelta(days=RELEASED_DAYS_AGO)
        cases = [
            Case(encode("Child", child), released, STREETS[n % len(STREETS)], "77002")
            for n, child in enumerate(children)
        ]
        async with in_process_writer(url, engine, cases) as writer:
            await interleaved(engine, writer, LARGE_HISTORY_ROUNDS, result.large, warm_up=4)
    finally:
        await engine.dispose()
    return result


# ---------------------------------------------------------------------------------------------
# The table


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


def spread(samples: list[float]) -> str:
    return f"{ms(statistics.median(samples))}, {ms(p95(samples))}"


def rate(timed: Timed) -> str:
    return f"{timed.rate:,.0f} events/s"


def per_cpu(timed: Timed) -> str:
    return f"{timed.cpu_rate:,.0f} per CPU-s"


def check(ok: bool) -> str:
    return "[green]ok[/green]" if ok else "[red]MISSED[/red]"


def add_latency(table: Table, heading: str, latency: Latency, target: bool) -> None:
    ratio = statistics.median(latency.on) / statistics.median(latency.off)
    table.add_row(
        f"{heading}, capture ON (median, p95; n={len(latency.on)})", spread(latency.on), ""
    )
    table.add_row(
        f"   same, capture OFF (median, p95; n={len(latency.off)})", spread(latency.off), ""
    )
    table.add_row(
        "   ON / OFF (median; p95)",
        f"{ratio:.2f}x; {p95(latency.on) / p95(latency.off):.2f}x",
        f"≤ {RATIO_TARGET}x {check(ratio <= RATIO_TARGET)}" if target else "",
    )
    table.add_row(
        "   events appended ON / expected; OFF",
        f"{latency.events_on:,} / {latency.expected_on:,}; {latency.events_off}",
        check(latency.events_on == latency.expected_on and latency.events_off == 0),
    )


def render(
    database: str,
    latency: Latency,
    throughput: Throughput,
    speed: VerificationSpeed,
    seconds: float,
) -> Table:
    load = os.getloadavg()
    table = Table(
        title=f"casetrail history benchmark — {database}",
        caption=(
            f"{os.cpu_count()} CPUs, load average {load[0]:.2f} at the end; Python "
            f"{sys.version.split()[0]}; seed {SEED}; whole run {seconds:.0f} s. Mutations cycle "
            "recordContactAttempt (NO_RESPONSE), recordAddress, recordContactAttempt "
            f"(LOCATED_AT_ADDRESS), recordAddress on released children; ON/OFF in blocks of "
            f"{BLOCK}, interleaved."
        ),
    )
    table.add_column("measure")
    table.add_column("result", justify="right")
    table.add_column("target / check / detail")

    add_latency(table, "1. audited mutation, in-process ASGI", latency, target=True)
    table.add_section()
    grew = throughput.events_after - throughput.events_before
    table.add_row(
        f"2. {CLIENTS} concurrent clients over {throughput.servers} uvicorn process(es)",
        f"{throughput.mutations / throughput.seconds:,.1f} mutations/s",
        f"{throughput.mutations:,} mutations in {throughput.seconds:.1f} s",
    )
    table.add_row(
        "   latency under load (median, p95)",
        spread(throughput.latencies),
        f"machine busy {throughput.machine_busy:.0%}; CPU s: clients "
        f"{throughput.client_cpu:.1f}, servers {throughput.server_cpu:.1f}",
    )
    table.add_row(
        "   events appended / expected",
        f"{grew:,} / {throughput.expected_events:,}",
        check(grew == throughput.expected_events),
    )
    table.add_row(
        "   verify_database afterwards",
        f"{'valid' if throughput.valid else 'INVALID'}, {throughput.verified_events:,} events",
        check(throughput.valid and throughput.verified_events == throughput.events_after),
    )
    table.add_section()
    table.add_row(
        f"3. history built: {speed.build.events:,} events",
        f"{speed.build.seconds:.1f} s",
        f"{rate(speed.build)}; seeder, then bulk inserts captured per row",
    )
    table.add_row(
        "   verify_database (chain, checkpoints, replay of every record)",
        rate(speed.full),
        f"{speed.full.seconds:.1f} s; {per_cpu(speed.full)}; "
        f"{'valid' if speed.full_valid else 'INVALID'}",
    )
    for label, timed in (
        ("   verify_database, this process on 1 core", speed.full_one_core),
        ("   chain only, verify_file over the export, 1 core", speed.chain_file),
    ):
        table.add_row(
            label,
            rate(timed),
            f"≥ {VERIFY_TARGET:,} {check(timed.rate >= VERIFY_TARGET)}; {per_cpu(timed)}",
        )
    table.add_row(
        f"   chain only, {speed.chain_memory.events:,} documents in memory, 1 core",
        rate(speed.chain_memory),
        f"canonical JSON + SHA-256 alone; {per_cpu(speed.chain_memory)}",
    )
    table.add_row(
        "   export (audit.export.export)",
        rate(speed.export),
        f"{speed.export.seconds:.1f} s",
    )
    table.add_row(
        "   every chain pass valid, same head",
        "yes" if speed.chains_valid else "NO",
        check(speed.chains_valid),
    )
    table.add_section()
    add_latency(
        table,
        f"4. audited mutation on the {speed.build.events // 1000:,}k-event history",
        speed.large,
        target=False,
    )
    return table


# ---------------------------------------------------------------------------------------------


async def run(arguments: argparse.Namespace) -> None:
    started = time.perf_counter()
    server_url = arguments.postgres_url if arguments.database == "postgresql" else ""
    servers = arguments.servers or (2 if arguments.database == "postgresql" else 1)
    async with scratch_databases(arguments.database, server_url) as scratch:
        progress.log(f"latency: {arguments.mutations} mutations per mode, capture on and off")
        latency = await measure_latency(await scratch.create("latency"), arguments.mutations)
        progress.log(f"throughput: {CLIENTS} clients over {servers} uvicorn process(es)")
        throughput = await measure_throughput(
            await scratch.create("throughput"),
            arguments.mutations,
            servers,
            scratch.directory / "uvicorn.log",
        )
        speed = await measure_verification(
            await scratch.create("verify"), arguments.events, scratch.directory, arguments.profile
        )
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    console.print(
        render(arguments.database, latency, throughput, speed, time.perf_counter() - started)
    )
    for name, profile_text in speed.profiles:
        console.print(f"\n[bold]cProfile, {name}[/bold] (top by own time)")
        console.print(profile_text, markup=False, highlight=False)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.history", description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--mutations",
        type=int,
        default=400,
        help="measured mutations per capture mode, and in all in the concurrent run",
    )
    parser.add_argument(
        "--events", type=int, default=200_000, help="events in the history to verify"
    )
    parser.add_argument(
        "--servers",
        type=int,
        default=0,
        help="uvicorn processes for the concurrent run (default: 2 on PostgreSQL, 1 on SQLite)",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="a PostgreSQL server to create (and drop) scratch databases on",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print cProfile of the chain-only passes"
    )
    arguments = parser.parse_args()
    if arguments.mutations < 1 or arguments.events < 1:
        parser.error("--mutations and --events must be positive")
    asyncio.run(run(arguments))


if __name__ == "__main__":
    main()
