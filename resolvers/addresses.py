"""Where each child lives: USPS normal form, the residence history, verification and the
address issues that flag a release address worth a second look."""

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pycountry
from scourgify import normalize_address_record
from scourgify.exceptions import AddressNormalizationError
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Address, Child
from models.enums import AddressIssue, AddressSource, VerificationStatus
from resolvers.alert_rules import SHARED_ADDRESS_MIN_SPONSORS
from resolvers.children import IN_CUSTODY, current_address, lock_child, record_changed
from resolvers.errors import InvalidInput, InvalidTransition, NotFound
from resolvers.unit import Unit
from resolvers.validation import past_date, past_instant, required_text

_US_SUBDIVISIONS = pycountry.subdivisions.get(country_code="US")  # type: ignore[no-untyped-call]
_US_STATES = frozenset(str(s.code).removeprefix("US-") for s in _US_SUBDIVISIONS)
# Full names of states and territories; scourgify knows the states' names but not all
# territories' ("Puerto Rico", "Guam").
_STATE_BY_NAME = {str(s.name).upper(): str(s.code).removeprefix("US-") for s in _US_SUBDIVISIONS}
_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")


@dataclass(frozen=True)
class AddressFields:
    """An address as a person typed it."""

    line1: str
    city: str
    state: str
    postal_code: str
    line2: str | None = None


@dataclass(frozen=True)
class NormalAddress:
    line1: str
    line2: str | None
    city: str
    state: str
    postal_code: str

    @property
    def street_key(self) -> str:
        return "|".join((self.line1, self.city, self.state, self.postal_code[:5]))

    @property
    def address_key(self) -> str:
        return f"{self.street_key}|{self.line2 or ''}"


def normalize(address: AddressFields) -> NormalAddress:
    """USPS form: upper case, standard suffixes and unit designators, 2-letter state, ZIP or
    ZIP+4. Field paths in errors are relative to the address input."""
    required_text(address.line1, "line1", max_length=200)
    required_text(address.city, "city")
    if not address.state.strip():
        raise InvalidInput("The state must not be blank.", ["state"])
    zip_match = _ZIP.match(address.postal_code.strip())
    if zip_match is None:
        raise InvalidInput("A ZIP code is 5 digits, or ZIP+4 as 12345-6789.", ["postalCode"])
    try:
        parsed = normalize_address_record(
            {
                "address_line_1": address.line1,
                "address_line_2": address.line2 or None,
                "city": address.city,
                "state": _STATE_BY_NAME.get(" ".join(address.state.upper().split()), address.state),
                "postal_code": zip_match.group(1),
            }
        )
    except AddressNormalizationError as error:
        # scourgify's message repeats the address: it must not reach a client or a log.
        raise InvalidInput(
            "This is not a street address the postal service recognises "
            "(a residence is needed, not a PO box).",
            ["line1"],
        ) from error
    state = parsed["state"]
    if state not in _US_STATES:
        raise InvalidInput("Unknown state: use a US state or territory, e.g. TX.", ["state"])
    plus4 = zip_match.group(2)
    return NormalAddress(
        line1=parsed["address_line_1"],
        line2=parsed["address_line_2"] or None,
        city=parsed["city"],
        state=state,
        postal_code=f"{zip_match.group(1)}-{plus4}" if plus4 else zip_match.group(1),
    )


def normalize_at(address: AddressFields, *path: str) -> NormalAddress:
    try:
        return normalize(address)
    except InvalidInput as error:
        raise error.at(*path) from None


async def move_child(
    unit: Unit, child: Child, address: NormalAddress, *, effective_from: date, source: AddressSource
) -> Address:
    """Close the child's current address the day before `effective_from` and open the new one."""
    previous = await current_address(unit, child.id)
    if previous is not None:
        if effective_from <= previous.effective_from:
            raise InvalidInput(
                "The new address must take effect after the current one "
                f"(in effect from {previous.effective_from.isoformat()}).",
                ["effectiveFrom"],
            )
        previous.effective_to = effective_from - timedelta(days=1)
        unit.session.add(previous)
        await unit.session.flush()  # free the one-current-address slot before the insert
    new = Address(
        child_id=child.id,
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        state=address.state,
        postal_code=address.postal_code,
        street_key=address.street_key,
        address_key=address.address_key,
        effective_from=effective_from,
        source=source,
    )
    unit.session.add(new)
    return new


