"""A synthetic population at the scale of the real problem: hundreds of thousands of children
with sponsors, custody events, address histories, notices, hearings, counsel and contact
attempts, in the proportions the inspector general published.

The records are drawn from a seeded random generator in batches of a fixed size, each batch
from a generator of its own seeded by (seed, batch), so the same seed and the same clock give
the same records however the work is run. A batch is written in one transaction by ORM bulk
inserts, which the history captures as one insert event a record; each batch writes its
children's case summaries too. The alerts the records call for are raised afterwards by one
sweep of every child, as the server's sweep would raise them.

What the published figures fix, about: 7 % of children with a missed hearing, 65 % never
served a Notice to Appear, 7 % whose release address is blank (none recorded), undeliverable
or without its unit number, and 56 % of those who appeared represented; a few sponsors have
many unrelated children. The rest is plausible rather than published: most children are
released to a sponsor a month or two after apprehension; a few are still in custody, missing
from care, turned 18 or gone.
"""

import random
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import func, insert, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import (
    Address,
    Child,
    ContactAttempt,
    CustodyEvent,
    Hearing,
    Notice,
    Representation,
    Sponsor,
)
from models.base import utc_now, version_7_uuid
from models.db import for_bulk_writes, sample_statistics, settle_after_bulk_writes
from models.enums import (
    AddressSource,
    ContactMethod,
    ContactOutcome,
    CustodyEventKind,
    CustodyStatus,
    HearingStatus,
    HearingType,
    LocationStatus,
    NoticeStatus,
    ServiceMethod,
    SponsorRelationship,
    VerificationStatus,
)
from resolvers.addresses import NormalAddress
from resolvers.alerts import SweepResult, sweep_now
from resolvers.case_summary import write_summaries
from resolvers.children import location_status
from resolvers.errors import InvalidInput
from resolvers.seed import COUNTRIES, COURTS, FACILITIES, SEEDER
from resolvers.unit import Unit, open_unit
from resolvers.validation import name_key

# Children a batch (and a transaction) holds. Fixed, because it is part of what the seed
# determines: each batch draws from a generator of its own.
BATCH = 1000
KEYS_PER_BATCH = BATCH * 64  # more than a batch's records
# The children a "hub" sponsor takes in: a few sponsors with many unrelated children.
HUB_SHARE = 0.004
HUB_CHILDREN = 8
YEARS = 5
STREET_SUFFIXES = ("ST", "AVE", "RD", "BLVD", "DR", "LN", "CT", "WAY", "PL")
UNIT_DESIGNATORS = ("APT", "UNIT")
POOL = 2000  # names, streets and places drawn from Faker once, then picked from
# Of the children a notice was issued to: the share served (and filed), then the others.
SERVED = 0.38
NOTICED = 0.8
# A served child's chance of counsel before the first hearing, and an unrepresented child's
# of missing a hearing held.
REPRESENTED = 0.42
MISSED = 0.36
AREA_CODES = ("202", "212", "213", "305", "312", "404", "415", "469", "512", "713", "718", "832")


@dataclass
class PopulationResult:
    children: int = 0
    records: int = 0  # every audited row written, the children included
    sweep: SweepResult | None = None


@dataclass
class Rows:
    """One batch's rows, by table, in the order they are inserted (parents first)."""

    sponsors: list[dict[str, Any]] = field(default_factory=list)
    children: list[dict[str, Any]] = field(default_factory=list)
    custody_events: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    hearings: list[dict[str, Any]] = field(default_factory=list)
    representations: list[dict[str, Any]] = field(default_factory=list)
    contact_attempts: list[dict[str, Any]] = field(default_factory=list)

    def by_table(self) -> Iterator[tuple[type, list[dict[str, Any]]]]:
        yield Sponsor, self.sponsors
        yield Child, self.children
        yield CustodyEvent, self.custody_events
        yield Address, self.addresses
        yield Notice, self.notices
        yield Hearing, self.hearings
        yield Representation, self.representations
        yield ContactAttempt, self.contact_attempts

    @property
    def count(self) -> int:
        return sum(len(rows) for _, rows in self.by_table())


