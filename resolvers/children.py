"""What every change to a child's case shares: finding and locking the child, checking the
expected version, counting the change, and keeping `location_status` true."""

import uuid
from collections.abc import Collection

from sqlmodel import col, select

from models import Address, Child, ContactAttempt
from models.enums import (
    AlertKind,
    ContactOutcome,
    CustodyStatus,
    LocationStatus,
    VerificationStatus,
)
from resolvers.alerts import evaluate_child
from resolvers.case_summary import summarise
from resolvers.errors import NotFound, VersionConflict
from resolvers.offices import assign_offices
from resolvers.unit import Unit

IN_CUSTODY = frozenset({CustodyStatus.IN_DHS_CUSTODY, CustodyStatus.IN_HHS_CUSTODY})


async def lock_child(
    unit: Unit,
    child_id: uuid.UUID,
    *,
    expected_version: int | None = None,
    field: tuple[str, ...] = ("childId",),
) -> Child:
    """The child, locked for this transaction (PostgreSQL: FOR UPDATE; SQLite's writer already
    holds the database lock), after checking `expected_version` when one is given."""
    statement = select(Child).where(col(Child.id) == child_id).with_for_update()
    child = (await unit.session.exec(statement)).one_or_none()
    if child is None:
        raise NotFound("No child has this ID.", field)
    if expected_version is not None and expected_version != child.version:
        raise VersionConflict(
            f"The record changed since you read it: it is at version {child.version}, "
            f"you expected {expected_version}. Reload it and try again.",
            ["expectedVersion"],
        )
    return child


async def current_address(unit: Unit, child_id: uuid.UUID) -> Address | None:
    statement = select(Address).where(
        col(Address.child_id) == child_id, col(Address.effective_to).is_(None)
    )
    return (await unit.session.exec(statement)).one_or_none()


async def record_changed(unit: Unit, child: Child, triggers: Collection[AlertKind] = ()) -> None:
    """Count one change of the child's case record and recompute what derives from it: the
    field office, the location status, the case summary and the child's alerts. Called once
    per mutation, after its writes; `triggers` are the alert kinds the change itself causes
    (beyond those seen here: an address written, the location turning UNKNOWN)."""
    triggered = set(triggers)
    pending = (*unit.session.new, *unit.session.dirty)
    moved = any(isinstance(row, Address) and row.child_id == child.id for row in pending)
    if moved:
        triggered.add(AlertKind.ADDRESS_ISSUE)
    was = child.location_status
    child.version += 1
    await unit.session.flush()
    await assign_offices(unit, [child], moved={child.id} if moved else ())
    child.location_status = await _location_status(unit, child)
    if child.location_status == LocationStatus.UNKNOWN and was != LocationStatus.UNKNOWN:
        triggered.add(AlertKind.LOCATION_UNKNOWN)
    unit.session.add(child)
    await summarise(unit, [child.id])
    await evaluate_child(unit, child.id, triggered)


async def _location_status(unit: Unit, child: Child) -> LocationStatus:
    if child.custody_status in IN_CUSTODY:
        return LocationStatus.VERIFIED
    if child.custody_status == CustodyStatus.MISSING_FROM_HHS_CARE:
        return LocationStatus.UNKNOWN
    address = await current_address(unit, child.id)
    if address is None:
        return LocationStatus.UNKNOWN
    attempts = select(ContactAttempt).where(col(ContactAttempt.child_id) == child.id)
    if address.verified_at is not None:
        attempts = attempts.where(col(ContactAttempt.attempted_at) > address.verified_at)
    latest = (
        await unit.session.exec(attempts.order_by(col(ContactAttempt.attempted_at).desc()).limit(1))
    ).one_or_none()
    return location_status(address.verification, latest.outcome if latest else None)


def location_status(
    verification: VerificationStatus, latest_outcome: ContactOutcome | None
) -> LocationStatus:
    """For a child out of custody with a current address (checked with this result), given
    the outcome of the latest contact attempt made after that address was last checked (or
    ever, if never checked)."""
    if latest_outcome == ContactOutcome.NOT_LOCATED:
        return LocationStatus.UNKNOWN
    if verification == VerificationStatus.VERIFIED and latest_outcome is None:
        return LocationStatus.VERIFIED
    return LocationStatus.UNVERIFIED