async def record_address(
    unit: Unit,
    *,
    child_id: uuid.UUID,
    address: AddressFields,
    effective_from: date,
    source: AddressSource,
    expected_version: int | None = None,
) -> Address:
    """A new residence for a child out of custody; the current one is closed."""
    normal = normalize_at(address, "address")
    past_date(effective_from, unit.now(), "effectiveFrom")
    child = await lock_child(unit, child_id, expected_version=expected_version)
    if child.custody_status in IN_CUSTODY:
        raise InvalidTransition(
            "The child is in custody: the address on release is recorded by releaseToSponsor.",
            ["childId"],
        )
    new = await move_child(unit, child, normal, effective_from=effective_from, source=source)
    await record_changed(unit, child)
    return new


async def verify_address(
    unit: Unit,
    *,
    address_id: uuid.UUID,
    verified_at: datetime,
    verification: VerificationStatus,
    undeliverable: bool | None = None,
) -> Address:
    """The result of checking an address: VERIFIED, or FAILED (optionally undeliverable)."""
    past_instant(verified_at, unit.now(), "verifiedAt")
    if verification == VerificationStatus.UNVERIFIED:
        raise InvalidInput("A verification result is VERIFIED or FAILED.", ["verification"])
    if undeliverable and verification == VerificationStatus.VERIFIED:
        raise InvalidInput(
            "An address found undeliverable cannot be VERIFIED; record it as FAILED.",
            ["undeliverable"],
        )
    address = await unit.session.get(Address, address_id)
    if address is None:
        raise NotFound("No address has this ID.", ["addressId"])
    if verified_at.date() < address.effective_from:
        raise InvalidInput(
            "The verification is dated before the address took effect.", ["verifiedAt"]
        )
    if address.verified_at is not None and verified_at < address.verified_at:
        raise InvalidInput(
            "A later check of this address is already recorded "
            f"({address.verified_at.isoformat()}); an older one cannot replace it.",
            ["verifiedAt"],
        )
    child = await lock_child(unit, address.child_id, field=("addressId",))
    address.verification = verification
    address.verified_at = verified_at
    # The latest check decides: mail that now arrives clears an old "undeliverable".
    address.undeliverable = bool(undeliverable) and verification == VerificationStatus.FAILED
    unit.session.add(address)
    await record_changed(unit, child)
    return address


async def address_issues(
    session: AsyncSession, addresses: Sequence[Address]
) -> dict[uuid.UUID, list[AddressIssue]]:
    """What is wrong with each address, in two statements whatever the number of addresses."""
    issues: dict[uuid.UUID, list[AddressIssue]] = {a.id: [] for a in addresses}
    unitless = [a for a in addresses if a.line2 is None]
    if unitless:
        # Which children have an address with a unit on each of these street lines.
        rows = await session.exec(
            select(Address.street_key, Address.child_id)
            .where(
                col(Address.street_key).in_({a.street_key for a in unitless}),
                col(Address.line2).is_not(None),
            )
            .group_by(col(Address.street_key), col(Address.child_id))
        )
        children_with_unit: dict[str, set[uuid.UUID]] = defaultdict(set)
        for street_key, child_id in rows:
            children_with_unit[street_key].add(child_id)
        for a in unitless:
            if children_with_unit[a.street_key] - {a.child_id}:
                issues[a.id].append(AddressIssue.MISSING_UNIT)
    for a in addresses:
        if a.undeliverable:
            issues[a.id].append(AddressIssue.UNDELIVERABLE)
    current = [a for a in addresses if a.effective_to is None]
    if current:
        sponsors_at = await session.exec(
            select(Address.address_key, func.count(func.distinct(Child.sponsor_id)))
            .join(Child, col(Child.id) == col(Address.child_id))
            .where(
                col(Address.effective_to).is_(None),
                col(Address.address_key).in_({a.address_key for a in current}),
            )
            .group_by(col(Address.address_key))
        )
        crowded = {key for key, sponsors in sponsors_at if sponsors >= SHARED_ADDRESS_MIN_SPONSORS}
        for a in current:
            if a.address_key in crowded:
                issues[a.id].append(AddressIssue.SHARED_BY_UNRELATED_CHILDREN)
    return issues
