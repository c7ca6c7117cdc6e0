"""A child's path through custody: intake, transfer to HHS, release to a sponsor and what
follows, under one state machine."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from models import Child, CustodyEvent, Sponsor
from models.enums import (
    AddressSource,
    CustodyEventKind,
    CustodyStatus,
    LocationStatus,
    SponsorRelationship,
)
from resolvers.addresses import AddressFields, move_child, normalize_at
from resolvers.children import current_address, lock_child, record_changed
from resolvers.errors import Duplicate, InvalidInput, InvalidTransition, NotFound
from resolvers.unit import Unit
from resolvers.validation import (
    ADULT_AGE,
    a_number,
    age_on,
    country,
    name_key,
    optional_text,
    past_date,
    past_instant,
    phone,
    required_text,
)

_OPEN = (
    CustodyStatus.IN_DHS_CUSTODY,
    CustodyStatus.IN_HHS_CUSTODY,
    CustodyStatus.RELEASED_TO_SPONSOR,
    CustodyStatus.MISSING_FROM_HHS_CARE,
)

# (status before, event) -> status after. Anything else is an illegal transition.
TRANSITIONS: dict[tuple[CustodyStatus | None, CustodyEventKind], CustodyStatus] = {
    (None, CustodyEventKind.APPREHENDED): CustodyStatus.IN_DHS_CUSTODY,
    (
        CustodyStatus.IN_DHS_CUSTODY,
        CustodyEventKind.TRANSFERRED_TO_HHS,
    ): CustodyStatus.IN_HHS_CUSTODY,
    (
        CustodyStatus.IN_HHS_CUSTODY,
        CustodyEventKind.RELEASED_TO_SPONSOR,
    ): CustodyStatus.RELEASED_TO_SPONSOR,
    (
        CustodyStatus.RELEASED_TO_SPONSOR,
        CustodyEventKind.RETURNED_TO_HHS,
    ): CustodyStatus.IN_HHS_CUSTODY,
    (
        CustodyStatus.IN_HHS_CUSTODY,
        CustodyEventKind.MISSING_FROM_HHS_CARE,
    ): CustodyStatus.MISSING_FROM_HHS_CARE,
    (
        CustodyStatus.MISSING_FROM_HHS_CARE,
        CustodyEventKind.RETURNED_TO_HHS,
    ): CustodyStatus.IN_HHS_CUSTODY,
    **{(status, CustodyEventKind.TURNED_18): CustodyStatus.TURNED_18 for status in _OPEN},
    **{
        (status, CustodyEventKind.REMOVED_OR_DEPARTED): CustodyStatus.REMOVED_OR_DEPARTED
        for status in _OPEN
    },
}

# Events that carry data of their own, and so have a mutation of their own.
_DEDICATED_MUTATION = {
    CustodyEventKind.APPREHENDED: "intakeChild",
    CustodyEventKind.RELEASED_TO_SPONSOR: "releaseToSponsor",
}


def next_status(
    status: CustodyStatus | None, kind: CustodyEventKind, field: str = "kind"
) -> CustodyStatus:
    """The status after `kind`; an illegal step is reported at `field` (the input that asked
    for it: the event kind, or the child for the mutations named after their event)."""
    after = TRANSITIONS.get((status, kind))
    if after is None:
        where = f"a child {status.value}" if status else "a new child"
        raise InvalidTransition(f"{kind.value} is not a possible next step for {where}.", [field])
    return after


@dataclass(frozen=True)
class SponsorFields:
    first_name: str
    last_name: str
    relationship: SponsorRelationship
    phone: str | None = None


async def intake_child(
    unit: Unit,
    *,
    a_number_input: str,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    country_of_birth: str,
    apprehended_at: datetime,
    facility: str | None = None,
) -> Child:
    """A new case: the child apprehended and in DHS custody."""
    now = unit.now()
    number = a_number(a_number_input)
    first = required_text(first_name, "firstName")
    last = required_text(last_name, "lastName")
    past_date(date_of_birth, now, "dateOfBirth")
    country_code = country(country_of_birth)
    past_instant(apprehended_at, now, "apprehendedAt")
    if apprehended_at.date() < date_of_birth:
        raise InvalidInput("The child cannot be apprehended before birth.", ["apprehendedAt"])
    if age_on(date_of_birth, apprehended_at.date()) >= ADULT_AGE:
        raise InvalidInput(
            "The person was 18 or older when apprehended: not an unaccompanied child.",
            ["dateOfBirth"],
        )
    place = optional_text(facility, "facility")
    if await _a_number_taken(unit, number):
        raise Duplicate("A child with this A-number is already on record.", ["aNumber"])
    child = Child(
        a_number=number,
        first_name=first,
        last_name=last,
        first_name_key=name_key(first),
        last_name_key=name_key(last),
        date_of_birth=date_of_birth,
        country_of_birth=country_code,
        custody_status=next_status(None, CustodyEventKind.APPREHENDED),
        location_status=LocationStatus.VERIFIED,
    )
    unit.session.add(child)
    try:
        await unit.session.flush()
    except IntegrityError as error:  # a concurrent intake of the same A-number won the race
        raise Duplicate("A child with this A-number is already on record.", ["aNumber"]) from error
    unit.session.add(
        CustodyEvent(
            child_id=child.id,
            kind=CustodyEventKind.APPREHENDED,
            occurred_at=apprehended_at,
            facility=place,
        )
    )
    await unit.session.flush()
    return child


async def _a_number_taken(unit: Unit, number: str) -> bool:
    found = await unit.session.exec(select(Child.id).where(col(Child.a_number) == number))
    return found.first() is not None


async def _latest_event(unit: Unit, child_id: uuid.UUID) -> CustodyEvent | None:
    statement = (
        select(CustodyEvent)
        .where(col(CustodyEvent.child_id) == child_id)
        .order_by(col(CustodyEvent.occurred_at).desc())
        .limit(1)
    )
    return (await unit.session.exec(statement)).one_or_none()


async def _append_event(
    unit: Unit,
    child: Child,
    kind: CustodyEventKind,
    occurred_at: datetime,
    *,
    facility: str | None = None,
    sponsor_id: uuid.UUID | None = None,
    refused_at: str = "childId",
) -> CustodyEvent:
    """Check the transition and the event's time, then record it and move the child on."""
    after = next_status(child.custody_status, kind, refused_at)
    past_instant(occurred_at, unit.now(), "occurredAt")
    latest = await _latest_event(unit, child.id)
    if latest is not None and occurred_at < latest.occurred_at:
        raise InvalidInput(
            "This event is dated before the child's latest custody event "
            f"({latest.occurred_at.isoformat()}).",
            ["occurredAt"],
        )
    event = CustodyEvent(
        child_id=child.id,
        kind=kind,
        occurred_at=occurred_at,
        facility=facility,
        sponsor_id=sponsor_id,
    )
    unit.session.add(event)
    child.custody_status = after
    unit.session.add(child)
    return event


