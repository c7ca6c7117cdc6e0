"""casetrail on a database of many children: the requests a second it answers with 8 concurrent
connections and how long each takes, beside PostGraphile 5 and the SQL floor for the same
reads, and its audited writes and verification on the same database.

    python -m bench.scale --database sqlite|postgresql --children N [--duration S]
        [--connections 8] [--postgres-url URL] [--reuse-database URL]

The database is a scratch one, filled with N synthetic children (by
`resolvers.population.seed_population` when that module is there; until then by
bench.oversight's SQL generator on PostgreSQL, which writes no history, or the demonstration
seeder's operations on SQLite) and removed after the run. With `--reuse-database URL` the
database at URL is measured as it is, and kept; when it does not exist yet or holds no
children it is created and seeded first, so a large population is seeded once. The audited
mutations write to it (a few hundred changes to existing children, and API tokens).

Measured, each for a fixed time after a warm-up, with `--connections` clients sending requests
back to back. The load comes from autocannon (Node), installed by npm into
~/.cache/casetrail-bench on first use: a Python client on this 2-core machine takes about
2.4 ms of CPU a request and cannot send more than about 200 a second, where autocannon takes
about 0.13 ms (bench.load). Without npm the load comes from httpx and PostGraphile is skipped.
  a. the page (`children(first: 100)`, 8 fields of each child, its sponsor, addresses, notices
     and hearings) and one child by A-number (the same fields; A-numbers of 200 children taken
     in turn) through casetrail (uvicorn, one process, configured as production), PostGraphile
     5 (one Node process, Amber preset; PostgreSQL only) and the SQL floor (bench.floor: one
     statement builds the JSON, Starlette on uvicorn returns it);
  b. `children` filtered by failed-to-appear and location UNKNOWN, and a name search (the
     surnames of 20 children, in turn), through casetrail;
  c. `oversightReport` for one calendar year and for all time, through casetrail;
  d. audited mutations a second from 8 concurrent clients (bench.history's clients and
     mutation cycle, on children of the population), then `verify_database` over the whole
     history.
Every answer must be HTTP 200 with data and no errors; the floor's answers are compared with
casetrail's. All traffic stays on 127.0.0.1. Prints one table; never prints record contents.
"""

import argparse
import asyncio
import importlib
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
import orjson
from rich.console import Console
from rich.table import Table
from sqlalchemy import and_, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

import migrations
from audit.checkpoints import generate_key
from audit.verify import verify_database
from bench.history import (
    BENCH_ACTOR,
    CLIENTS,
    CYCLE,
    DEFAULT_POSTGRES_URL,
    REPO,
    STREETS,
    Case,
    Throughput,
    _drive,
    event_count,
    free_port,
    scratch_databases,
    server_processes,
    settle,
    start_server,
    stop,
    wait_until_healthy,
)
from bench.load import Load, NodeTools, measure, node_tools, package_version
from models import Address, Child, ContactAttempt, CustodyEvent
from models.base import utc_now
from models.db import create_engine, session_factory
from models.enums import ContactOutcome, CustodyStatus, HearingStatus, Role
from resolvers.seed import DemoSeeder
from resolvers.tokens import create_api_token
from resolvers.unit import open_unit
from schema.ids import encode
from server.settings import async_database_url

SEED = 2024
PAGE_SIZE = 100
SINGLE_CHILDREN = 200  # A-numbers the single-child query takes in turn
SEARCH_NAMES = 20
CHECKED_BODIES = 5  # bodies of a measurement sent once, and checked, before it
CASES_PER_CLIENT = 4  # children each mutation client writes to, in turn
MUTATIONS_PER_SECOND = 40  # to size the mutation run to about --duration
progress = Console(stderr=True)

# ---------------------------------------------------------------------------------------------
# The documents

CHILD_FIELDS = """
      id aNumber firstName lastName dateOfBirth countryOfBirth custodyStatus locationStatus
      sponsor { id firstName lastName relationship phone }
      addresses { id line1 line2 city state postalCode effectiveFrom effectiveTo verification }
      notices { id status issuedOn servedOn filedOn court }
      hearings { id court type scheduledFor status }"""
