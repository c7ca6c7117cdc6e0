"""The access log: which children's records each request read, by whom and when."""

import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from audit.tables import AccessLogEntry
from models.db import autocommitting, driver_statement

access_table = AccessLogEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AccessEntry:
    """Who read, when, in which request and operation: an entry of the log but its child."""

    read_at: datetime
    actor_name: str
    actor_role: str
    request_id: str | None
    operation: str | None

    def parameters(self) -> dict[str, Any]:
        """The parameters of `_entries` (and so of `logging_reads`)."""
        return {
            "entry_read_at": self.read_at,
            "entry_actor_name": self.actor_name,
            "entry_actor_role": self.actor_role,
            "entry_request_id": self.request_id,
            "entry_operation": self.operation,
        }


def logging_reads(read: sa.Select[Any], *, key: str, order: str, logged: int) -> sa.Select[Any]:
    """`read` (whose columns are labelled), rewritten to append an access-log entry for each
    of the first `logged` rows it returns in `order` (a page reads one row past its end) in
    the same statement: a data-modifying WITH, PostgreSQL only. Run in a transaction of its
    own, the read and its entries commit together in one round trip, where reading and then
    logging took two transactions and about four round trips more. The rows come in `order`;
    the parameters are the read's and `AccessEntry.parameters`."""
    rows = read.cte("read_rows")
    children = sa.select(rows.c[key]).order_by(rows.c[order]).limit(logged).subquery("read_keys")
    logging = _entries(children.c[key]).cte("logged")
    return sa.select(*rows.c).order_by(rows.c[order]).add_cte(logging)


async def record_reads(
    engine: AsyncEngine,
    *,
    child_ids: Collection[uuid.UUID],
    read_at: datetime,
    actor_name: str,
    actor_role: str,
    request_id: str | None,
    operation: str | None,
) -> None:
    """One entry per child read, in one statement whose parameters are the same few however
    many children a request read (a page reads a hundred). The statement is a transaction of
    its own, run by the driver itself (see `DriverStatement`): on SQLite, through SQLAlchemy,
    its BEGIN, statement and COMMIT were each a hop to aiosqlite's thread and back."""
    if not child_ids:
        return
    ordered = sorted(child_ids)
    postgres = engine.dialect.name == "postgresql"
    entry = AccessEntry(read_at, actor_name, actor_role, request_id, operation)
    statement = driver_statement(_ENTRIES_PG if postgres else _ENTRIES_SQLITE, engine.dialect)
    await statement.run(
        autocommitting(engine),
        {
            "children": ordered if postgres else json.dumps([key.hex for key in ordered]),
            **entry.parameters(),
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
