"""Field offices: which office works a child's case, derived from where the child lives or the
court that hears it, and changed by hand with a transfer."""

import re
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Address, Child, FieldOffice, Hearing
from resolvers.errors import Duplicate, InvalidInput, NotFound
from resolvers.unit import Actor, Clock, Unit, open_unit
from resolvers.validation import required_text

# An office's code and a court's alike.
_CODE = re.compile(r"[A-Z0-9]{2,10}")
_ZIP_PREFIX = re.compile(r"\d{3}|\d{5}")


def _words(text: str) -> list[str]:
    return [word for word in text.split(",") if word]


def office_code(value: str, field: str = "office") -> str:
    """A field office's code as stored: 2 to 10 letters or digits, upper-cased."""
    code = value.strip().upper()
    if not _CODE.fullmatch(code):
        raise InvalidInput("An office code is 2 to 10 letters or digits (HOU, NYC).", [field])
    return code


def _clean_list(values: Iterable[str], pattern: re.Pattern[str], field: str, what: str) -> str:
    cleaned: list[str] = []
    for value in values:
        word = value.strip().upper()
        if not pattern.fullmatch(word):
            raise InvalidInput(f"Not {what}.", [field])
        if word not in cleaned:
            cleaned.append(word)
    return ",".join(sorted(cleaned))


async def set_field_office(
    unit: Unit, *, code: str, name: str, courts: Sequence[str], zip_prefixes: Sequence[str]
) -> FieldOffice:
    """Create the office `code`, or replace its name and what it covers. A court or a ZIP prefix
    belongs to one office at most. Children already assigned keep their office until they move
    or are transferred; `casetrail offices assign` gives one to every child that has none."""
    clean_code = office_code(code, "code")
    clean_name = required_text(name, "name")
    clean_courts = _clean_list(courts, _CODE, "courts", "a court code (2 to 10 letters)")
    clean_zips = _clean_list(
        zip_prefixes, _ZIP_PREFIX, "zipPrefixes", "a ZIP prefix of 3 or 5 digits"
    )
    offices = list((await unit.session.exec(select(FieldOffice).with_for_update())).all())
    office = next((o for o in offices if o.code == clean_code), None)
    for other in offices:
        if other is office:
            continue
        if set(_words(clean_courts)) & set(_words(other.courts)):
            raise Duplicate("A court listed is already covered by another office.", ["courts"])
        if set(_words(clean_zips)) & set(_words(other.zip_prefixes)):
            raise Duplicate(
                "A ZIP prefix listed is already covered by another office.", ["zipPrefixes"]
            )
    if office is None:
        office = FieldOffice(code=clean_code, name=clean_name)
    office.name, office.courts, office.zip_prefixes = clean_name, clean_courts, clean_zips
    unit.session.add(office)
    try:
        await unit.session.flush()
    except IntegrityError as error:  # a concurrent creation of the same code won the race
        raise Duplicate("An office with this code was just created.", ["code"]) from error
    return office


async def existing_office(session: AsyncSession, value: str, field: str = "office") -> str:
    """The code of an office on record, from what a caller typed; NotFound when none has it."""
    code = office_code(value, field)
    found = await session.exec(select(FieldOffice.id).where(col(FieldOffice.code) == code))
    if found.first() is None:
        raise NotFound("No field office has this code.", [field])
    return code


async def field_offices(session: AsyncSession) -> list[FieldOffice]:
    """Every field office, by code."""
    return list((await session.exec(select(FieldOffice).order_by(col(FieldOffice.code)))).all())


@dataclass(frozen=True)
class Coverage:
    """Which office covers each ZIP prefix and each court, looked up in one step."""

    by_zip_prefix: dict[str, str]
    by_court: dict[str, str]

    @classmethod
    def of(cls, offices: Sequence[FieldOffice]) -> "Coverage":
        return cls(
            {prefix: o.code for o in offices for prefix in _words(o.zip_prefixes)},
            {court: o.code for o in offices for court in _words(o.courts)},
        )

    def office_for(self, postal_code: str | None, courts: Sequence[str]) -> str | None:
        """The office covering a ZIP code (the longest prefix listed wins), else the first of
        `courts` (latest first) that an office attends; None when none does."""
        if postal_code:
            zip5 = postal_code[:5]
            for prefix in (zip5, zip5[:3]):
                if prefix in self.by_zip_prefix:
                    return self.by_zip_prefix[prefix]
        return next((self.by_court[c] for c in courts if c in self.by_court), None)


async def covering_children(
    session: AsyncSession, coverage: Coverage, child_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The office covering each of these children (those no office covers left out): two
    statements for any number of children."""
    addresses = await session.exec(
        select(Address.child_id, Address.postal_code).where(
            col(Address.child_id).in_(child_ids), col(Address.effective_to).is_(None)
        )
    )
    postal_codes = dict(addresses.all())
    hearings = await session.exec(
        select(Hearing.child_id, Hearing.court)
        .where(col(Hearing.child_id).in_(child_ids))
        .order_by(col(Hearing.scheduled_for).desc(), col(Hearing.id))
    )
    courts: dict[uuid.UUID, list[str]] = {}
    for child_id, court in hearings.all():
        courts.setdefault(child_id, []).append(court)
    found: dict[uuid.UUID, str] = {}
    for child_id in child_ids:
        code = coverage.office_for(postal_codes.get(child_id), courts.get(child_id, []))
        if code is not None:
            found[child_id] = code
    return found


async def assign_offices(
    unit: Unit, children: Sequence[Child], moved: Collection[uuid.UUID] = ()
) -> int:
    """Give each child the office that covers it, where it has none yet or has `moved` (a
    transfer by hand stands until the child moves); returns how many changed office."""
    pending = [c for c in children if c.field_office is None or c.id in moved]
    if not pending:
        return 0
    offices = list((await unit.session.exec(select(FieldOffice))).all())
    if not offices:
        return 0
    found = await covering_children(unit.session, Coverage.of(offices), [c.id for c in pending])
    changed = 0
    for child in pending:
        code = found.get(child.id)
        if code is not None and code != child.field_office:
            child.field_office = code
            unit.session.add(child)
            changed += 1
    return changed


async def unassigned_children(unit: Unit, *, after: uuid.UUID | None, limit: int) -> list[Child]:
    """A batch of the children with no office, in id order after `after`."""
    statement = select(Child).where(col(Child.field_office).is_(None))
    if after is not None:
        statement = statement.where(col(Child.id) > after)
    rows = await unit.session.exec(statement.order_by(col(Child.id)).limit(limit))
    return list(rows.all())


async def assign_unassigned(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    *,
    clock: Clock,
    batch: int = 1_000,
) -> int:
    """Give every child with no office the one that covers it, a batch of children to a
    transaction (each change in the history); returns how many were given one. Derived, like
    the location status, so it leaves the children's versions as they are."""
    assigned, after = 0, None
    while True:
        async with open_unit(sessions, actor, "assignOffices", clock=clock) as unit:
            children = await unassigned_children(unit, after=after, limit=batch)
            if not children:
                return assigned
            assigned += await assign_offices(unit, children)
            after = children[-1].id
