"""Synthetic case records for demonstrations and tests: realistic, deterministic for a seed,
and written through the same operations as the API (so every rule and check applies)."""

import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from faker import Faker
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models.enums import (
    AddressSource,
    ContactMethod,
    ContactOutcome,
    CustodyEventKind,
    HearingStatus,
    HearingType,
    Role,
    ServiceMethod,
    SponsorRelationship,
    VerificationStatus,
)
from resolvers import addresses, alerts, contact, court, custody, offices
from resolvers.addresses import AddressFields
from resolvers.children import current_address
from resolvers.custody import SponsorFields
from resolvers.unit import Actor, Clock, Unit, open_unit

SEEDER = Actor(name="seed", role=Role.OFFICER)
OFFICE_SETUP = Actor(name="seed", role=Role.ADMIN)
# The names of the tokens a demonstration prints; production refuses a database holding one.
DEMO_TOKEN_PREFIX = "demo-"  # noqa: S105 (a name, not a secret)
COUNTRIES = ("GT", "HN", "SV", "MX", "EC", "NI", "CO", "VE")
COURTS = ("HOU", "LOS", "NYC", "MIA", "CHI", "ATL", "SFR", "DAL")
FACILITIES = (
    "Casa Esperanza, Brownsville TX",
    "Shelter Hope, Phoenix AZ",
    "Children's Village, Dobbs Ferry NY",
)
STREET_SUFFIXES = ("St", "Ave", "Rd", "Blvd", "Dr", "Ln", "Ct", "Way", "Pl")
# One field office per court, covering between them every 3-digit ZIP prefix (first, last).
DEMO_OFFICES = (
    ("NYC", "New York", (0, 149)),
    ("ATL", "Atlanta", (150, 319)),
    ("MIA", "Miami", (320, 399)),
    ("CHI", "Chicago", (400, 699)),
    ("DAL", "Dallas", (700, 769)),
    ("HOU", "Houston", (770, 849)),
    ("LOS", "Los Angeles", (850, 935)),
    ("SFR", "San Francisco", (936, 999)),
)
# The office the demonstration's OFFICER and SUPERVISOR tokens work at.
DEMO_OFFICE = "CHI"
T = TypeVar("T")


