"""The oversight report and the alert sweep on 448,000 children, on PostgreSQL.

    python -m bench.oversight [--children N] [--runs N] [--postgres-url URL]

The children (with sponsors, custody events, current addresses, notices, hearings, counsel and
the alerts their records call for) are made by SQL in the scratch database itself: a generator
for this benchmark only, which writes no history, since what is measured here is reading and
sweeping (the changes made between sweeps go through the resolvers, history and all). The
report is timed as `oversightReport` runs it (all time, a date window, a court). The sweep is
timed over every child (the first sweep, and `sweep --full`), then as the server's periodic
sweep runs it after an earlier one: five minutes later with nothing changed, a day later, and
after some children's cases changed through the resolvers. Prints one table of medians.
"""

import argparse
import asyncio
import hashlib
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, literal, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.history import DEFAULT_POSTGRES_URL, scratch_databases
from models import Alert, Child
from models.db import create_engine, session_factory
from models.enums import AlertStatus, ContactMethod, ContactOutcome, Role
from resolvers.alert_rules import RULES, AlertThresholds, Moments
from resolvers.alerts import SweepResult, sweep_now
from resolvers.case_summary import write_summaries
from resolvers.contact import record_contact_attempt
from resolvers.oversight import OversightReport, oversight_report
from resolvers.unit import Actor, open_unit

# oversight_report's keyword arguments: start, end, court.
Window = dict[str, Any]
CHILDREN = 448_000
TARGET_SECONDS = 1.0
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)

