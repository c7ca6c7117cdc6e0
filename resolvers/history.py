"""The history as the API reads it: the log, a child's history, a child as of a moment, and
verification. The work is audit/'s; this is where the API's operations reach it."""

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from audit import access, history, verify
from audit.capture import DERIVED_COLUMNS
from audit.history import AuditFilter, EventPage, api_field_name
from audit.tables import AccessLogEntry
from audit.tables import AuditEvent as AuditEventRow
from audit.verify import Verification
from models import ChildMerge
from resolvers.errors import InvalidInput
from resolvers.pagination import decode_cursor, encode_cursor, page_size
from resolvers.unit import Actor
from resolvers.validation import aware, aware_range

__all__ = [
    "DERIVED_COLUMNS",
    "AccessLogEntry",
    "AuditEventRow",
    "AuditFilter",
    "EventPage",
    "Verification",
    "api_field_name",
    "event_cursor",
]


def event_cursor(event: AuditEventRow) -> str:
    return encode_cursor(str(event.sequence))


async def events(
    session: AsyncSession,
    audit_filter: AuditFilter,
    *,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = False,
) -> EventPage:
    """Events matching the filter, oldest first (keyset on the sequence). A child's events
    include those of the records merged into its own."""
    aware_range(audit_filter.recorded_from, audit_filter.recorded_to)
    if audit_filter.child_id is not None:
        merged = await merged_into(session, audit_filter.child_id)
        audit_filter = replace(audit_filter, merged_child_ids=merged)
    after_sequence = None
    if after is not None:
        (raw,) = decode_cursor(after, 1)
        if not raw.isdigit():
            raise InvalidInput("This cursor was not issued by this list.", ["after"])
        after_sequence = int(raw)
    return await history.events_page(
        session,
        audit_filter,
        first=page_size(first),
        after_sequence=after_sequence,
        with_total=with_total,
    )


async def event(session: AsyncSession, event_id: uuid.UUID) -> AuditEventRow | None:
    return await history.event_by_id(session, event_id)


async def child_as_of(
    session: AsyncSession, child_id: uuid.UUID, at: datetime
) -> dict[str, Any] | None:
    """The child as recorded at `at`; None before its intake."""
    aware(at, "at")
    return await history.child_as_of(session, child_id, at, await merged_into(session, child_id))


async def merged_into(session: AsyncSession, child_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    """The records merged into this child's, in the order they were merged."""
    rows = await session.exec(
        select(ChildMerge.merged_child_id)
        .where(col(ChildMerge.child_id) == child_id)
        .order_by(col(ChildMerge.merged_at), col(ChildMerge.id))
    )
    return tuple(rows.all())


async def merges_into(session: AsyncSession, child_id: uuid.UUID) -> list[ChildMerge]:
    """The merges that made this child's record, oldest first."""
    rows = await session.exec(
        select(ChildMerge)
        .where(col(ChildMerge.child_id) == child_id)
        .order_by(col(ChildMerge.merged_at), col(ChildMerge.id))
    )
    return list(rows.all())


async def verification(
    engine: AsyncEngine, public_key: Ed25519PublicKey | None
) -> verify.Verification:
    """Recompute the chain, check the checkpoints and replay every record."""
    return await verify.verify_database(engine, public_key)


async def record_reads(
    engine: AsyncEngine,
    *,
    actor: Actor,
    request_id: str,
    operation: str | None,
    child_ids: set[uuid.UUID],
    now: datetime,
) -> None:
    """Append to the access log that this request read these children's records."""
    await access.record_reads(
        engine,
        child_ids=child_ids,
        read_at=now,
        actor_name=actor.name,
        actor_role=str(actor.role),
        request_id=request_id,
        operation=operation,
    )


async def reads_of(
    session: AsyncSession, child_id: uuid.UUID, *, first: int | None
) -> list[AccessLogEntry]:
    """The latest reads of a child's record, newest first."""
    return await access.reads_of(session, child_id, limit=page_size(first))
