"""Reads of case records, batched: whatever the page size, each relation the caller asked for
is loaded for the whole page in one statement (selectinload), and nothing loads lazily."""

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Uuid, and_, exists, false, func, literal, or_, true, tuple_
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.strategy_options import _AbstractLoad
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Address, Alert, Child, CustodyEvent, Hearing, Notice, Representation
from models.base import UTCDateTime
from models.enums import (
    AddressIssue,
    AlertKind,
    AlertStatus,
    CustodyEventKind,
    CustodyStatus,
    HearingStatus,
    LocationStatus,
    NoticeStatus,
)
from resolvers.addresses import address_issues
from resolvers.errors import InvalidInput
from resolvers.pagination import Page, decode_cursor, encode_cursor, page_size
from resolvers.validation import a_number, aware_range, looks_like_a_number, name_key

# What the caller will read below a record: relation name -> what it reads below that.
# ISSUES under "addresses" asks for the address issues as well.
Include = Mapping[str, "Include"]
ISSUES = "@issues"

Record = TypeVar("Record", bound=SQLModel)
# Alerts still to act on.
ACTIVE_ALERTS = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


@dataclass
class Reading:
    """What a read computed besides the rows: the clock it read at, the address issues, and
    the children whose records it read."""

    now: datetime
    address_issues: dict[uuid.UUID, list[AddressIssue]] = field(default_factory=dict)
    children_read: set[uuid.UUID] = field(default_factory=set)


@dataclass(frozen=True)
class ChildFilter:
    custody_status: Sequence[CustodyStatus] | None = None
    location_status: Sequence[LocationStatus] | None = None
    court: str | None = None
    failed_to_appear: bool | None = None
    notice_served: bool | None = None
    represented: bool | None = None
    released_from: date | None = None
    released_to: date | None = None
    search: str | None = None


@dataclass(frozen=True)
class HearingFilter:
    court: str | None = None
    status: Sequence[HearingStatus] | None = None
    scheduled_from: datetime | None = None
    scheduled_to: datetime | None = None


@dataclass(frozen=True)
class AlertFilter:
    kind: Sequence[AlertKind] | None = None
    status: Sequence[AlertStatus] | None = None


def _loader_options(entity: type[SQLModel], include: Include) -> list[_AbstractLoad]:
    options: list[_AbstractLoad] = []
    for name, below in include.items():
        if name.startswith("@"):
            continue
        attribute = getattr(entity, name)
        loader = selectinload(attribute)
        nested = _loader_options(attribute.property.mapper.class_, below)
        options.append(loader.options(*nested) if nested else loader)
    return options


def _walk(
    records: Sequence[Any],
    entity: type[SQLModel],
    include: Include,
    visit: Callable[[Sequence[Any], type[SQLModel], Include], None],
) -> None:
    """Visit the loaded records of every relation the caller included, at any depth."""
    visit(records, entity, include)
    for name, below in include.items():
        if name.startswith("@"):
            continue
        related: list[Any] = []
        for record in records:
            value = getattr(record, name)
            related.extend(value if isinstance(value, list) else [] if value is None else [value])
        _walk(related, getattr(entity, name).property.mapper.class_, below, visit)


async def _complete(
    session: AsyncSession,
    records: Sequence[Any],
    entity: type[SQLModel],
    include: Include,
    now: datetime,
) -> Reading:
    """What the rows need besides themselves: the address issues (two statements at most),
    and which children's records the read reaches (for the access log)."""
    reading = Reading(now=now)
    wanted: dict[uuid.UUID, Address] = {}

    def visit(rows: Sequence[Any], kind: type[SQLModel], below: Include) -> None:
        if kind is Address and ISSUES in below:
            wanted.update((a.id, a) for a in rows)
        elif kind is Child:
            reading.children_read.update(c.id for c in rows)

    _walk(records, entity, include, visit)
    if wanted:
        reading.address_issues = await address_issues(session, list(wanted.values()))
    return reading