# Every child apprehended within five years before NOW; 1 in 20 still in DHS custody, 1 in 20
# in HHS care, the rest released a month after apprehension, each to a sponsor of its own.
# Hearings for 4 in 10: in the past, or (1 in 10) scheduled over the next 90 days; counsel for
# 2 in 3.
GENERATE = [
    """INSERT INTO sponsor (id, first_name, last_name, relationship, phone)
       SELECT md5('s' || g)::uuid, 'Sponsor', 'Bench', 'PARENT', NULL
       FROM generate_series(1, :n) g WHERE g % 20 > 1""",
    """INSERT INTO child (id, a_number, first_name, last_name, first_name_key, last_name_key,
                          date_of_birth, country_of_birth, custody_status, location_status,
                          version, sponsor_id)
       SELECT md5('c' || g)::uuid, lpad((300000000 + g)::text, 9, '0'), 'Bench', 'Child',
              'bench', 'child', date '2009-01-01' + (g % 2500), 'GT',
              CASE g % 20 WHEN 0 THEN 'IN_DHS_CUSTODY' WHEN 1 THEN 'IN_HHS_CUSTODY'
                          ELSE 'RELEASED_TO_SPONSOR' END,
              CASE WHEN g % 20 < 2 THEN 'VERIFIED' WHEN g % 37 = 0 THEN 'UNKNOWN'
                   WHEN g % 3 = 0 THEN 'VERIFIED' ELSE 'UNVERIFIED' END,
              1, CASE WHEN g % 20 > 1 THEN md5('s' || g)::uuid END
       FROM generate_series(1, :n) g""",
    """INSERT INTO custody_event (id, child_id, kind, occurred_at)
       SELECT md5('a' || g)::uuid, md5('c' || g)::uuid, 'APPREHENDED',
              CAST(:now AS timestamptz) - make_interval(days => 35 + g % 1800, hours => g % 24)
       FROM generate_series(1, :n) g""",
    """INSERT INTO custody_event (id, child_id, kind, occurred_at)
       SELECT md5('t' || g)::uuid, md5('c' || g)::uuid, 'TRANSFERRED_TO_HHS',
              CAST(:now AS timestamptz) - make_interval(days => 33 + g % 1800, hours => g % 24)
       FROM generate_series(1, :n) g WHERE g % 20 <> 0""",
    """INSERT INTO custody_event (id, child_id, kind, occurred_at, sponsor_id)
       SELECT md5('r' || g)::uuid, md5('c' || g)::uuid, 'RELEASED_TO_SPONSOR',
              CAST(:now AS timestamptz) - make_interval(days => 3 + g % 1800, hours => g % 24), md5('s' || g)::uuid
       FROM generate_series(1, :n) g WHERE g % 20 > 1""",
    """INSERT INTO address (id, child_id, line1, line2, city, state, postal_code, street_key,
                            address_key, effective_from, effective_to, source, verification,
                            verified_at, undeliverable)
       SELECT md5('d' || g)::uuid, md5('c' || g)::uuid, (100 + g % 9000) || ' MAIN ST',
              CASE WHEN g % 7 = 0 THEN 'APT ' || (g % 40) END, 'HOUSTON', 'TX',
              lpad((77000 + g % 900)::text, 5, '0'),
              (100 + g % 9000) || ' MAIN ST|HOUSTON|TX|' || lpad((77000 + g % 900)::text, 5, '0'),
              (100 + g % 9000) || ' MAIN ST|' || coalesce('APT ' || (g % 40), '') || '|HOUSTON|TX|'
                || lpad((77000 + g % 900)::text, 5, '0') || '|' || g,
              (CAST(:now AS timestamptz) - make_interval(days => 3 + g % 1800))::date, NULL, 'HHS_RECORD',
              CASE WHEN g % 3 = 0 THEN 'VERIFIED' ELSE 'UNVERIFIED' END,
              CASE WHEN g % 3 = 0 THEN CAST(:now AS timestamptz) - make_interval(days => 1 + g % 3) END,
              g % 500 = 0
       FROM generate_series(1, :n) g WHERE g % 20 > 1""",
    """INSERT INTO notice (id, child_id, status, issued_on, served_on, service_method, filed_on,
                           court)
       SELECT md5('n' || g)::uuid, md5('c' || g)::uuid,
              CASE WHEN g % 10 < 4 THEN 'FILED' WHEN g % 10 < 6 THEN 'SERVED' ELSE 'ISSUED' END,
              (CAST(:now AS timestamptz) - make_interval(days => 34 + g % 1800))::date,
              CASE WHEN g % 10 < 6 THEN (CAST(:now AS timestamptz) - make_interval(days => 30 + g % 1800))::date END,
              CASE WHEN g % 10 < 6 THEN 'MAIL' END,
              CASE WHEN g % 10 < 4 THEN (CAST(:now AS timestamptz) - make_interval(days => 25 + g % 1800))::date END,
              (ARRAY['HOU', 'SNA', 'NYC', 'LOS', 'MIA', 'CHI'])[1 + g % 6]
       FROM generate_series(1, :n) g WHERE g % 10 < 8""",
    """INSERT INTO hearing (id, child_id, court, type, scheduled_for, status, in_absentia_order)
       SELECT md5('h' || g)::uuid, md5('c' || g)::uuid,
              (ARRAY['HOU', 'SNA', 'NYC', 'LOS', 'MIA', 'CHI'])[1 + g % 6], 'MASTER_CALENDAR',
              CASE WHEN g % 10 = 0 THEN CAST(:now AS timestamptz) + make_interval(days => 1 + (g / 10) % 90)
                   ELSE CAST(:now AS timestamptz) - make_interval(days => 1 + g % 1700) END,
              CASE WHEN g % 10 = 0 THEN 'SCHEDULED' WHEN g % 13 = 0 THEN 'FAILED_TO_APPEAR'
                   WHEN g % 10 = 1 THEN 'CONTINUED' ELSE 'APPEARED' END,
              g % 13 = 0 AND g % 10 <> 0 AND g % 2 = 0
       FROM generate_series(1, :n) g WHERE g % 10 < 4""",
    """INSERT INTO representation (id, child_id, attorney_name, organization, entered_on)
       SELECT md5('p' || g)::uuid, md5('c' || g)::uuid, 'Counsel Bench', 'Legal Aid',
              (CAST(:now AS timestamptz) - make_interval(days => 20 + g % 1700))::date
       FROM generate_series(1, :n) g WHERE g % 3 <> 0""",
]


async def generate(url: str, children: int) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in GENERATE:
                await connection.execute(text(statement), {"n": children, "now": NOW})
            await write_summaries(connection)  # as the operations would have kept them
            await connection.execute(text("ANALYZE"))
            # The alerts the records call for, as a first sweep would have raised them.
            limits = AlertThresholds()
            for rule in RULES:
                await connection.execute(
                    insert(Alert).from_select(
                        ["id", "child_id", "kind", "status", "raised_at", "detail"],
                        select(
                            func.gen_random_uuid(),
                            col(Child.id),
                            literal(rule.kind.value),
                            literal(AlertStatus.OPEN.value),
                            literal(NOW),
                            literal(rule.detail),
                        ).where(rule.holds(Moments.at(NOW, limits))),
                    )
                )
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


CHANGED_PER_ROUND = 200
OFFICER = Actor(name="bench-officer", role=Role.OFFICER)


def child_id(g: int) -> uuid.UUID:
    """The id the generator gives child number `g`."""
    return uuid.UUID(hashlib.md5(f"c{g}".encode(), usedforsecurity=False).hexdigest())