@dataclass(frozen=True)
class Pools:
    """What Faker makes slowly, made once: names, streets and places, in USPS normal form."""

    first_names: list[str]
    last_names: list[str]
    sponsor_first_names: list[str]
    attorneys: list[str]
    streets: list[str]
    places: list[tuple[str, str, str]]  # city, state, ZIP

    @classmethod
    def drawn(cls, seed: int) -> "Pools":
        spanish = Faker(["es_MX"])
        english = Faker(["en_US"])
        spanish.seed_instance(seed)
        english.seed_instance(seed)
        words = [w.upper() for w in (english.last_name() for _ in range(POOL)) if w.isalpha()]
        return cls(
            first_names=[spanish.first_name() for _ in range(POOL)],
            last_names=[spanish.last_name() for _ in range(POOL)],
            sponsor_first_names=[spanish.first_name() for _ in range(POOL)],
            attorneys=[english.name() for _ in range(POOL // 10)],
            streets=[f"{word} {english.random_element(STREET_SUFFIXES)}" for word in words],
            places=[
                (
                    english.city().upper(),
                    english.state_abbr(
                        include_territories=False, include_freely_associated_states=False
                    ),
                    english.postcode()[:5],
                )
                for _ in range(POOL)
            ],
        )


class Population:
    """Draws the records of batch after batch of children as of `now`."""

    def __init__(self, seed: int, now: datetime, children: int) -> None:
        if children < 1:
            raise InvalidInput("Seed at least one child.", ["children"])
        self.seed = seed
        self.now = now
        self.total = children
        self.pools = Pools.drawn(seed)
        # Keys are numbered in the order the records are drawn (see `_uuid`); the shared
        # records first, then each batch from its own block of numbers.
        self._first_key = int(now.timestamp() * 1000) - (self.batches + 1) * KEYS_PER_BATCH
        self._next_key = self._first_key
        chance = random.Random(f"{seed}:numbers")
        # Distinct A-numbers, drawn without replacement.
        self.a_numbers = chance.sample(range(200_000_000, 300_000_000), children)
        # Sponsors with many unrelated children, each at one apartment of their own; and
        # buildings whose apartments house many children, some recorded without the unit.
        hubs = max(1, round(children * HUB_SHARE / HUB_CHILDREN))
        self.hubs = [self._sponsor(chance) for _ in range(hubs)]
        self.hub_homes = [self._address(chance, unit=True) for _ in range(hubs)]
        self.buildings = [self._address(chance, unit=False) for _ in range(max(1, children // 60))]

    @property
    def batches(self) -> int:
        return (self.total + BATCH - 1) // BATCH

    def hub_rows(self) -> list[dict[str, Any]]:
        return list(self.hubs)

    def batch(self, number: int) -> Rows:
        """The rows of the children numbered BATCH * number onwards (at most BATCH)."""
        chance = random.Random(f"{self.seed}:batch:{number}")
        self._next_key = self._first_key + (number + 1) * KEYS_PER_BATCH
        rows = Rows()
        first = number * BATCH
        for index in range(first, min(first + BATCH, self.total)):
            self._child(chance, rows, self.a_numbers[index])
        return rows

    # ------------------------------------------------------------------------- records

    def _uuid(self, chance: random.Random) -> uuid.UUID:
        """A key in the form of a UUID version 7 (see `time_ordered_uuid`), its clock part the
        record's number: the keys of a batch sort together, so each index takes a batch's
        keys in a few pages, not in pages all over it."""
        key = version_7_uuid(self._next_key, chance.getrandbits(80))
        self._next_key += 1
        return key

    def _sponsor(self, chance: random.Random) -> dict[str, Any]:
        pools = self.pools
        return {
            "id": self._uuid(chance),
            "first_name": chance.choice(pools.sponsor_first_names),
            "last_name": chance.choice(pools.last_names),
            "relationship": chance.choice(list(SponsorRelationship)),
            "phone": f"+1{chance.choice(AREA_CODES)}55501{chance.randrange(100):02d}",
        }

    def _address(self, chance: random.Random, *, unit: bool) -> NormalAddress:
        city, state, postal_code = chance.choice(self.pools.places)
        return NormalAddress(
            line1=f"{chance.randint(10, 9999)} {chance.choice(self.pools.streets)}",
            line2=self._unit(chance) if unit else None,
            city=city,
            state=state,
            postal_code=postal_code,
        )

    def _unit(self, chance: random.Random) -> str:
        return f"{chance.choice(UNIT_DESIGNATORS)} {chance.randint(1, 40)}"

    def _instant(self, chance: random.Random, day: date) -> datetime:
        return datetime.combine(day, time(chance.randint(8, 19), chance.randrange(60)), UTC)

    def _child(self, chance: random.Random, rows: Rows, a_number: int) -> None:
        pools = self.pools
        now = self.now
        child_id = self._uuid(chance)
        first = chance.choice(pools.first_names)
        last = f"{chance.choice(pools.last_names)} {chance.choice(pools.last_names)}"
        # Most are teenagers when apprehended.
        age_days = chance.choice((6, 9, 12, 13, 14, 15, 15, 16, 16, 17)) * 365
        age_days += chance.randrange(365)
        path = chance.random()
        if path < 0.02:  # in DHS custody: apprehended in the last few days
            apprehended = now - timedelta(hours=chance.uniform(2, 120))
        elif path < 0.07:  # in HHS care (and 1 in 5 of them missing from it)
            apprehended = now - timedelta(days=chance.uniform(5, 90))
        else:
            apprehended = now - timedelta(days=chance.uniform(40, 365 * YEARS))
        birth = apprehended.date() - timedelta(days=age_days)
        child: dict[str, Any] = {
            "id": child_id,
            "a_number": str(a_number),
            "first_name": first,
            "last_name": last,
            "first_name_key": name_key(first),
            "last_name_key": name_key(last),
            "date_of_birth": birth,
            "country_of_birth": chance.choice(COUNTRIES),
            "custody_status": CustodyStatus.IN_DHS_CUSTODY,
            "location_status": LocationStatus.VERIFIED,
            "version": 1,
            "sponsor_id": None,
            "field_office": None,
        }
        rows.children.append(child)
        event = self._custody_event_maker(chance, rows, child_id)
        event(CustodyEventKind.APPREHENDED, apprehended, "CBP Rio Grande Valley Central Processing")
        if path < 0.02:
            return
        transferred = apprehended + timedelta(hours=chance.uniform(20, 90))
        event(CustodyEventKind.TRANSFERRED_TO_HHS, transferred, chance.choice(FACILITIES))
        child["custody_status"] = CustodyStatus.IN_HHS_CUSTODY
        if path < 0.07:
            if chance.random() < 0.2:
                missing = transferred + (now - transferred) * chance.uniform(0.2, 0.9)
                event(CustodyEventKind.MISSING_FROM_HHS_CARE, missing, None)
                child["custody_status"] = CustodyStatus.MISSING_FROM_HHS_CARE
                child["location_status"] = LocationStatus.UNKNOWN
            return
        released = transferred + timedelta(days=chance.uniform(14, 35))
        self._released(chance, rows, child, released, event)

    def _custody_event_maker(
        self, chance: random.Random, rows: Rows, child_id: uuid.UUID
    ) -> Callable[..., None]:
        def event(
            kind: CustodyEventKind,
            occurred_at: datetime,
            facility: str | None,
            sponsor_id: uuid.UUID | None = None,
        ) -> None:
            rows.custody_events.append(
                {
                    "id": self._uuid(chance),
                    "child_id": child_id,
                    "kind": kind,
                    "occurred_at": occurred_at,
                    "facility": facility,
                    "sponsor_id": sponsor_id,
                }
            )

        return event

    def _released(
        self,
        chance: random.Random,
        rows: Rows,
        child: dict[str, Any],
        released: datetime,
        event: Callable[..., None],
    ) -> None:
        now = self.now
        child_id = child["id"]
        # The sponsor: one of its own, or one of the few who take in many children.
        if chance.random() < HUB_SHARE:
            hub = chance.randrange(len(self.hubs))
            sponsor_id = self.hubs[hub]["id"]
            home: NormalAddress | None = self.hub_homes[hub]
        else:
            sponsor = self._sponsor(chance)
            rows.sponsors.append(sponsor)
            sponsor_id = sponsor["id"]
            home = None
        event(CustodyEventKind.RELEASED_TO_SPONSOR, released, None, sponsor_id)
        child["custody_status"] = CustodyStatus.RELEASED_TO_SPONSOR
        child["sponsor_id"] = sponsor_id

        # The release address: 7 % blank (none recorded), undeliverable or without its unit.
        kind = chance.random()
        undeliverable = False
        if home is not None:
            address: NormalAddress | None = home
        elif kind < 0.02:
            address = None  # the form's address was blank
        elif kind < 0.045:  # an apartment in a building, recorded without the unit
            address = self._in_building(chance, unit=False)
        elif kind < 0.07:
            address = self._address(chance, unit=chance.random() < 0.3)
            undeliverable = True
        elif kind < 0.16:  # an apartment, unit recorded
            address = self._in_building(chance, unit=True)
        else:
            address = self._address(chance, unit=chance.random() < 0.25)
        current: dict[str, Any] | None = None
        if address is not None:
            verified_at = None
            verification = VerificationStatus.UNVERIFIED
            if undeliverable:
                verification = VerificationStatus.FAILED
                verified_at = self._between(chance, released, now)
            elif chance.random() < 0.45:
                verification = VerificationStatus.VERIFIED
                verified_at = self._between(chance, released, min(now, released + timedelta(90)))
            current = self._address_row(
                chance, child_id, address, released.date(), AddressSource.HHS_RECORD
            )
            current.update(
                verification=verification, verified_at=verified_at, undeliverable=undeliverable
            )
            rows.addresses.append(current)
            # 1 in 8 moved since, by a change-of-address form.
            moved_on = released.date() + timedelta(days=chance.randint(30, 700))
            if chance.random() < 0.125 and moved_on < now.date():
                current["effective_to"] = moved_on - timedelta(days=1)
                if verified_at is not None and verified_at.date() >= moved_on:
                    current["verified_at"] = self._instant(chance, moved_on - timedelta(days=1))
                current = self._address_row(
                    chance,
                    child_id,
                    self._address(chance, unit=chance.random() < 0.3),
                    moved_on,
                    AddressSource.CHANGE_OF_ADDRESS_FORM,
                )
                rows.addresses.append(current)

        self._court_case(chance, rows, child, released)
        latest = self._contact(chance, rows, child_id, released, current)
        if current is None:
            child["location_status"] = LocationStatus.UNKNOWN
        else:
            child["location_status"] = location_status(current["verification"], latest)

        # Out of the program since: turned 18 (1 in 4 of those who did, as recorded), or
        # removed or departed.
        adult_on = _birthday(child["date_of_birth"], 18)
        if adult_on < now.date() and chance.random() < 0.25:
            turned = datetime.combine(adult_on, time(12), UTC)
            if turned > released:
                event(CustodyEventKind.TURNED_18, turned, None)
                child["custody_status"] = CustodyStatus.TURNED_18
        elif chance.random() < 0.01:
            departed = self._between(chance, released, now)
            event(CustodyEventKind.REMOVED_OR_DEPARTED, departed, None)
            child["custody_status"] = CustodyStatus.REMOVED_OR_DEPARTED

    def _in_building(self, chance: random.Random, *, unit: bool) -> NormalAddress:
        building = chance.choice(self.buildings)
        if not unit:
            return building
        return NormalAddress(
            building.line1,
            self._unit(chance),
            building.city,
            building.state,
            building.postal_code,
        )

    def _address_row(
        self,
        chance: random.Random,
        child_id: uuid.UUID,
        address: NormalAddress,
        effective_from: date,
        source: AddressSource,
    ) -> dict[str, Any]:
        return {
            "id": self._uuid(chance),
            "child_id": child_id,
            "line1": address.line1,
            "line2": address.line2,
            "city": address.city,
            "state": address.state,
            "postal_code": address.postal_code,
            "street_key": address.street_key,
            "address_key": address.address_key,
            "effective_from": effective_from,
            "effective_to": None,
            "source": source,
            "verification": VerificationStatus.UNVERIFIED,
            "verified_at": None,
            "undeliverable": False,
        }

    def _between(self, chance: random.Random, start: datetime, end: datetime) -> datetime:
        return start + (end - start) * chance.random()

    def _court_case(
        self, chance: random.Random, rows: Rows, child: dict[str, Any], released: datetime
    ) -> None:
        """Of the children released, SERVED were served a Notice to Appear (filed with the
        court, with hearings), NOTICED issued one (served or not); the rest have none yet."""
        now = self.now
        child_id = child["id"]
        kind = chance.random()
        if kind >= NOTICED:
            return
        issued_on = (released + timedelta(days=chance.randint(0, 30))).date()
        if issued_on >= now.date():
            return
        court = chance.choice(COURTS)
        notice: dict[str, Any] = {
            "id": self._uuid(chance),
            "child_id": child_id,
            "status": NoticeStatus.ISSUED,
            "issued_on": issued_on,
            "served_on": None,
            "service_method": None,
            "filed_on": None,
            "court": court,
        }
        rows.notices.append(notice)
        served_on = issued_on + timedelta(days=chance.randint(1, 20))
        filed_on = served_on + timedelta(days=chance.randint(1, 30))
        if kind >= SERVED or filed_on >= now.date():
            return
        notice.update(
            status=NoticeStatus.FILED,
            served_on=served_on,
            service_method=chance.choice(list(ServiceMethod)),
            filed_on=filed_on,
        )
        # Hearings: the first about four months after filing; a continued one again later.
        day = filed_on + timedelta(days=chance.randint(30, 240))
        represented = chance.random() < REPRESENTED
        counsel_from = filed_on + timedelta(days=chance.randint(1, 25))
        appeared = False
        for _ in range(3):
            scheduled = datetime.combine(day, time(chance.choice((9, 10, 13, 14, 15))), UTC)
            hearing = {
                "id": self._uuid(chance),
                "child_id": child_id,
                "court": court,
                "type": HearingType.MASTER_CALENDAR,
                "scheduled_for": scheduled,
                "status": HearingStatus.SCHEDULED,
                "in_absentia_order": False,
            }
            rows.hearings.append(hearing)
            if scheduled > now - timedelta(days=2):  # ahead, or held too recently to record
                break
            outcome = chance.random()
            if outcome < 0.02:
                break  # held, and no outcome recorded: overdue
            if outcome < MISSED and not represented:
                hearing["status"] = HearingStatus.FAILED_TO_APPEAR
                hearing["in_absentia_order"] = chance.random() < 0.7
                break
            if outcome < MISSED + 0.16:
                hearing["status"] = HearingStatus.CONTINUED
                day = day + timedelta(days=chance.randint(60, 200))
                continue
            hearing["status"] = HearingStatus.APPEARED
            appeared = True
            break
        if appeared and not represented:
            represented = chance.random() < 0.12  # counsel found for the next hearing
        if represented and counsel_from < now.date():
            rows.representations.append(
                {
                    "id": self._uuid(chance),
                    "child_id": child_id,
                    "attorney_name": chance.choice(self.pools.attorneys),
                    "organization": "Kids in Need of Defense",
                    "entered_on": counsel_from,
                    "withdrawn_on": None,
                }
            )

    def _contact(
        self,
        chance: random.Random,
        rows: Rows,
        child_id: uuid.UUID,
        released: datetime,
        current: dict[str, Any] | None,
    ) -> ContactOutcome | None:
        """Up to two attempts to reach 3 in 10 children; returns the outcome of the latest one
        made after the current address was last checked (ever, when it never was)."""
        if chance.random() >= 0.3:
            return None
        latest: ContactOutcome | None = None
        checked = current["verified_at"] if current is not None else None
        moment = released
        for _ in range(chance.randint(1, 2)):
            moment = self._between(chance, moment, self.now)
            outcome = chance.choices(
                (
                    ContactOutcome.LOCATED_AT_ADDRESS,
                    ContactOutcome.NO_RESPONSE,
                    ContactOutcome.NOT_LOCATED,
                ),
                (6, 3, 1),
            )[0]
            rows.contact_attempts.append(
                {
                    "id": self._uuid(chance),
                    "child_id": child_id,
                    "attempted_at": moment,
                    "method": chance.choice(list(ContactMethod)),
                    "outcome": outcome,
                    "notes": None,
                }
            )
            if checked is None or moment > checked:
                latest = outcome
        return latest


def _birthday(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February
        return born.replace(year=born.year + years, day=28)


async def seed_population(
    sessions: async_sessionmaker[AsyncSession],
    children: int,
    *,
    seed: int = 2024,
    as_of: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> PopulationResult:
    """Write `children` synthetic children, as of `as_of` (now by default), then raise their
    alerts with a sweep of every child. Refuses a database that already holds children: the
    A-numbers drawn would collide with theirs. Each batch commits on its own: a seed that
    fails part way leaves the batches written before it."""
    population = Population(seed, as_of or utc_now(), children)
    result = PopulationResult(records=await begin_population(sessions, population))
    written, records = await write_batches(
        sessions, population, range(population.batches), progress
    )
    result.children += written
    result.records += records
    result.sweep = await finish_population(sessions, population)
    return result


async def begin_population(
    sessions: async_sessionmaker[AsyncSession], population: Population
) -> int:
    """Check that the database holds no children, then write what every batch shares (the
    sponsors with many children). Returns how many records that was."""
    async with sessions() as session:
        if (await session.exec(select(func.count()).select_from(Child))).one():
            raise InvalidInput(
                "The database already holds children: seed an empty database.", ["children"]
            )
    async with _seeding(sessions, population) as unit:
        await unit.session.exec(insert(Sponsor), params=population.hub_rows())
    return len(population.hubs)


# After which batches (counted from 1) the writer of the batch samples the tables' statistics
# afresh: as the tables grow fourfold, whichever process writes which batches. Without it,
# seeding 448,000 children on PostgreSQL slowed from 55,000 children a minute to 30,000 within
# four minutes.
_SAMPLE_AFTER = frozenset(4**power for power in range(8))


async def write_batches(
    sessions: async_sessionmaker[AsyncSession],
    population: Population,
    numbers: Iterable[int],
    progress: Callable[[int], None] | None = None,
) -> tuple[int, int]:
    """Write these batches, each in a transaction of its own with its children's case
    summaries. Returns how many children and records were written."""
    children = records = 0
    for number in numbers:
        rows = population.batch(number)
        async with _seeding(sessions, population) as unit:
            await for_bulk_writes(await unit.session.connection())
            for table, table_rows in rows.by_table():
                if table_rows:
                    # Nulls written as NULL, so rows with and without a value stay one batch.
                    statement = insert(table).execution_options(render_nulls=True)
                    await unit.session.exec(statement, params=table_rows)
            connection = await unit.session.connection()
            await write_summaries(connection, [row["id"] for row in rows.children])
        children += len(rows.children)
        records += rows.count
        if number + 1 in _SAMPLE_AFTER:
            async with sessions() as session, session.begin():
                await sample_statistics(await session.connection())
        if progress is not None:
            progress(len(rows.children))
    return children, records


async def finish_population(
    sessions: async_sessionmaker[AsyncSession], population: Population
) -> SweepResult | None:
    """The alerts the records call for, as a sweep of every child raises them, once the
    database has looked at what it now holds: its plans for an empty database would read
    every child once per other child. Then the database is settled for reading (statistics
    of the alerts too, and on PostgreSQL a vacuum)."""
    async with sessions() as session, session.begin():
        await (await session.connection()).execute(text("ANALYZE"))
    sweep = await sweep_now(sessions, lambda: population.now, everyone=True)
    async with sessions() as session:
        engine = session.bind
    if not isinstance(engine, AsyncEngine):
        raise TypeError("the seeder's sessions are bound to an engine")
    await settle_after_bulk_writes(engine)
    return sweep


@asynccontextmanager
async def _seeding(
    sessions: async_sessionmaker[AsyncSession], population: Population
) -> AsyncIterator[Unit]:
    async with open_unit(sessions, SEEDER, "seedPopulation", clock=lambda: population.now) as unit:
        unit.reason = "synthetic population"
        yield unit
