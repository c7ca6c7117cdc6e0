"""The access log: which children's records each request read, by whom and when."""

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from audit.tables import AccessLogEntry

access_table = AccessLogEntry.__table__  # type: ignore[attr-defined]


async def record_reads(
    session: AsyncSession,
    *,
    child_ids: Collection[uuid.UUID],
    read_at: datetime,
    actor_name: str,
    actor_role: str,
    request_id: str | None,
    operation: str | None,
) -> None:
    """One entry per child read, in one statement."""
    rows = [
        {
            "child_id": child_id,
            "read_at": read_at,
            "actor_name": actor_name,
            "actor_role": actor_role,
            "request_id": request_id,
            "operation": operation,
        }
        for child_id in sorted(child_ids)
    ]
    if rows:
        await session.exec(insert(access_table), params=rows)


async def reads_of(
    session: AsyncSession, child_id: uuid.UUID, *, limit: int
) -> list[AccessLogEntry]:
    """The latest reads of a child's record, newest first."""
    statement = (
        select(AccessLogEntry)
        .where(access_table.c.child_id == child_id)
        .order_by(access_table.c.id.desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())
