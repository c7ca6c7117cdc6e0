"""Reading records for the API: the selection decides what is loaded, in one statement per
relation for all the records at once."""

import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types.nodes import Selection

import models
from resolvers import reads
from schema.context import Info
from schema.lookahead import child_selections, include_for
from schema.types.records import Child, as_node


@asynccontextmanager
async def _reading(info: Info, session: AsyncSession | None) -> AsyncIterator[AsyncSession]:
    """The session given (a mutation's own, to answer with what it wrote) or a new read one."""
    if session is not None:
        yield session
        return
    async with info.context.read_sessions() as fresh:
        yield fresh


def remember(info: Info, reading: reads.Reading) -> reads.Reading:
    """Note the children a read reached, for the request's access-log entry."""
    info.context.children_read |= reading.children_read
    return reading


async def load_children(
    info: Info,
    ids: list[uuid.UUID],
    selections: Iterable[Selection],
    session: AsyncSession | None = None,
) -> list[Child]:
    include = include_for(selections, "Child")
    async with _reading(info, session) as reader:
        rows, reading = await reads.records_by_ids(
            reader, models.Child, ids, include, info.context.clock()
        )
    remember(info, reading)
    return [Child.from_row(r, include, reading) for r in rows]


async def load_node(
    info: Info,
    table: type[Any],
    type_name: str,
    record_id: uuid.UUID,
    selections: Iterable[Selection],
    session: AsyncSession | None = None,
) -> Any | None:
    include = include_for(selections, type_name)
    async with _reading(info, session) as reader:
        rows, reading = await reads.records_by_ids(
            reader, table, [record_id], include, info.context.clock()
        )
    remember(info, reading)
    return as_node(rows[0], include, reading) if rows else None


def field_selections(info: Info, *path: str) -> list[Selection]:
    """The selections under this field, then under `path` (e.g. "child" in a payload)."""
    return child_selections(info.selected_fields[0].selections, *path)