@dataclass
class DemoSeeder:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    seed: int = 2024

    def __post_init__(self) -> None:
        self.fake = Faker(["es_MX"])
        self.us = Faker(["en_US"])
        self.fake.seed_instance(self.seed)
        self.us.seed_instance(self.seed)
        self.random = random.Random(self.seed)
        self.numbers: set[str] = set()

    async def run(self, action: str, work: Callable[[Unit], Awaitable[T]]) -> T:
        async with open_unit(self.sessions, SEEDER, action, clock=self.clock) as unit:
            unit.reason = "synthetic demonstration record"
            return await work(unit)

    def ago(self, days: float) -> datetime:
        return self.clock() - timedelta(days=days)

    def a_number(self) -> str:
        while True:
            number = f"{self.random.randint(200_000_000, 249_999_999)}"
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def street_address(self, unit: str | None = None) -> AddressFields:
        return AddressFields(
            line1=f"{self.random.randint(10, 9999)} {self.us.last_name()} {self.random.choice(STREET_SUFFIXES)}",
            line2=unit,
            city=self.us.city(),
            state=self.us.state_abbr(
                include_territories=False, include_freely_associated_states=False
            ),
            postal_code=self.us.postcode(),
        )

    async def intake(self, days_ago: float, age_days: int | None = None) -> uuid.UUID:
        apprehended = self.ago(days_ago)
        age_days = age_days or 365 * self.random.randint(6, 16) + self.random.randint(1, 300)
        birth = (apprehended - timedelta(days=age_days)).date()
        child = await self.run(
            "intakeChild",
            lambda u: custody.intake_child(
                u,
                a_number_input=self.a_number(),
                first_name=self.fake.first_name(),
                last_name=f"{self.fake.last_name()} {self.fake.last_name()}",
                date_of_birth=birth,
                country_of_birth=self.random.choice(COUNTRIES),
                apprehended_at=apprehended,
                facility="CBP Rio Grande Valley Central Processing",
            ),
        )
        return child.id

    async def to_hhs(self, child_id: uuid.UUID, days_ago: float) -> None:
        await self.run(
            "transferToHhs",
            lambda u: custody.transfer_to_hhs(
                u,
                child_id=child_id,
                occurred_at=self.ago(days_ago),
                facility=self.random.choice(FACILITIES),
            ),
        )

    async def release(
        self,
        child_id: uuid.UUID,
        days_ago: float,
        address: AddressFields,
        sponsor_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        sponsor = None
        if sponsor_id is None:
            sponsor = SponsorFields(
                first_name=self.fake.first_name(),
                last_name=self.fake.last_name(),
                relationship=self.random.choice(list(SponsorRelationship)),
                phone=f"+1202555{self.random.randint(100, 199):04d}",
            )
        child = await self.run(
            "releaseToSponsor",
            lambda u: custody.release_to_sponsor(
                u,
                child_id=child_id,
                occurred_at=self.ago(days_ago),
                address=address,
                sponsor_id=sponsor_id,
                sponsor=sponsor,
            ),
        )
        assert child.sponsor_id is not None
        return child.sponsor_id

    async def released_child(
        self,
        days_ago: float,
        address: AddressFields | None = None,
        sponsor_id: uuid.UUID | None = None,
        age_days: int | None = None,
    ) -> tuple[uuid.UUID, uuid.UUID]:
        child_id = await self.intake(days_ago + 40, age_days)
        await self.to_hhs(child_id, days_ago + 38)
        sponsor = await self.release(
            child_id, days_ago, address or self.street_address(), sponsor_id
        )
        return child_id, sponsor

    async def custody_event(
        self, child_id: uuid.UUID, kind: CustodyEventKind, when: datetime
    ) -> None:
        await self.run(
            "recordCustodyEvent",
            lambda u: custody.record_custody_event(
                u, child_id=child_id, kind=kind, occurred_at=when
            ),
        )

    async def attempt(self, child_id: uuid.UUID, days_ago: float, outcome: ContactOutcome) -> None:
        await self.run(
            "recordContactAttempt",
            lambda u: contact.record_contact_attempt(
                u,
                child_id=child_id,
                attempted_at=self.ago(days_ago),
                method=self.random.choice([ContactMethod.PHONE, ContactMethod.HOME_VISIT]),
                outcome=outcome,
            ),
        )

    async def court_case(
        self,
        child_id: uuid.UUID,
        released_days_ago: float,
        outcome: HearingStatus | None,
        *,
        represented: bool,
        hearing_days_ago: float | None = None,
    ) -> None:
        """A notice served and filed, and a hearing with `outcome` (None: none recorded yet),
        held `hearing_days_ago` (by default: well after release, or 20 days ahead)."""

        if hearing_days_ago is not None:
            held_days_ago = hearing_days_ago
        else:
            held_days_ago = -20 if outcome is None else max(released_days_ago - 60, 2)

        issued = self.ago(released_days_ago - 5).date()
        at_court = self.random.choice(COURTS)
        notice = await self.run(
            "issueNotice",
            lambda u: court.issue_notice(u, child_id=child_id, issued_on=issued, court=at_court),
        )
        await self.run(
            "serveNotice",
            lambda u: court.serve_notice(
                u,
                notice_id=notice.id,
                served_on=issued + timedelta(days=3),
                method=ServiceMethod.MAIL,
            ),
        )
        await self.run(
            "fileNotice",
            lambda u: court.file_notice(
                u, notice_id=notice.id, filed_on=issued + timedelta(days=10)
            ),
        )
        when = self.ago(held_days_ago).replace(hour=15, minute=0, second=0, microsecond=0)
        hearing = await self.run(
            "scheduleHearing",
            lambda u: court.schedule_hearing(
                u,
                child_id=child_id,
                court=at_court,
                type=HearingType.MASTER_CALENDAR,
                scheduled_for=when,
            ),
        )
        if outcome is not None:
            await self.run(
                "recordHearingOutcome",
                lambda u: court.record_hearing_outcome(
                    u,
                    hearing_id=hearing.id,
                    status=outcome,
                    in_absentia_order=outcome == HearingStatus.FAILED_TO_APPEAR,
                ),
            )
        if represented:
            await self.run(
                "recordRepresentation",
                lambda u: court.record_representation(
                    u,
                    child_id=child_id,
                    attorney_name=self.us.name(),
                    organization="Kids in Need of Defense",
                    entered_on=issued + timedelta(days=12),
                ),
            )


async def _demo_offices(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
    async with open_unit(sessions, OFFICE_SETUP, "setFieldOffice", clock=clock) as unit:
        unit.reason = "synthetic demonstration record"
        for code, name, (low, high) in DEMO_OFFICES:
            await offices.set_field_office(
                unit,
                code=code,
                name=name,
                courts=[code],
                zip_prefixes=[f"{prefix:03d}" for prefix in range(low, high + 1)],
            )


async def seed_demo(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, seed: int = 2024
) -> int:
    """A few dozen children covering every custody status, location status and address issue.
    Returns how many children were written."""
    s = DemoSeeder(sessions, clock, seed)
    await _demo_offices(sessions, clock)
    count = 0

    for days in (1, 2, 4):  # in DHS custody, one past the 72-hour transfer deadline
        await s.intake(days)
        count += 1
    for _ in range(4):  # in HHS care
        child = await s.intake(30)
        await s.to_hhs(child, 28)
        count += 1
    for _ in range(2):  # missing from HHS care
        child = await s.intake(60)
        await s.to_hhs(child, 58)
        await s.custody_event(child, CustodyEventKind.MISSING_FROM_HHS_CARE, s.ago(20))
        count += 1

    # Released, verified at home, court case on track and represented.
    for _ in range(6):
        child, _sponsor = await s.released_child(200)
        await s.attempt(child, 150, ContactOutcome.LOCATED_AT_ADDRESS)
        await s.court_case(child, 200, HearingStatus.APPEARED, represented=True)
        count += 1
    # Released, unverified address, hearing ahead, no lawyer.
    for _ in range(5):
        child, _sponsor = await s.released_child(90)
        await s.court_case(child, 90, None, represented=False)
        count += 1
    # The hearing date passed three days ago and no outcome has been recorded: OVERDUE.
    child, _sponsor = await s.released_child(150)
    await s.court_case(child, 150, None, represented=True, hearing_days_ago=3)
    count += 1
    # Released, never served a Notice to Appear.
    for _ in range(5):
        await s.released_child(120)
        count += 1
    # Failed to appear, ordered removed in absentia, and not found at the address since.
    for _ in range(3):
        child, _sponsor = await s.released_child(300)
        await s.court_case(child, 300, HearingStatus.FAILED_TO_APPEAR, represented=False)
        await s.attempt(child, 30, ContactOutcome.NOT_LOCATED)
        count += 1

    # Address problems: a building with apartments, one release without the unit number.
    building = s.street_address("APT 2B")
    child, _sponsor = await s.released_child(100, building)
    unitless = AddressFields(building.line1, building.city, building.state, building.postal_code)
    await s.released_child(95, unitless)
    count += 2
    # An address the postal service returned as undeliverable.
    child, _sponsor = await s.released_child(80)
    current = await s.run("read", lambda u: current_address(u, child))
    assert current is not None
    await s.run(
        "verifyAddress",
        lambda u: addresses.verify_address(
            u,
            address_id=current.id,
            verified_at=s.ago(60),
            verification=VerificationStatus.FAILED,
            undeliverable=True,
        ),
    )
    count += 1
    # One house, four children, four unrelated sponsors: a trafficking indicator.
    house = s.street_address()
    for days in (70, 65, 60, 55):
        await s.released_child(days, house)
        count += 1
    # One sponsor with several children, moved once since release.
    first, sponsor = await s.released_child(150)
    await s.released_child(140, sponsor_id=sponsor)
    await s.run(
        "recordAddress",
        lambda u: addresses.record_address(
            u,
            child_id=first,
            address=s.street_address("UNIT 5"),
            effective_from=s.ago(40).date(),
            source=AddressSource.CHANGE_OF_ADDRESS_FORM,
        ),
    )
    count += 2
    # Out of the program: one turned 18 (17 and a half when apprehended), one departed.
    child, _sponsor = await s.released_child(400, age_days=365 * 17 + 180)
    birthday = (s.ago(440) - timedelta(days=365 * 17 + 180) + timedelta(days=365 * 18 + 5)).date()
    noon = datetime.combine(birthday, datetime.min.time(), tzinfo=UTC).replace(hour=12)
    await s.custody_event(child, CustodyEventKind.TURNED_18, noon)
    child, _sponsor = await s.released_child(400)
    await s.custody_event(child, CustodyEventKind.REMOVED_OR_DEPARTED, s.ago(10))
    # The alerts all of this calls for, as the server's sweep would raise them.
    await s.run("sweep", alerts.sweep)
    return count + 2