async def records_by_ids(
    session: AsyncSession,
    entity: type[Record],
    ids: Sequence[uuid.UUID],
    include: Include,
    now: datetime,
) -> tuple[list[Record], Reading]:
    """The records with these IDs, in the order asked, missing ones left out."""
    if not ids:
        return [], Reading(now=now)
    pk = col(getattr(entity, "id"))  # noqa: B009 (every table's key is "id")
    statement = select(entity).where(pk.in_(ids)).options(*_loader_options(entity, include))
    found = {getattr(r, "id"): r for r in (await session.exec(statement)).all()}  # noqa: B009
    rows = [found[i] for i in ids if i in found]
    return rows, await _complete(session, rows, entity, include, now)


async def child_by_a_number(
    session: AsyncSession, number: str, include: Include, now: datetime
) -> tuple[Child | None, Reading]:
    normal = a_number(number)
    statement = (
        select(Child).where(col(Child.a_number) == normal).options(*_loader_options(Child, include))
    )
    child = (await session.exec(statement)).one_or_none()
    rows = [child] if child is not None else []
    return child, await _complete(session, rows, Child, include, now)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _day_after(day: date) -> datetime:
    """The start of the next day; after 9999-12-31, the end of time as stored."""
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return _day_start(day + timedelta(days=1))


def _prefix(column: Any, text: str) -> ColumnElement[bool]:
    """`column` starts with `text`, as a range the column's index can serve on both engines."""
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return and_(column >= text, column < upper)


def child_conditions(f: ChildFilter) -> list[ColumnElement[bool]]:
    """What a child must meet to match the filter, as conditions on the child table."""
    conditions: list[ColumnElement[bool]] = []
    child_id = col(Child.id)

    def has(statement_where: ColumnElement[bool], wanted: bool) -> ColumnElement[bool]:
        clause = exists().where(statement_where)
        return clause if wanted else ~clause

    if f.custody_status is not None:
        conditions.append(col(Child.custody_status).in_(f.custody_status))
    if f.location_status is not None:
        conditions.append(col(Child.location_status).in_(f.location_status))
    if f.court is not None:
        court = f.court.strip().upper()
        conditions.append(
            has(and_(col(Hearing.child_id) == child_id, col(Hearing.court) == court), True)
        )
    if f.failed_to_appear is not None:
        conditions.append(
            has(
                and_(
                    col(Hearing.child_id) == child_id,
                    col(Hearing.status) == HearingStatus.FAILED_TO_APPEAR,
                ),
                f.failed_to_appear,
            )
        )
    if f.notice_served is not None:
        conditions.append(
            has(
                and_(
                    col(Notice.child_id) == child_id,
                    col(Notice.status).in_([NoticeStatus.SERVED, NoticeStatus.FILED]),
                ),
                f.notice_served,
            )
        )
    if f.represented is not None:
        conditions.append(
            has(
                and_(
                    col(Representation.child_id) == child_id,
                    col(Representation.withdrawn_on).is_(None),
                ),
                f.represented,
            )
        )
    if f.released_from is not None or f.released_to is not None:
        if f.released_from and f.released_to and f.released_from > f.released_to:
            raise InvalidInput("releasedFrom is after releasedTo.", ["filter", "releasedFrom"])
        window = [
            col(CustodyEvent.child_id) == child_id,
            col(CustodyEvent.kind) == CustodyEventKind.RELEASED_TO_SPONSOR,
        ]
        if f.released_from is not None:
            window.append(col(CustodyEvent.occurred_at) >= _day_start(f.released_from))
        if f.released_to is not None:
            window.append(col(CustodyEvent.occurred_at) < _day_after(f.released_to))
        conditions.append(has(and_(*window), True))
    if f.search is not None and f.search.strip():
        conditions.append(_search(f.search))
    return conditions


