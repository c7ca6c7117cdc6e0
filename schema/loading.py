"""Reading records for the API: the selection decides what is loaded, in one statement per
relation for all the records at once."""

import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.types.nodes import Selection

import models
from resolvers import duplicates, reads
from schema.context import Info
from schema.lookahead import child_selections, include_for
from schema.types.records import Child, PossibleDuplicate, as_node


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


async def present_duplicates(
    info: Info,
    found: list[duplicates.PossibleDuplicate],
    selections: Iterable[Selection],
    session: AsyncSession | None = None,
) -> list[PossibleDuplicate]:
    """The API's possible duplicates, each with its child loaded as `selections` ask."""
    if not found:
        return []
    children = await load_children(info, [d.child_id for d in found], selections, session)
    by_id = {c.record_id: c for c in children}
    return [
        PossibleDuplicate(child=by_id[d.child_id], similarity=d.similarity, reasons=list(d.reasons))
        for d in found
        if d.child_id in by_id
    ]


async def duplicates_of(info: Info, child_id: uuid.UUID) -> list[PossibleDuplicate]:
    """`Child.possibleDuplicates`: looked for once for all the children of a request."""
    context = info.context
    if context.duplicates is None:

        async def look_for(ids: list[uuid.UUID]) -> list[list[duplicates.PossibleDuplicate]]:
            async with context.read_sessions() as session:
                found = await duplicates.of_children(session, ids)
            return [found.get(i, []) for i in ids]

        context.duplicates = DataLoader(load_fn=look_for)
    found = await context.duplicates.load(child_id)
    return await present_duplicates(info, found, field_selections(info, "child"))
