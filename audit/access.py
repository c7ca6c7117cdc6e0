"""The access log: which children's records each request read, by whom and when."""

import json
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import insert
from sqlalchemy.dialects import postgresql
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
    """One entry per child read, in one statement whose parameters are the same few however
    many children a request read (a page reads a hundred)."""
    if not child_ids:
        return
    connection = await session.connection()
    ordered = sorted(child_ids)
    postgres = connection.dialect.name == "postgresql"
    await connection.execute(
        _ENTRIES_PG if postgres else _ENTRIES_SQLITE,
        {
            "children": ordered if postgres else json.dumps([key.hex for key in ordered]),
            "entry_read_at": read_at,
            "entry_actor_name": actor_name,
            "entry_actor_role": actor_role,
            "entry_request_id": request_id,
            "entry_operation": operation,
        },
    )


def _entries(children: Any) -> Any:
    """The access log's insert of one entry per child that `children` (a column) yields."""
    return insert(access_table).from_select(
        ["child_id", "read_at", "actor_name", "actor_role", "request_id", "operation"],
        sa.select(
            children,
            sa.bindparam("entry_read_at", type_=access_table.c.read_at.type),
            sa.bindparam("entry_actor_name", type_=sa.String),
            sa.bindparam("entry_actor_role", type_=sa.String),
            sa.bindparam("entry_request_id", type_=sa.String),
            sa.bindparam("entry_operation", type_=sa.String),
        ),
    )


# The children as one parameter: an array on PostgreSQL, a JSON array of SQLite's 32-digit keys.
_ENTRIES_PG = _entries(
    sa.func.unnest(sa.bindparam("children", type_=postgresql.ARRAY(sa.Uuid())), type_=sa.Uuid())
)
_ENTRIES_SQLITE = _entries(
    sa.func.json_each(sa.bindparam("children", type_=sa.Text)).table_valued("value").c.value
)


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
