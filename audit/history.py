"""Reading the history: the log with filters, a child's own history, and a child rebuilt as it
was recorded at any moment."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from audit.canonical import canonical_value
from audit.capture import DERIVED_COLUMNS
from audit.tables import AuditEvent
from audit.verify import events_table, replay


@dataclass(frozen=True)
class AuditFilter:
    entity_type: str | None = None
    entity_id: uuid.UUID | None = None
    actor_name: str | None = None
    action: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    child_id: uuid.UUID | None = None
    # Records merged into the child's: their events are the child's history too.
    merged_child_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class EventPage:
    events: Sequence[AuditEvent]
    has_next: bool
    total_count: int | None


def _conditions(f: AuditFilter) -> list[ColumnElement[bool]]:
    c = events_table.c
    conditions: list[ColumnElement[bool]] = []
    for column, value in (
        (c.entity_type, f.entity_type),
        (c.entity_id, f.entity_id),
        (c.actor_name, f.actor_name),
        (c.action, f.action),
    ):
        if value is not None:
            conditions.append(column == value)
    if f.child_id is not None:
        conditions.append(c.child_id.in_((f.child_id, *f.merged_child_ids)))
    if f.recorded_from is not None:
        conditions.append(c.recorded_at >= f.recorded_from)
    if f.recorded_to is not None:
        conditions.append(c.recorded_at <= f.recorded_to)
    return conditions


async def events_page(
    session: AsyncSession,
    audit_filter: AuditFilter,
    *,
    first: int,
    after_sequence: int | None = None,
    with_total: bool = False,
) -> EventPage:
    """Events matching the filter, oldest first, after the sequence of the cursor; `first` is
    the page size, already defaulted and capped by the caller."""
    conditions = _conditions(audit_filter)
    keyed = [*conditions]
    if after_sequence is not None:
        keyed.append(events_table.c.sequence > after_sequence)
    size = max(0, first)
    statement = select(AuditEvent).where(*keyed).order_by(events_table.c.sequence).limit(size + 1)
    events = list((await session.exec(statement)).all())
    total = None
    if with_total:
        count = select(func.count()).select_from(events_table).where(*conditions)
        total = (await session.exec(count)).one()
    return EventPage(events[:size], len(events) > size, total)


async def event_by_id(session: AsyncSession, event_id: uuid.UUID) -> AuditEvent | None:
    statement = select(AuditEvent).where(events_table.c.event_id == event_id)
    return (await session.exec(statement)).one_or_none()


# How a rebuilt child presents its records (the API's field names).
_OWNED = {
    "Address": "addresses",
    "CustodyEvent": "custodyEvents",
    "ContactAttempt": "contactAttempts",
    "Notice": "notices",
    "Hearing": "hearings",
    "Representation": "representations",
    "Alert": "alerts",
}
_ORDER = {
    "addresses": "effectiveFrom",
    "custodyEvents": "occurredAt",
    "contactAttempts": "attemptedAt",
    "notices": "issuedOn",
    "hearings": "scheduledFor",
    "representations": "enteredOn",
    "alerts": "raisedAt",
}
# Not shown in a snapshot: the derived search keys, and the owner already holding the record.
_HIDDEN = DERIVED_COLUMNS | {"child_id"}


def api_field_name(name: str) -> str:
    """A column's name as the API spells the field (custody_status -> custodyStatus)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _present(state: dict[str, Any]) -> dict[str, Any]:
    return {api_field_name(k): v for k, v in state.items() if k not in _HIDDEN}


async def child_as_of(
    session: AsyncSession,
    child_id: uuid.UUID,
    at: datetime,
    merged_child_ids: Sequence[uuid.UUID] = (),
) -> dict[str, Any] | None:
    """The child and its records as the history had them at `at`, or None if not yet recorded.
    Records of `merged_child_ids` (records merged into this child's) show from their move on:
    a record is the child's at `at` if it belonged to the child then."""
    c = events_table.c
    rows = await session.exec(
        select(c.entity_type, c.entity_id, c.changes)
        .where(c.child_id.in_((child_id, *merged_child_ids)), c.recorded_at <= at)
        .order_by(c.sequence)
    )
    states: dict[tuple[str, uuid.UUID], dict[str, Any] | None] = {}
    for entity_type, entity_id, changes in rows:
        key = (entity_type, entity_id)
        states[key] = replay(states.get(key), changes)
    child = states.get(("Child", child_id))
    if child is None:
        return None
    snapshot = _present(child)
    owner = canonical_value(child_id)
    for (entity_type, _), state in states.items():
        if entity_type in _OWNED and state is not None and state.get("child_id") == owner:
            snapshot.setdefault(_OWNED[entity_type], []).append(_present(state))
    for name, order in _ORDER.items():
        records = snapshot.setdefault(name, [])
        records.sort(key=lambda r, o=order: r.get(o) or "")
    snapshot["currentAddress"] = next(
        (a for a in snapshot["addresses"] if a.get("effectiveTo") is None), None
    )
    sponsor_id = child.get("sponsor_id")
    snapshot["sponsor"] = (
        await _entity_as_of(session, "Sponsor", uuid.UUID(sponsor_id), at) if sponsor_id else None
    )
    return snapshot


async def _entity_as_of(
    session: AsyncSession, entity_type: str, entity_id: uuid.UUID, at: datetime
) -> dict[str, Any] | None:
    c = events_table.c
    rows = await session.exec(
        select(c.changes)
        .where(c.entity_type == entity_type, c.entity_id == entity_id, c.recorded_at <= at)
        .order_by(c.sequence)
    )
    state: dict[str, Any] | None = None
    for changes in rows:
        state = replay(state, changes)
    return _present(state) if state is not None else None