def _search(text: str) -> ColumnElement[bool]:
    """An A-number matches exactly; otherwise every word must begin the first or last name
    (accents and case ignored)."""
    if looks_like_a_number(text):
        return col(Child.a_number) == a_number(text)
    words = name_key(text).split()
    if not words:
        return false()
    return and_(
        *(
            or_(_prefix(col(Child.first_name_key), w), _prefix(col(Child.last_name_key), w))
            for w in words
        )
    )


async def _paged(
    session: AsyncSession,
    entity: type[SQLModel],
    include: Include,
    conditions: list[ColumnElement[bool]],
    sort: list[Any],
    cursor_values: Any,
    *,
    first: int | None,
    after: str | None,
    with_total: bool,
) -> tuple[list[Any], list[str], bool, int | None]:
    """One page of `entity` after the cursor: rows, their cursors, whether more follow, and the
    total when asked for."""
    size = page_size(first)
    statement = (
        select(entity)
        .options(*_loader_options(entity, include))
        .where(*conditions, *after_cursor(sort, after))
        .order_by(*sort)
        .limit(size + 1)
    )
    rows = list((await session.exec(statement)).all())
    has_next = len(rows) > size
    rows = rows[:size]
    total = None
    if with_total:
        count = select(func.count()).select_from(entity).where(*conditions)
        total = (await session.exec(count)).one()
    return rows, [encode_cursor(*cursor_values(r)) for r in rows], has_next, total


def after_cursor(sort: list[Any], after: str | None) -> list[ColumnElement[bool]]:
    """The keyset condition of the rows after `after`, a cursor of this sort (none without)."""
    if after is None:
        return []
    key = decode_cursor(after, len(sort))
    return [tuple_(*sort) > tuple_(*_cursor_params(sort, key))]


def _cursor_params(sort: list[Any], key: list[str]) -> list[Any]:
    """The cursor's key as values of the sort columns' own types; anything else is refused."""
    values: list[Any] = []
    for column, raw in zip(sort, key, strict=True):
        value: Any = raw
        try:
            if isinstance(column.type, UTCDateTime):
                value = datetime.fromisoformat(raw)
                if value.tzinfo is None:
                    raise ValueError("cursor instant without offset")
            elif isinstance(column.type, Uuid):
                value = uuid.UUID(raw)
        except ValueError as error:
            raise InvalidInput("This cursor was not issued by this list.", ["after"]) from error
        values.append(literal(value, type_=column.type))
    return values


async def children_page(
    session: AsyncSession,
    child_filter: ChildFilter,
    include: Include,
    now: datetime,
    *,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = False,
) -> tuple[Page[Child], Reading]:
    """Children matching the filter, in A-number order, one page after the cursor."""
    rows, cursors, has_next, total = await _paged(
        session,
        Child,
        include,
        child_conditions(child_filter),
        [col(Child.a_number)],
        lambda c: (c.a_number,),
        first=first,
        after=after,
        with_total=with_total,
    )
    page = Page(rows, cursors, has_next, after is not None, total)
    return page, await _complete(session, rows, Child, include, now)


