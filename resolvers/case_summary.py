"""Each child's case summary (models/case_summary.py), derived from the child's records by one
SQL definition: written with every change to the case, rebuilt, and checked against them."""

import uuid
from collections.abc import Collection
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    exists,
    false,
    func,
    or_,
    outerjoin,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from models import CaseSummary, Child, CustodyEvent, Hearing, Notice, Representation
from models.enums import CustodyEventKind, HearingStatus, LocationStatus, NoticeStatus
from resolvers.unit import Unit

FLAGS = (
    "released",
    "transferred",
    "notice_served",
    "heard",
    "failed_to_appear",
    "in_absentia",
    "appeared",
    "represented",
    "location_unknown",
)
# The first and last release, by which the report finds the children released in a window.
INSTANTS = ("first_released_at", "last_released_at")
COLUMNS = FLAGS + INSTANTS
# Children summarised by one statement (its parameters).
_TOGETHER = 2_000


def _custody_event(kind: CustodyEventKind) -> ColumnElement[bool]:
    return exists().where(col(CustodyEvent.child_id) == Child.id, col(CustodyEvent.kind) == kind)


def _hearing(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(col(Hearing.child_id) == Child.id, *conditions)


def derived(children: Collection[uuid.UUID] | BindParameter[Any] | None = None) -> Select[Any]:
    """The summary of each child (of all, when `children` is None) as its records say, in the
    column order of COLUMNS after the child's id."""
    flags: dict[str, ColumnElement[bool]] = {
        "released": _custody_event(CustodyEventKind.RELEASED_TO_SPONSOR),
        "transferred": _custody_event(CustodyEventKind.TRANSFERRED_TO_HHS),
        "notice_served": exists().where(
            col(Notice.child_id) == Child.id,
            col(Notice.status).in_((NoticeStatus.SERVED, NoticeStatus.FILED)),
        ),
        "heard": _hearing(),
        "failed_to_appear": _hearing(col(Hearing.status) == HearingStatus.FAILED_TO_APPEAR),
        "in_absentia": _hearing(col(Hearing.in_absentia_order).is_(True)),
        "appeared": _hearing(col(Hearing.status) == HearingStatus.APPEARED),
        "represented": exists().where(
            col(Representation.child_id) == Child.id,
            col(Representation.withdrawn_on).is_(None),
        ),
        "location_unknown": col(Child.location_status) == LocationStatus.UNKNOWN,
    }
    # The first and last release, grouped once and joined: as a subquery per child, a plan
    # made before the tables had statistics (a seed into an empty database) read every
    # custody event for each child.
    releases = select(
        col(CustodyEvent.child_id),
        func.min(CustodyEvent.occurred_at).label("first_released_at"),
        func.max(CustodyEvent.occurred_at).label("last_released_at"),
    ).where(col(CustodyEvent.kind) == CustodyEventKind.RELEASED_TO_SPONSOR)
    if children is not None:
        releases = releases.where(col(CustodyEvent.child_id).in_(children))
    released = releases.group_by(col(CustodyEvent.child_id)).subquery("releases")
    columns: list[Any] = [
        col(Child.id),
        *(flags[name].label(name) for name in FLAGS),
        *(released.c[name] for name in INSTANTS),
    ]
    statement = select(*columns).select_from(
        outerjoin(Child, released, released.c.child_id == Child.id)
    )
    if children is not None:
        statement = statement.where(col(Child.id).in_(children))
    return statement


async def summarise(unit: Unit, children: Collection[uuid.UUID]) -> None:
    """Bring the children's summaries up to their records, in the unit's transaction: after
    every change to their cases, so a summary commits with the change it summarises."""
    await unit.session.flush()
    await write_summaries(await unit.session.connection(), children)


async def write_summaries(
    connection: AsyncConnection, children: Collection[uuid.UUID] | None = None
) -> None:
    """Write the summaries of these children (of all, when None), replacing what was there."""
    dialect = connection.dialect.name
    if children is None:
        await connection.execute(_upsert(dialect, derived()))
        return
    batch = list(children)
    statement = _children_upsert(dialect)
    for start in range(0, len(batch), _TOGETHER):
        await connection.execute(statement, {"children": batch[start : start + _TOGETHER]})


@cache
def _children_upsert(dialect: str) -> Any:
    """The upsert of the children given as the `children` parameter, built once per dialect:
    every change to a case writes a summary, and building this statement anew (nine EXISTS)
    cost about 2 ms of a mutation's CPU."""
    return _upsert(dialect, derived(bindparam("children", expanding=True)))


def _upsert(dialect_name: str, rows: Select[Any]) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = CaseSummary.__table__  # type: ignore[attr-defined]
    # SQLite reads ON CONFLICT after a SELECT with no WHERE as part of a join; give it one.
    statement = dialect.insert(table).from_select(["child_id", *COLUMNS], rows.where(true()))
    return statement.on_conflict_do_update(
        index_elements=["child_id"],
        set_={name: statement.excluded[name] for name in COLUMNS},
    )


async def stale_summaries(connection: AsyncConnection) -> list[uuid.UUID]:
    """The children whose stored summary differs from what their records say (a child with
    none reads as all false): a write that bypassed the operations, or a summary edited."""
    should = derived().subquery()
    stored = CaseSummary.__table__  # type: ignore[attr-defined]
    differs = or_(
        *(should.c[name] != func.coalesce(stored.c[name], false()) for name in FLAGS),
        *(should.c[name].is_distinct_from(stored.c[name]) for name in INSTANTS),
    )
    rows = await connection.execute(
        select(should.c.id)
        .select_from(should.outerjoin(stored, stored.c.child_id == should.c.id))
        .where(differs)
        .order_by(should.c.id)
    )
    return [child_id for (child_id,) in rows]
