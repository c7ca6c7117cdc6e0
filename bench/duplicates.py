"""Possible duplicates at the scale of the problem: how long they take to find, how often they
warn of distinct children, and whether they find a child entered again misspelt.

    python -m bench.duplicates [--database sqlite|postgresql] [--children N] [--pages N]
                               [--postgres-url URL]

Seeds a synthetic population (`resolvers.population`, as `casetrail seed` does: Faker's
Spanish-language names, birth dates over 17 years) into a scratch database, then times
`Child.possibleDuplicates` for pages of 100 children drawn at random, and the intake warning
for new records that are existing children entered again with a typing mistake: a letter of the
first name changed, the surname's accent dropped, or the A-number's last two digits swapped.
The seeded children are all distinct, so every warning on them is a false alarm (or two
children Faker gave the same name and birth date). Prints one table.
"""

import argparse
import asyncio
import random
import statistics
import time
from dataclasses import replace

from rich.console import Console
from rich.table import Table
from sqlmodel import col, select

from bench.history import DEFAULT_POSTGRES_URL, scratch_databases
from models import Child
from models.db import create_engine, session_factory
from resolvers import duplicates
from resolvers.duplicates import Identity
from resolvers.population import seed_population

PAGE = 100
SEED = 2024
console = Console()


def misspelt(child: Identity, chance: random.Random) -> tuple[Identity, str]:
    """The child entered again with one typing mistake, and which."""
    mistake = chance.choice(("letter", "accent", "digits"))
    if mistake == "letter" and len(child.first_name) > 3:
        at = chance.randrange(1, len(child.first_name) - 1)
        other = "e" if child.first_name[at] != "e" else "a"
        first = child.first_name[:at] + other + child.first_name[at + 1 :]
        return replace(child, id=None, first_name=first, a_number="000000000"), "a letter"
    if mistake == "digits" and child.a_number[-1] != child.a_number[-2]:
        number = child.a_number[:-2] + child.a_number[-1] + child.a_number[-2]
        return replace(child, id=None, a_number=number), "A-number digits swapped"
    plain = child.last_name.translate(str.maketrans("áéíóúÁÉÍÓÚñÑ", "aeiouAEIOUnN")).upper()
    return replace(child, id=None, last_name=plain, a_number="000000000"), "accents, capitals"


async def run(database: str, children: int, pages: int, postgres_url: str) -> None:
    chance = random.Random(SEED)
    async with scratch_databases(database, postgres_url) as scratch:
        url = await scratch.create("duplicates")
        engine = create_engine(url)
        try:
            started = time.perf_counter()
            with console.status(f"seeding {children:,} children…"):
                await seed_population(session_factory(engine, writer=True), children, seed=SEED)
            console.log(f"seeded {children:,} children in {time.perf_counter() - started:.0f} s")
            sessions = session_factory(engine)
            async with sessions() as session:
                ids = list((await session.exec(select(col(Child.id)))).all())
            page_ms: list[float] = []
            warned = 0
            for _ in range(pages):
                page = chance.sample(ids, PAGE)
                async with sessions() as session:
                    began = time.perf_counter()
                    found = await duplicates.of_children(session, page)
                    page_ms.append((time.perf_counter() - began) * 1000)
                warned += sum(1 for matches in found.values() if matches)
            intake_ms: list[float] = []
            recalled: dict[str, list[bool]] = {}
            for child_id in chance.sample(ids, pages * 5):
                async with sessions() as session:
                    rows = await session.exec(select(Child).where(col(Child.id) == child_id))
                    row = rows.one()
                    original = Identity(
                        row.id, row.a_number, row.first_name, row.last_name, row.date_of_birth
                    )
                    typed, mistake = misspelt(original, chance)
                    began = time.perf_counter()
                    (matches,) = await duplicates.find(session, [typed])
                    intake_ms.append((time.perf_counter() - began) * 1000)
                recalled.setdefault(mistake, []).append(
                    any(m.child_id == original.id for m in matches)
                )
        finally:
            await engine.dispose()

    table = Table(title=f"Possible duplicates, {database}, {children:,} children")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row(
        f"possibleDuplicates, page of {PAGE}: median", f"{statistics.median(page_ms):.1f} ms"
    )
    table.add_row(f"possibleDuplicates, page of {PAGE}: max", f"{max(page_ms):.1f} ms")
    table.add_row(
        "intake warning (one new record): median", f"{statistics.median(intake_ms):.1f} ms"
    )
    table.add_row(
        "seeded (distinct) children warned of",
        f"{warned} of {pages * PAGE} ({100 * warned / (pages * PAGE):.2f} %)",
    )
    for mistake, hits in sorted(recalled.items()):
        table.add_row(f"re-entered with {mistake}: found", f"{sum(hits)} of {len(hits)}")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    args = parser.parse_args()
    asyncio.run(run(args.database, args.children, args.pages, args.postgres_url))


if __name__ == "__main__":
    main()
