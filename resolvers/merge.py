"""Two records of one child made one: everything the second record holds moves to the first,
the second's row goes, and a link between them keeps both histories whole and together."""

import uuid
from typing import Any

from sqlmodel import col, select

from models import (
    Address,
    Alert,
    CaseSummary,
    Child,
    ChildMerge,
    ContactAttempt,
    CustodyEvent,
    Hearing,
    Notice,
    Representation,
)
from models.enums import AlertStatus
from resolvers.children import lock_child, record_changed
from resolvers.errors import InvalidInput
from resolvers.unit import Unit
from resolvers.validation import required_text

# Every table whose rows belong to one child, moved row by row through the session so that the
# history records each move (child_id before and after).
_OWNED: tuple[type[Any], ...] = (
    Address,
    CustodyEvent,
    ContactAttempt,
    Notice,
    Hearing,
    Representation,
    Alert,
    ChildMerge,
)
# The collections a row's delete would otherwise try to load (they are lazy="raise").
_COLLECTIONS = [
    "addresses",
    "custody_events",
    "contact_attempts",
    "notices",
    "hearings",
    "representations",
    "alerts",
]


async def merge_children(
    unit: Unit,
    *,
    kept_id: uuid.UUID,
    merged_id: uuid.UUID,
    reason: str | None,
    kept_expected_version: int | None = None,
    merged_expected_version: int | None = None,
) -> tuple[Child, ChildMerge]:
    """Merge the record `merged_id` into `kept_id`: the kept record's own fields stand (a
    sponsor it lacks is taken from the other), every record of the other moves to it, and
    where both have what a child may have only one of (a current address, an active alert of
    a kind) the later one stays and the earlier is closed."""
    required_text(reason or "", "reason")
    if kept_id == merged_id:
        raise InvalidInput("A record cannot be merged into itself.", ["mergeChildId"])
    # Locked in one order whatever the arguments' order, so that two merges of the same pair
    # wait for each other instead of deadlocking.
    locked: dict[uuid.UUID, Child] = {}
    for child_id in sorted((kept_id, merged_id)):
        is_kept = child_id == kept_id
        locked[child_id] = await lock_child(
            unit,
            child_id,
            expected_version=kept_expected_version if is_kept else merged_expected_version,
            field=("keepChildId",) if is_kept else ("mergeChildId",),
        )
    kept, merged = locked[kept_id], locked[merged_id]
    if kept.sponsor_id is None:
        kept.sponsor_id = merged.sponsor_id
    await _close_what_only_one_may_have(unit, kept, merged)
    for table in _OWNED:
        rows = await unit.session.exec(select(table).where(col(table.child_id) == merged.id))
        for row in rows.all():
            row.child_id = kept.id
            unit.session.add(row)
    link = ChildMerge(
        child_id=kept.id,
        merged_child_id=merged.id,
        merged_a_number=merged.a_number,
        merged_at=unit.now(),
    )
    unit.session.add(link)
    await unit.session.flush()
    summary = await unit.session.get(CaseSummary, merged.id)
    if summary is not None:  # derived from the records, which summarise() counts for the kept
        await unit.session.delete(summary)
    await unit.session.refresh(merged, _COLLECTIONS)  # now empty: nothing left to detach
    await unit.session.delete(merged)
    await unit.session.flush()
    await record_changed(unit, kept)
    return kept, link


async def _close_what_only_one_may_have(unit: Unit, kept: Child, merged: Child) -> None:
    """Of two current addresses, the one that took effect later stays current and the other
    ends on that day; of two active alerts of a kind, the earlier raised stays (its age is the
    case's) and the other is resolved. Flushed before any row moves, so that the database's
    one-current-address and one-active-alert rules hold at every step."""
    current = await unit.session.exec(
        select(Address).where(
            col(Address.child_id).in_([kept.id, merged.id]), col(Address.effective_to).is_(None)
        )
    )
    addresses = sorted(current.all(), key=lambda a: (a.effective_from, a.child_id == kept.id))
    for earlier in addresses[:-1]:
        earlier.effective_to = addresses[-1].effective_from
        unit.session.add(earlier)
    active = await unit.session.exec(
        select(Alert).where(
            col(Alert.child_id).in_([kept.id, merged.id]),
            col(Alert.status) != AlertStatus.RESOLVED,
        )
    )
    first_of_kind: dict[Any, Alert] = {}
    for alert in sorted(active.all(), key=lambda a: (a.raised_at, a.child_id != kept.id)):
        if alert.kind not in first_of_kind:
            first_of_kind[alert.kind] = alert
            continue
        alert.status = AlertStatus.RESOLVED
        alert.resolved_at = unit.now()
        alert.resolved_by = unit.actor.name
        unit.session.add(alert)
    await unit.session.flush()