PAGE = f"""
query Page {{
  children(first: {PAGE_SIZE}) {{ edges {{ node {{{CHILD_FIELDS}
  }} }} }}
}}"""
SINGLE = f"""
query Child($aNumber: String!) {{
  child(aNumber: $aNumber) {{{CHILD_FIELDS}
  }}
}}"""

# The same reads in PostGraphile's schema for the same tables (Amber preset): relations are
# named by their foreign keys, lists are connections, nested lists in primary-key order (the
# preset orders only by indexed columns).
PGL_CHILD_FIELDS = """
      id aNumber firstName lastName dateOfBirth countryOfBirth custodyStatus locationStatus
      sponsorBySponsorId { id firstName lastName relationship phone }
      addressesByChildId { nodes {
        id line1 line2 city state postalCode effectiveFrom effectiveTo verification } }
      noticesByChildId { nodes { id status issuedOn servedOn filedOn court } }
      hearingsByChildId { nodes { id court type scheduledFor status } }"""
PGL_PAGE = f"""
query Page {{
  allChildren(first: {PAGE_SIZE}, orderBy: A_NUMBER_ASC) {{ nodes {{{PGL_CHILD_FIELDS}
  }} }}
}}"""
PGL_SINGLE = f"""
query Child($aNumber: String!) {{
  childByANumber(aNumber: $aNumber) {{{PGL_CHILD_FIELDS}
  }}
}}"""

FILTERED = f"""
query Missing {{
  children(first: {PAGE_SIZE}, filter: {{failedToAppear: true, locationStatus: [UNKNOWN]}}) {{
    edges {{ node {{ id aNumber custodyStatus locationStatus }} }}
  }}
}}"""
SEARCH = f"""
query Search($search: String!) {{
  children(first: {PAGE_SIZE}, filter: {{search: $search}}) {{
    edges {{ node {{ id aNumber firstName lastName }} }}
  }}
}}"""
REPORT = """
query Report($from: Date, $to: Date) {
  oversightReport(from: $from, to: $to) {
    transferredToHhs releasedToSponsor releasedWithoutServedNotice releasedWithoutHearing
    failedToAppear failedToAppearLocationUnknown inAbsentiaOrders representedShare
    openAlerts { kind count }
  }
}"""


SECTIONS = {
    "page": "a. PAGE: children(first: 100)",
    "child": "a. SINGLE CHILD: child(aNumber:)",
    "filter": "b. children filtered, searched",
    "report": "c. oversightReport (OVERSIGHT)",
    "writes": "d. audited writes, verification",
}


def body(document: str, operation: str, variables: dict[str, Any] | None = None) -> bytes:
    return orjson.dumps(
        {"query": document, "operationName": operation, "variables": variables or {}}
    )


# ---------------------------------------------------------------------------------------------
# The population


def population_module() -> Any | None:
    """resolvers.population, where it exists."""
    try:
        return importlib.import_module("resolvers.population")
    except ModuleNotFoundError as error:
        if error.name != "resolvers.population":
            raise
        return None


async def demo_population(sessions: async_sessionmaker[AsyncSession], children: int) -> None:
    """Children released to sponsors through the demonstration seeder's operations, with court
    cases: appeared, failed to appear and not located since, or a hearing ahead."""
    seeder = DemoSeeder(sessions, utc_now, SEED)
    outcomes = (HearingStatus.APPEARED, HearingStatus.FAILED_TO_APPEAR, None)
    for n in range(children):
        released = 60 + (n * 37) % 900
        child, _sponsor = await seeder.released_child(released)
        outcome = outcomes[n % len(outcomes)]
        await seeder.court_case(child, released, outcome, represented=n % 2 == 0)
        if outcome == HearingStatus.FAILED_TO_APPEAR:
            await seeder.attempt(child, 1, ContactOutcome.NOT_LOCATED)