def _hearing_conditions(f: HearingFilter, now: datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    aware_range(f.scheduled_from, f.scheduled_to)
    if f.court is not None:
        conditions.append(col(Hearing.court) == f.court.strip().upper())
    if f.status is not None:
        conditions.append(or_(false(), *(_hearing_status_is(s, now) for s in set(f.status))))
    if f.scheduled_from is not None:
        conditions.append(col(Hearing.scheduled_for) >= f.scheduled_from)
    if f.scheduled_to is not None:
        conditions.append(col(Hearing.scheduled_for) <= f.scheduled_to)
    return conditions


def _hearing_status_is(status: HearingStatus, now: datetime) -> ColumnElement[bool]:
    scheduled = col(Hearing.status) == HearingStatus.SCHEDULED
    if status == HearingStatus.SCHEDULED:
        return and_(scheduled, col(Hearing.scheduled_for) >= now)
    if status == HearingStatus.OVERDUE:
        return and_(scheduled, col(Hearing.scheduled_for) < now)
    return col(Hearing.status) == status


def hearing_status(hearing: Hearing, now: datetime) -> HearingStatus:
    """The status as read: a SCHEDULED hearing whose time has passed is OVERDUE."""
    if hearing.status == HearingStatus.SCHEDULED and hearing.scheduled_for < now:
        return HearingStatus.OVERDUE
    return hearing.status


def next_hearing(hearings: Sequence[Hearing], now: datetime) -> Hearing | None:
    """The earliest SCHEDULED hearing still in the future."""
    upcoming = [
        h for h in hearings if h.status == HearingStatus.SCHEDULED and h.scheduled_for >= now
    ]
    return min(upcoming, key=lambda h: h.scheduled_for, default=None)


def current_representation(representations: Sequence[Representation]) -> Representation | None:
    """The latest representation not withdrawn."""
    active = [r for r in representations if r.withdrawn_on is None]
    return max(active, key=lambda r: r.entered_on, default=None)


def current_address(addresses: Sequence[Address]) -> Address | None:
    return next((a for a in addresses if a.effective_to is None), None)


async def hearings_page(
    session: AsyncSession,
    hearing_filter: HearingFilter,
    include: Include,
    now: datetime,
    *,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = False,
) -> tuple[Page[Hearing], Reading]:
    """Hearings matching the filter, soonest first."""
    rows, cursors, has_next, total = await _paged(
        session,
        Hearing,
        include,
        _hearing_conditions(hearing_filter, now),
        [col(Hearing.scheduled_for), col(Hearing.id)],
        lambda h: (h.scheduled_for.isoformat(), str(h.id)),
        first=first,
        after=after,
        with_total=with_total,
    )
    page = Page(rows, cursors, has_next, after is not None, total)
    return page, await _complete(session, rows, Hearing, include, now)


async def alerts_page(
    session: AsyncSession,
    alert_filter: AlertFilter,
    include: Include,
    now: datetime,
    *,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = False,
) -> tuple[Page[Alert], Reading]:
    """Alerts matching the filter, oldest first."""
    conditions: list[ColumnElement[bool]] = [true()]
    if alert_filter.kind is not None:
        conditions.append(col(Alert.kind).in_(alert_filter.kind))
    if alert_filter.status is not None:
        conditions.append(col(Alert.status).in_(alert_filter.status))
    rows, cursors, has_next, total = await _paged(
        session,
        Alert,
        include,
        conditions,
        [col(Alert.raised_at), col(Alert.id)],
        lambda a: (a.raised_at.isoformat(), str(a.id)),
        first=first,
        after=after,
        with_total=with_total,
    )
    page = Page(rows, cursors, has_next, after is not None, total)
    return page, await _complete(session, rows, Alert, include, now)


# A work queue's order: oldest due first (an alert raised before due times were kept is due
# when raised), ties by id.
ALERT_DUE = func.coalesce(col(Alert.due_at), col(Alert.raised_at))


async def work_queue_page(
    session: AsyncSession,
    office: str,
    kinds: Collection[AlertKind] | None,
    include: Include,
    now: datetime,
    *,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = False,
) -> tuple[Page[Alert], Reading]:
    """The open and acknowledged alerts of the office's children, of `kinds` (None: all),
    oldest due first."""
    conditions: list[ColumnElement[bool]] = [
        col(Alert.status).in_(ACTIVE_ALERTS),
        col(Alert.child_id).in_(select(Child.id).where(col(Child.field_office) == office)),
    ]
    if kinds:
        conditions.append(col(Alert.kind).in_(list(kinds)))
    rows, cursors, has_next, total = await _paged(
        session,
        Alert,
        include,
        conditions,
        [ALERT_DUE, col(Alert.id)],
        lambda a: ((a.due_at or a.raised_at).isoformat(), str(a.id)),
        first=first,
        after=after,
        with_total=with_total,
    )
    page = Page(rows, cursors, has_next, after is not None, total)
    return page, await _complete(session, rows, Alert, include, now)