async def transfer_to_hhs(
    unit: Unit,
    *,
    child_id: uuid.UUID,
    occurred_at: datetime,
    facility: str,
    expected_version: int | None = None,
) -> Child:
    """DHS hands the child to HHS care at a facility."""
    place = required_text(facility, "facility", max_length=200)
    child = await lock_child(unit, child_id, expected_version=expected_version)
    await _append_event(
        unit, child, CustodyEventKind.TRANSFERRED_TO_HHS, occurred_at, facility=place
    )
    await record_changed(unit, child)
    return child


async def release_to_sponsor(
    unit: Unit,
    *,
    child_id: uuid.UUID,
    occurred_at: datetime,
    address: AddressFields,
    sponsor_id: uuid.UUID | None = None,
    sponsor: SponsorFields | None = None,
    expected_version: int | None = None,
) -> Child:
    """HHS releases the child to a sponsor (known, or new) at an address that becomes current."""
    if (sponsor_id is None) == (sponsor is None):
        raise InvalidInput("Give either sponsorId or a new sponsor, not both.", ["sponsorId"])
    normal = normalize_at(address, "address")
    new_sponsor = _new_sponsor(sponsor) if sponsor is not None else None
    child = await lock_child(unit, child_id, expected_version=expected_version)
    if sponsor_id is not None and await unit.session.get(Sponsor, sponsor_id) is None:
        raise NotFound("No sponsor has this ID.", ["sponsorId"])
    if new_sponsor is not None:
        unit.session.add(new_sponsor)
        await unit.session.flush()
        sponsor_id = new_sponsor.id
    await _append_event(
        unit, child, CustodyEventKind.RELEASED_TO_SPONSOR, occurred_at, sponsor_id=sponsor_id
    )
    child.sponsor_id = sponsor_id
    await move_child(
        unit, child, normal, effective_from=occurred_at.date(), source=AddressSource.HHS_RECORD
    )
    await record_changed(unit, child)
    return child


def _new_sponsor(fields: SponsorFields) -> Sponsor:
    try:
        return Sponsor(
            first_name=required_text(fields.first_name, "firstName"),
            last_name=required_text(fields.last_name, "lastName"),
            relationship=fields.relationship,
            phone=phone(fields.phone),
        )
    except InvalidInput as error:
        raise error.at("sponsor") from None


async def record_custody_event(
    unit: Unit,
    *,
    child_id: uuid.UUID,
    kind: CustodyEventKind,
    occurred_at: datetime,
    facility: str | None = None,
    expected_version: int | None = None,
) -> Child:
    """Any other step: return to HHS, missing from care, turned 18, removed or departed."""
    if kind in _DEDICATED_MUTATION:
        raise InvalidInput(f"Record {kind.value} with {_DEDICATED_MUTATION[kind]}.", ["kind"])
    if kind == CustodyEventKind.TRANSFERRED_TO_HHS:
        place: str | None = required_text(facility or "", "facility", max_length=200)
    else:
        place = optional_text(facility, "facility")
    child = await lock_child(unit, child_id, expected_version=expected_version)
    if (
        kind == CustodyEventKind.TURNED_18
        and age_on(child.date_of_birth, occurred_at.date()) < ADULT_AGE
    ):
        raise InvalidInput("The child is not yet 18 on this date.", ["occurredAt"])
    await _append_event(unit, child, kind, occurred_at, facility=place, refused_at="kind")
    if kind == CustodyEventKind.RETURNED_TO_HHS:
        # Back in HHS care: the sponsor's home is no longer the child's residence.
        await _close_residence(unit, child, occurred_at.date())
        child.sponsor_id = None
    await record_changed(unit, child)
    return child


async def _close_residence(unit: Unit, child: Child, day: date) -> None:
    address = await current_address(unit, child.id)
    if address is not None:
        address.effective_to = max(address.effective_from, day - timedelta(days=1))
        unit.session.add(address)
