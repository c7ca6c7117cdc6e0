"""How fast a court docket imports, with every change audited: rows per second for a docket of
new hearings, for the same docket again (nothing to change), and for a docket that records an
outcome on every hearing.

    python -m bench.docket --database sqlite|postgresql [--rows N] [--children N]

The path measured is `casetrail import-docket`'s own: parse the CSV, then apply it in batches
through the history capture and the alert rules. Every input is synthetic and fixed by a seed;
the database is a scratch copy removed after the run. Prints one table.
"""

import argparse
import asyncio
import io
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from audit.tables import AuditEvent
from audit.verify import verify_database
from bench.history import DEFAULT_POSTGRES_URL, scratch_databases
from models import Child
from models.db import create_engine, session_factory
from models.enums import CustodyStatus, LocationStatus, Role
from resolvers import docket
from resolvers.unit import Actor, open_unit

SEED = 2024
TARGET = 2_000  # rows per second, SQLite
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
COURTS = ("HOU", "SNA", "NYC", "LOS", "MIA", "CHI")
SETUP = Actor(name="bench-setup", role=Role.OFFICER)


@dataclass
class Pass:
    name: str
    rows: int
    seconds: float
    created: int
    updated: int
    unchanged: int
    rejected: int
    events: int

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


def _insert_children(session: Session, rows: list[dict[str, object]]) -> None:
    session.execute(insert(Child), rows)


async def make_children(url: str, count: int, chance: random.Random) -> list[str]:
    """Children released to sponsors, written by ORM bulk insert (captured row by row)."""
    engine = create_engine(url)
    numbers = [f"{300_000_000 + n:09d}" for n in range(count)]
    rows: list[dict[str, object]] = [
        {
            "id": uuid.UUID(int=chance.getrandbits(128), version=4),
            "a_number": number,
            "first_name": "Bench",
            "last_name": "Child",
            "first_name_key": "bench",
            "last_name_key": "child",
            "date_of_birth": date(2012, 1, 1),
            "country_of_birth": "GT",
            "custody_status": CustodyStatus.RELEASED_TO_SPONSOR,
            "location_status": LocationStatus.UNKNOWN,
            "version": 1,
        }
        for number in numbers
    ]
    try:
        sessions = session_factory(engine, writer=True)
        async with open_unit(sessions, SETUP, "bench setup", clock=lambda: NOW) as unit:
            await unit.session.run_sync(_insert_children, rows)
    finally:
        await engine.dispose()
    return numbers


def docket_csv(
    numbers: list[str], rows: int, chance: random.Random, status: str = ""
) -> tuple[str, list[tuple[str, str, str]]]:
    """A CSV of `rows` hearings spread over the children, all in the past; returns the text and
    the keys."""
    out = io.StringIO()
    out.write(",".join(docket.FIELDS) + "\n")
    keys = []
    for n in range(rows):
        number = numbers[n % len(numbers)]
        court = chance.choice(COURTS)
        when = (NOW - timedelta(days=1 + n // len(numbers), minutes=n % 600)).isoformat()
        keys.append((number, court, when))
    for number, court, when in keys:
        absentia = "true" if status == "FAILED_TO_APPEAR" else ""
        out.write(f"{number},{court},MASTER_CALENDAR,{when},{status},{absentia}\n")
    return out.getvalue(), keys


def rewrite(keys: list[tuple[str, str, str]], chance: random.Random) -> str:
    """The same hearings, each now with an outcome."""
    out = io.StringIO()
    out.write(",".join(docket.FIELDS) + "\n")
    for number, court, when in keys:
        status = chance.choice(["APPEARED", "APPEARED", "APPEARED", "FAILED_TO_APPEAR"])
        out.write(f"{number},{court},MASTER_CALENDAR,{when},{status},\n")
    return out.getvalue()


async def event_count(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int(
                (
                    await connection.execute(select(func.count()).select_from(AuditEvent))
                ).scalar_one()
            )
    finally:
        await engine.dispose()


async def timed_import(url: str, name: str, text: str) -> Pass:
    engine = create_engine(url)
    before = await event_count(url)
    try:
        sessions = session_factory(engine, writer=True)
        started = time.perf_counter()
        rows = list(docket.parse(docket.read_csv(text), NOW))
        result = await docket.import_docket(
            sessions, docket.DOCKET_IMPORTER, rows, clock=lambda: NOW
        )
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    return Pass(
        name,
        result.rows,
        seconds,
        result.created,
        result.updated,
        result.unchanged,
        len(result.rejected),
        await event_count(url) - before,
    )


async def run(arguments: argparse.Namespace) -> None:
    chance = random.Random(SEED)
    server = arguments.postgres_url if arguments.database == "postgresql" else ""
    async with scratch_databases(arguments.database, server) as scratch:
        url = await scratch.create("docket")
        numbers = await make_children(url, arguments.children, chance)
        text, keys = docket_csv(numbers, arguments.rows, chance)
        passes = [
            await timed_import(url, "new hearings", text),
            await timed_import(url, "the same docket again", text),
            await timed_import(url, "an outcome on every hearing", rewrite(keys, chance)),
        ]
        engine = create_engine(url)
        try:
            report = await verify_database(engine)
        finally:
            await engine.dispose()
    table = Table(
        title=f"casetrail docket import — {arguments.database}",
        caption=(
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end; Python "
            f"{sys.version.split()[0]}; {arguments.children:,} children; batches of "
            f"{docket.BATCH_ROWS}; seed {SEED}. History afterwards: "
            f"{'valid' if report.valid else 'INVALID'}, {report.event_count:,} events."
        ),
    )
    for column in ("pass", "rows/s", "seconds", "created", "updated", "unchanged", "events"):
        table.add_column(column, justify="right" if column != "pass" else "left")
    for one in passes:
        table.add_row(
            one.name,
            f"{one.rate:,.0f}",
            f"{one.seconds:.2f}",
            f"{one.created:,}",
            f"{one.updated:,}",
            f"{one.unchanged:,}",
            f"{one.events:,}",
        )
    first = passes[0]
    table.add_section()
    table.add_row(
        f"target ≥ {TARGET:,} rows/s (new hearings)",
        "ok" if first.rate >= TARGET else "MISSED",
    )
    Console(width=120).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.docket", description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--children", type=int, default=5_000)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