async def contact_attempts(
    writers: async_sessionmaker[AsyncSession], at: datetime, count: int, round_: int, children: int
) -> None:
    """`count` released children found at their address, each a mutation of its own, through
    the resolvers: audited changes for the next sweep to find."""
    released = (g for g in range(round_ * count + 2, children) if g % 20 > 1)
    for _, g in zip(range(count), released, strict=False):
        async with open_unit(writers, OFFICER, "recordContactAttempt", clock=lambda: at) as unit:
            await record_contact_attempt(
                unit,
                child_id=child_id(g),
                attempted_at=at - timedelta(minutes=1),
                method=ContactMethod.HOME_VISIT,
                outcome=ContactOutcome.LOCATED_AT_ADDRESS,
            )


def counted(outcome: SweepResult | None) -> str:
    if outcome is None:
        return "another process was sweeping"
    raised, resolved = sum(outcome.raised.values()), sum(outcome.resolved.values())
    scope = "every child" if outcome.examined is None else f"{outcome.examined:,} children"
    return f"{scope} evaluated; {raised:,} raised, {resolved:,} resolved"


async def median_seconds(runs: int, work: Callable[[], Awaitable[object]]) -> float:
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        took.append(time.perf_counter() - started)
    return statistics.median(took)


async def run(arguments: argparse.Namespace) -> None:
    async with scratch_databases("postgresql", arguments.postgres_url) as scratch:
        url = await scratch.create("oversight")
        started = time.perf_counter()
        await generate(url, arguments.children)
        generated = time.perf_counter() - started
        engine = create_engine(url)
        sessions = session_factory(engine)
        writers = session_factory(engine, writer=True)
        results: list[tuple[str, float, str]] = []
        try:

            async def report(window: Window) -> OversightReport:
                async with sessions() as session:
                    return await oversight_report(session, **window)

            async def swept(at: datetime, everyone: bool = False) -> SweepResult | None:
                return await sweep_now(writers, lambda: at, everyone=everyone)

            figures = await report({})
            windows: list[tuple[str, Window]] = [
                ("oversightReport, all time", {}),
                (
                    "oversightReport, releases in 2025",
                    {"start": date(2025, 1, 1), "end": date(2025, 12, 31)},
                ),
                ("oversightReport, court HOU", {"court": "HOU"}),
            ]
            for name, window in windows:
                seconds = await median_seconds(arguments.runs, partial(report, window))
                results.append((name, seconds, ""))
            seconds = await median_seconds(arguments.runs, lambda: swept(NOW, everyone=True))
            results.append(("sweep of every child (the first; `sweep --full`)", seconds, ""))
            # The server's periodic sweep: every five minutes, after one of every child.
            moments = iter(NOW + timedelta(minutes=5 * n) for n in range(1, arguments.runs + 1))
            seconds = await median_seconds(arguments.runs, lambda: swept(next(moments)))
            results.append(("sweep 5 minutes after the last, nothing changed", seconds, ""))
            later = NOW + timedelta(days=1)
            started = time.perf_counter()
            outcome = await swept(later)
            a_day = time.perf_counter() - started
            results.append(("sweep a day after the last", a_day, counted(outcome)))
            took = []
            for round_ in range(arguments.runs):
                at = later + timedelta(minutes=5 * (round_ + 1))
                await contact_attempts(writers, at, CHANGED_PER_ROUND, round_, arguments.children)
                started = time.perf_counter()
                outcome = await swept(at)
                took.append(time.perf_counter() - started)
            results.append(
                (
                    f"sweep after {CHANGED_PER_ROUND} children's cases changed",
                    statistics.median(took),
                    counted(outcome),
                )
            )
        finally:
            await engine.dispose()
    table = Table(
        title=f"casetrail oversight report and sweep — {arguments.children:,} children, PostgreSQL",
        caption=(
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end; Python "
            f"{sys.version.split()[0]}; generated in {generated:.0f} s; medians of "
            f"{arguments.runs} runs. Released cohort: {figures.released_to_sponsor:,}; "
            f"failed to appear: {figures.failed_to_appear:,}."
        ),
    )
    table.add_column("measure")
    table.add_column("seconds", justify="right")
    table.add_column(f"target < {TARGET_SECONDS:.0f} s")
    table.add_column("detail")
    for name, seconds, detail in results:
        table.add_row(
            name, f"{seconds:.3f}", "ok" if seconds < TARGET_SECONDS else "MISSED", detail
        )
    Console(width=120).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.oversight", description=__doc__)
    parser.add_argument("--children", type=int, default=CHILDREN)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