async def seed(url: str, children: int) -> str:
    """Migrate and fill the database; returns what filled it."""
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
        population = population_module()
        if population is not None:
            done = [0]

            def report(batch: int) -> None:  # called with each batch's count of children
                before, done[0] = done[0], done[0] + batch
                if done[0] * 10 // children > before * 10 // children:
                    progress.log(f"seeded {done[0]:,} of {children:,} children")

            await population.seed_population(
                session_factory(engine, writer=True), children, seed=SEED, progress=report
            )
            source = "resolvers.population"
        elif engine.dialect.name == "postgresql":
            from bench.oversight import generate

            await generate(url, children)
            source = "bench.oversight's SQL generator (writes no history)"
        else:
            await demo_population(session_factory(engine, writer=True), children)
            source = "the demonstration seeder's operations"
        await settle(engine)
    finally:
        await engine.dispose()
    return source


async def children_in(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            try:
                count: int = (
                    await connection.execute(select(func.count()).select_from(Child))
                ).scalar_one()
            except Exception:  # no child table yet: a database not migrated
                return 0
        return count
    finally:
        await engine.dispose()


async def ensure_database(url: str) -> None:
    """Create the PostgreSQL database `url` names when it does not exist."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    admin = parsed.set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        exists = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", parsed.database
        )
        if not exists:
            await connection.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await connection.close()


# ---------------------------------------------------------------------------------------------
# What the requests ask for


@dataclass
class Inputs:
    officer: str
    oversight: str
    a_numbers: list[str]
    surnames: list[str]
    year: int


async def token_for(engine: AsyncEngine, role: Role) -> str:
    sessions = session_factory(engine, writer=True)
    name = f"bench-scale-{role.value.lower()}-{uuid.uuid4().hex[:8]}"
    async with open_unit(sessions, BENCH_ACTOR, "token create") as unit:
        token, _actor = await create_api_token(unit, name=name, role=role)
    return token


async def spread(engine: AsyncEngine, count: int, seed: int) -> list[str]:
    """Up to `count` A-numbers of children spread over the whole population: for each of
    `count` points drawn evenly between the lowest and the highest A-number, the first at or
    after it (keys and A-numbers may both follow the order children were written in)."""
    chance = random.Random(seed)
    async with engine.connect() as connection:
        lowest, highest = (
            await connection.execute(select(func.min(Child.a_number), func.max(Child.a_number)))
        ).one()
        if lowest is None:
            return []
        found: dict[str, None] = {}
        for point in sorted(chance.randint(int(lowest), int(highest)) for _ in range(count)):
            number = (
                await connection.execute(
                    select(col(Child.a_number))
                    .where(col(Child.a_number) >= f"{point:09d}")
                    .order_by(col(Child.a_number))
                    .limit(1)
                )
            ).scalar_one()
            found[number] = None
    return list(found)


async def inputs(url: str) -> Inputs:
    engine = create_engine(url)
    try:
        a_numbers = await spread(engine, SINGLE_CHILDREN, SEED)
        async with engine.connect() as connection:
            keys = (
                await connection.execute(
                    select(col(Child.last_name_key)).where(
                        col(Child.a_number).in_(await spread(engine, SEARCH_NAMES, SEED + 1))
                    )
                )
            ).scalars()
        surnames = list(dict.fromkeys(key.split()[0] for key in keys if key.split()))
        return Inputs(
            officer=await token_for(engine, Role.OFFICER),
            oversight=await token_for(engine, Role.OVERSIGHT),
            a_numbers=a_numbers,
            surnames=surnames,
            year=datetime.now(UTC).year - 1,
        )
    finally:
        await engine.dispose()


# ---------------------------------------------------------------------------------------------
# Servers, each a process of its own on loopback


@asynccontextmanager
async def casetrail(url: str, directory: Path) -> AsyncIterator[str]:
    """casetrail as bench.history starts it: uvicorn, production settings, no rate limit. A
    server per measurement, so that its own alert sweep (every 5 minutes) never runs in one."""
    key = directory / "signing-key.pem"
    if not key.exists():
        generate_key(key)
    port = free_port()
    with (directory / "casetrail.log").open("ab") as log:
        process = start_server(url, port, key, log)
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_until_healthy(base, process)
            yield base
        finally:
            stop(process)


def launch(command: list[str], log: IO[bytes], **options: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdout=log, stderr=log, **options)


@asynccontextmanager
async def floor(url: str, directory: Path) -> AsyncIterator[str]:
    port = free_port()
    with (directory / "floor.log").open("ab") as log:
        command = [sys.executable, "-m", "bench.floor", "--url", url, "--port", str(port)]
        process = launch(command, log, cwd=REPO)
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_until_healthy(base, process)
            yield base
        finally:
            stop(process)


@asynccontextmanager
async def postgraphile(url: str, tools: NodeTools, directory: Path) -> AsyncIterator[str]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    port = free_port()
    with (directory / "postgraphile.log").open("ab") as log:
        command = tools.command("postgraphile_server.cjs", dsn, str(port))
        process = launch(command, log, env=tools.environment())
        try:
            base = f"http://127.0.0.1:{port}"
            await wait_until_answering(base, process)
            yield base
        finally:
            stop(process)


async def wait_until_answering(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient(base_url=base, timeout=5, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server on {base} exited early")
            try:
                response = await client.post("/graphql", json={"query": "{ __typename }"})
                if response.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"the server on {base} did not start")


# ---------------------------------------------------------------------------------------------
# Measuring


@dataclass
class Measured:
    """One row of the table."""

    label: str
    load: Load | None = None
    fields: int = 0  # in the first answer checked
    children: float | None = None  # children an answer, on average over those checked
    note: str = ""
    rate: float | None = None  # rows not from a load: mutations or events a second
    p50: float | None = None
    p95: float | None = None
    unit: str = "req/s"
    failed: bool = False
    section: str = ""


def count_fields(value: Any) -> int:
    """Fields in an answer: every key of every object under `data`."""
    if isinstance(value, dict):
        return sum(1 + count_fields(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_fields(v) for v in value)
    return 0


def count_children(data: dict[str, Any]) -> int:
    """Children in an answer: a page's edges or nodes, or one child."""
    root = next(iter(data.values()))
    if isinstance(root, dict):
        for key in ("edges", "nodes"):
            if isinstance(root.get(key), list):
                return len(root[key])
    return 0 if root is None else 1


def first_difference(a: Any, b: Any, path: str = "$") -> str | None:
    """The path where two answers first differ (never their values), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{path} (fields)"
        for key in a:
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path} (length)"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if a == b else path


async def check(base: str, bodies: list[bytes], headers: dict[str, str]) -> list[Any]:
    """Send the first bodies once each; every answer must be data without errors."""
    answers = []
    async with httpx.AsyncClient(base_url=base, timeout=120, trust_env=False) as client:
        for content in bodies[:CHECKED_BODIES]:
            response = await client.post(
                "/graphql",
                content=content,
                headers={"content-type": "application/json", **headers},
            )
            answer = response.json() if response.status_code == 200 else {}
            if not answer.get("data") or answer.get("errors"):
                codes = [
                    (error.get("extensions") or {}).get("code")
                    for error in answer.get("errors") or []
                ]
                raise RuntimeError(
                    f"{base} answered HTTP {response.status_code}, error codes {codes}"
                )
            answers.append(answer["data"])
    return answers


@dataclass
class Settings:
    connections: int
    warmup: float
    duration: float
    tools: NodeTools | None
    tools_note: str


async def measured(
    label: str,
    base: str,
    bodies: list[bytes],
    headers: dict[str, str],
    settings: Settings,
    *,
    children: bool = True,
) -> tuple[Measured, list[Any]]:
    """A row for `label`: the first bodies checked, then the load."""
    progress.log(label)
    answers = await check(base, bodies, headers)
    load = await measure(
        f"{base}/graphql",
        bodies,
        headers,
        connections=settings.connections,
        warmup=settings.warmup,
        duration=settings.duration,
        tools=settings.tools,
    )
    row = Measured(
        label,
        load=load,
        fields=count_fields(answers[0]),
        children=statistics.mean(count_children(a) for a in answers) if children else None,
        failed=load.failed > 0 or load.answered == 0,
    )
    return row, answers


def compare(floor_answers: list[Any], casetrail_answers: list[Any]) -> str:
    for mine, theirs in zip(floor_answers, casetrail_answers, strict=True):
        found = first_difference(mine, theirs)
        if found:
            return f"[red]differs from casetrail's at {found}[/red]"
    return "same answers as casetrail"


def not_measured(label: str, why: str) -> Measured:
    return Measured(label, note=why)


async def reads(url: str, directory: Path, given: Inputs, settings: Settings) -> list[Measured]:
    """Part a (page and single child through the three servers, and their ratios), b and c."""
    officer = {"Authorization": f"Bearer {given.officer}"}
    oversight = {"Authorization": f"Bearer {given.oversight}"}
    queries = {
        "page": ([body(PAGE, "Page")], [body(PGL_PAGE, "Page")]),
        "child": (
            [body(SINGLE, "Child", {"aNumber": a}) for a in given.a_numbers],
            [body(PGL_SINGLE, "Child", {"aNumber": a}) for a in given.a_numbers],
        ),
    }
    found: dict[tuple[str, str], Measured] = {}
    references: dict[str, list[Any]] = {}
    for query, (bodies, _) in queries.items():
        async with casetrail(url, directory) as base:
            found[query, "casetrail"], references[query] = await measured(
                f"{query}, casetrail", base, bodies, officer, settings
            )
    for query in queries:
        label = f"{query}, PostGraphile 5"
        if make_url(url).get_backend_name() != "postgresql":
            found[query, "postgraphile"] = not_measured(label, "n/a: PostgreSQL only")
        elif settings.tools is None:
            found[query, "postgraphile"] = not_measured(label, f"skipped: {settings.tools_note}")
    if settings.tools is not None and ("page", "postgraphile") not in found:
        async with postgraphile(url, settings.tools, directory) as base:
            for query, (_, bodies) in queries.items():
                found[query, "postgraphile"], _answers = await measured(
                    f"{query}, PostGraphile 5", base, bodies, officer, settings
                )
    async with floor(url, directory) as base:
        for query, (bodies, _) in queries.items():
            row, answers = await measured(f"{query}, SQL floor", base, bodies, officer, settings)
            row.note = compare(answers, references[query])
            row.failed = row.failed or "differs" in row.note
            found[query, "floor"] = row

    rows: list[Measured] = []
    for query in queries:
        ours = found[query, "casetrail"]
        group = [ours, found[query, "postgraphile"], found[query, "floor"]]
        for other, name in (("postgraphile", "PostGraphile 5"), ("floor", "SQL floor")):
            group.append(ratio(f"{query}, casetrail vs {name}", ours, found[query, other]))
        for row in group:
            row.section = SECTIONS[query]
        rows += group

    filtered = [body(FILTERED, "Missing")]
    search = [body(SEARCH, "Search", {"search": name}) for name in given.surnames]
    year = {"from": f"{given.year}-01-01", "to": f"{given.year}-12-31"}
    report = [body(REPORT, "Report", year)], [body(REPORT, "Report")]
    for section, label, bodies, headers in (
        ("filter", "children: failed to appear, location UNKNOWN", filtered, officer),
        ("filter", f"children: name search, {len(search)} surnames in turn", search, officer),
        ("report", f"oversightReport, {given.year}", report[0], oversight),
        ("report", "oversightReport, all time", report[1], oversight),
    ):
        async with casetrail(url, directory) as base:
            row, _answers = await measured(
                label, base, bodies, headers, settings, children=section == "filter"
            )
        row.section = SECTIONS[section]
        rows.append(row)
    return rows


def ratio(label: str, ours: Measured, theirs: Measured) -> Measured:
    """casetrail's requests a second as a share of the other's, its latencies as multiples."""
    if ours.load is None or theirs.load is None or not theirs.load.rate:
        return not_measured(label, "n/a")
    return Measured(
        label,
        rate=ours.load.rate / theirs.load.rate,
        p50=ours.load.p50 / theirs.load.p50,
        p95=ours.load.p95 / theirs.load.p95,
        unit="x",
        note="casetrail's ÷ the other's",
    )


# ---------------------------------------------------------------------------------------------
# d. Writes and verification


async def candidates(engine: AsyncEngine, points: int) -> list[tuple[uuid.UUID, datetime]]:
    """Released children with a current address among `points` spread over the population,
    each with the first day after every dated record that constrains a new address or contact
    attempt."""
    latest_event = (
        select(func.max(CustodyEvent.occurred_at))
        .where(col(CustodyEvent.child_id) == col(Child.id))
        .scalar_subquery()
    )
    latest_attempt = (
        select(func.max(ContactAttempt.attempted_at))
        .where(col(ContactAttempt.child_id) == col(Child.id))
        .scalar_subquery()
    )
    statement = (
        select(
            col(Child.id),
            col(Address.effective_from),
            col(Address.verified_at),
            latest_event.label("latest_event"),
            latest_attempt.label("latest_attempt"),
        )
        .join(
            Address,
            and_(col(Address.child_id) == col(Child.id), col(Address.effective_to).is_(None)),
        )
        .where(
            col(Child.custody_status) == CustodyStatus.RELEASED_TO_SPONSOR,
            col(Child.a_number).in_(await spread(engine, points, SEED + 2)),
        )
        .order_by(col(Child.a_number))
    )
    found = []
    async with engine.connect() as connection:
        for row in (await connection.execute(statement)).all():
            moments = [datetime.combine(row.effective_from, clock_time(), tzinfo=UTC)]
            moments += [m for m in (row.verified_at, row.latest_event, row.latest_attempt) if m]
            latest = max(m if m.tzinfo else m.replace(tzinfo=UTC) for m in moments)
            start = datetime.combine(latest.date() + timedelta(days=1), clock_time(), tzinfo=UTC)
            found.append((row.id, start))
    return found


def cases_for(found: list[tuple[uuid.UUID, datetime]], per_client: int) -> list[Case]:
    """As many children for each client as leave room (up to CASES_PER_CLIENT), so that each
    child's mutations, a day apart, all fall before today; none when fewer than one each."""
    for each in range(CASES_PER_CLIENT, 0, -1):
        days = math.ceil((per_client + len(CYCLE)) / each) + 2
        last_start = datetime.now(UTC) - timedelta(days=days)
        starts = [(child, start) for child, start in found if start <= last_start]
        if len(starts) >= CLIENTS * each:
            return [
                Case(
                    global_id=encode("Child", child),
                    released_at=start,
                    street=STREETS[index % len(STREETS)],
                    postal_code=f"{77001 + index % 90:05d}",
                )
                for index, (child, start) in enumerate(starts[: CLIENTS * each])
            ]
    return []


async def writes(url: str, directory: Path, wanted: int, servers: int) -> list[Measured]:
    """bench.history's 8 clients and mutation cycle on children of the population, then the
    whole history verified."""
    per_client = math.ceil(wanted / CLIENTS / len(CYCLE)) * len(CYCLE)
    result = Throughput(servers=servers, mutations=per_client * CLIENTS)
    label = f"audited mutations, {CLIENTS} clients, {servers} uvicorn process(es)"
    engine = create_engine(url)
    try:
        found = await candidates(engine, CLIENTS * CASES_PER_CLIENT * 20)
        cases = cases_for(found, per_client)
        if not cases:
            mutated = not_measured(
                label,
                f"skipped: too few released children with an address and room for "
                f"{per_client + len(CYCLE)} mutations a day apart before today",
            )
        else:
            progress.log(label)
            mutated = await _mutate(label, url, engine, directory, result, cases, per_client)
        progress.log("verify_database")
        started = time.perf_counter()
        report = await verify_database(engine)
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    if report.valid:
        verdict = "valid"
    else:
        where = report.first_invalid_sequence
        verdict = (
            f"[red]INVALID[/red]: {len(report.drifted):,} records differ from their history"
            + (f", first invalid sequence {where}" if where is not None else "")
        )
    verified = Measured(
        "verify_database: chain and replay of every record",
        rate=report.event_count / seconds if seconds else 0.0,
        unit="events/s",
        note=f"{report.event_count:,} events in {seconds:.1f} s; {verdict}",
        failed=not report.valid,
    )
    mutated.section = verified.section = SECTIONS["writes"]
    return [mutated, verified]


async def _mutate(
    label: str,
    url: str,
    engine: AsyncEngine,
    directory: Path,
    result: Throughput,
    cases: list[Case],
    per_client: int,
) -> Measured:
    key = directory / "signing-key.pem"
    if not key.exists():
        generate_key(key)
    token = await token_for(engine, Role.OFFICER)
    with (directory / "casetrail.log").open("ab") as log:
        async with server_processes(url, result.servers, key, log) as (bases, processes):
            try:
                await _drive(result, token, cases, bases, processes, per_client, engine)
            except RuntimeError as error:  # a mutation answered with an error
                return Measured(label, note=f"[red]failed[/red]: {error}", failed=True)
    grew = await event_count(engine) - result.events_before
    ok = grew == result.expected_events
    return Measured(
        label,
        rate=result.mutations / result.seconds,
        unit="mutations/s",
        p50=statistics.median(result.latencies),
        p95=statistics.quantiles(result.latencies, n=100, method="inclusive")[94],
        note=(
            f"{result.mutations:,} in {result.seconds:.1f} s; events appended / expected "
            f"{grew:,} / {result.expected_events:,}" + ("" if ok else " [red]MISMATCH[/red]")
        ),
        failed=not ok,
    )


# ---------------------------------------------------------------------------------------------
# The table


def ms(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds * 1000:,.1f} ms"


def cells(row: Measured) -> tuple[str, str, str, str]:
    """requests (or other units) a second, p50, p95, detail."""
    if row.load is not None:
        load = row.load
        detail = f"{row.fields:,} fields"
        if row.children is not None:
            detail += f", {row.children:,.1f} children an answer"
        detail += f"; {load.answered:,} answers in {load.seconds:.1f} s"
        if load.failed:
            detail += f"; [red]{load.failed:,} FAILED[/red]"
        if row.note:
            detail += f"; {row.note}"
        return f"{load.rate:,.1f} req/s", ms(load.p50), ms(load.p95), detail
    if row.rate is None:
        return "n/a" if row.note.startswith("n/a") else "-", "", "", row.note
    if row.unit == "x":
        return (f"{row.rate:.2f}x", f"{row.p50:.2f}x", f"{row.p95:.2f}x", row.note)
    return f"{row.rate:,.1f} {row.unit}", ms(row.p50), ms(row.p95), row.note


@dataclass
class Run:
    database: str
    children: int
    population: str
    seeding: float | None
    settings: Settings
    rows: list[Measured] = field(default_factory=list)
    seconds: float = 0.0


def render(run: Run) -> Table:
    settings = run.settings
    load = os.getloadavg()
    generator = next((row.load.generator for row in run.rows if row.load), "none")
    seeded = (
        f"seeded by {run.population} in {run.seeding:.0f} s"
        if run.seeding is not None
        else "an existing database (--reuse-database)"
    )
    measuring = run.seconds - (run.seeding or 0.0)
    if run.database != "postgresql":
        pgl = "no PostGraphile on SQLite"
    elif settings.tools is None:
        pgl = f"PostGraphile not run: {settings.tools_note}"
    else:
        version = package_version(settings.tools, "postgraphile")
        pgl = f"PostGraphile {version} on {settings.tools_note}"
    table = Table(
        title=f"casetrail at scale — {run.children:,} children, {run.database}",
        caption=(
            f"{os.cpu_count()} CPUs, load average {load[0]:.2f} at the end; Python "
            f"{sys.version.split()[0]}; {seeded}; measured in {measuring:.0f} s. Reads: "
            f"{settings.connections} connections from {generator}, {settings.duration:g} s "
            f"each after {settings.warmup:g} s of warm-up; p50/p95 of every answer. Each server "
            f"is one process (casetrail: uvicorn, production settings, no rate limit; "
            f"{pgl}); the database runs beside them on the same CPUs. PAGE and SINGLE CHILD "
            "ask for 8 fields of each child and its sponsor (5), addresses (9), notices (6) and "
            "hearings (5); the floor answers with one SQL statement."
        ),
    )
    table.add_column("measure")
    table.add_column("per second", justify="right")
    table.add_column("p50", justify="right")
    table.add_column("p95", justify="right")
    table.add_column("detail")
    section = None
    for row in run.rows:
        if row.section != section:
            if section is not None:
                table.add_section()
            table.add_row(f"[bold]{row.section}[/bold]", "", "", "", "")
            section = row.section
        table.add_row(row.label, *cells(row))
    return table


# ---------------------------------------------------------------------------------------------


async def measure_database(
    url: str, directory: Path, settings: Settings, servers: int
) -> list[Measured]:
    given = await inputs(url)
    rows = await reads(url, directory, given, settings)
    wanted = max(CLIENTS * len(CYCLE), round(MUTATIONS_PER_SECOND * settings.duration))
    return rows + await writes(url, directory, wanted, servers)


async def run(arguments: argparse.Namespace) -> Run:
    started = time.perf_counter()
    tools, tools_note = node_tools()
    if tools is None:
        progress.log(f"PostGraphile rows skipped and load from httpx: {tools_note}")
    settings = Settings(
        connections=arguments.connections,
        warmup=min(max(1.0, arguments.duration / 5), 5.0),
        duration=arguments.duration,
        tools=tools,
        tools_note=tools_note,
    )
    if arguments.reuse_database:
        url = async_database_url(arguments.reuse_database)
        database = "postgresql" if make_url(url).get_backend_name() == "postgresql" else "sqlite"
        servers = arguments.servers or (2 if database == "postgresql" else 1)
        await ensure_database(url)
        children = await children_in(url)
        population, seeding = "", None
        if children == 0:
            progress.log(f"seeding {arguments.children:,} children into the reused database")
            began = time.perf_counter()
            population = await seed(url, arguments.children)
            seeding = time.perf_counter() - began
            children = await children_in(url)
        elif children != arguments.children:
            progress.log(f"the database holds {children:,} children; measuring those")
        with tempfile.TemporaryDirectory(prefix="casetrail-bench-") as directory:
            rows = await measure_database(url, Path(directory), settings, servers)
    else:
        database = arguments.database
        servers = arguments.servers or (2 if database == "postgresql" else 1)
        server_url = arguments.postgres_url if database == "postgresql" else ""
        async with scratch_databases(database, server_url) as scratch:
            url = await scratch.create("scale")
            progress.log(f"seeding {arguments.children:,} children")
            began = time.perf_counter()
            population = await seed(url, arguments.children)
            seeding = time.perf_counter() - began
            children = await children_in(url)
            rows = await measure_database(url, scratch.directory, settings, servers)
    result = Run(database, children, population, seeding, settings, rows)
    result.seconds = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--children", type=int, default=20_000, help="children to seed")
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds each load measurement runs"
    )
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument(
        "--servers",
        type=int,
        default=0,
        help="uvicorn processes for the mutations (default: 2 on PostgreSQL, 1 on SQLite)",
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="a PostgreSQL server to create (and drop) the scratch database on",
    )
    parser.add_argument(
        "--reuse-database",
        metavar="URL",
        help="measure this database as it is (seeding it first when it holds no children)",
    )
    arguments = parser.parse_args()
    if arguments.children < 1 or arguments.duration <= 0 or arguments.connections < 1:
        parser.error("--children, --duration and --connections must be positive")
    result = asyncio.run(run(arguments))
    console = Console()
    if not console.is_terminal:
        console = Console(width=180)
    console.print(render(result))


if __name__ == "__main__":
    main()
