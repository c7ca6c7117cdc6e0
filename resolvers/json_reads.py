"""Reads answered with JSON the database builds: each record, with the relations a query
selects, rendered by one SQL expression (PostgreSQL json_build_object/json_agg, SQLite
json_object/json_group_array) in exactly the form the API writes it: global IDs, ISO instants,
enum names, lists in the order the ordinary read path gives.

A `Shape` says what to render for one record. `record_sql` turns it into SQL text once; the
text is then placed in a statement per request, beside the page's keyset, filter and clock,
which are bound as parameters."""

# ruff: noqa: S608 - the SQL text is put together from table and column names of the models
# and this module's constants; every value is bound as a parameter.

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel, col

from audit.access import AccessEntry, logging_reads
from models import (
    Address,
    Child,
    ContactAttempt,
    CustodyEvent,
    Hearing,
    Notice,
    Representation,
    Sponsor,
)
from models.base import UTCDateTime
from models.db import first_row
from models.enums import HearingStatus
from resolvers import reads
from resolvers.pagination import encode_cursor, page_size
from resolvers.validation import a_number as normal_a_number

# A shape's part: what one key of the rendered object holds.


@dataclass(frozen=True)
class Column:
    """A column of the record, in the API's form for its type."""

    name: str


@dataclass(frozen=True)
class GlobalId:
    """The record's global ID: URL-safe base64 of "Type:uuid"."""

    type_name: str


@dataclass(frozen=True)
class Constant:
    """A fixed string (`__typename`)."""

    value: str


@dataclass(frozen=True)
class StatusAsRead:
    """A hearing's status as read at the request's clock: SCHEDULED and past is OVERDUE."""


@dataclass(frozen=True)
class Related:
    """A relation of the record (see RELATIONS), rendered in its own shape."""

    relation: str
    shape: "Shape"


Part = Column | GlobalId | Constant | StatusAsRead | Related


@dataclass(frozen=True)
class Shape:
    """What to render for one record of `table`: (key, part), in the response's key order."""

    table: type[SQLModel]
    parts: tuple[tuple[str, Part], ...]


@dataclass(frozen=True)
class Relation:
    """How a record reaches related ones: `target.<join[0]> = record.<join[1]>`, optionally
    narrowed by `where` (SQL on `{t}`, the related alias, and `{now}`), in `order` (a leading
    "-" sorts descending). One relation yields the first row of that order, or null."""

    target: type[SQLModel]
    many: bool
    join: tuple[str, str]
    order: tuple[str, ...] = ()
    where: str | None = None


# The orders are those of the ordinary read path (models' relationships, ties by key), and
# the single relations pick what resolvers.reads picks: the current address, the earliest
# upcoming hearing, the latest representation not withdrawn.
RELATIONS: dict[tuple[type[SQLModel], str], Relation] = {
    (Child, "sponsor"): Relation(Sponsor, many=False, join=("id", "sponsor_id")),
    (Child, "addresses"): Relation(
        Address, many=True, join=("child_id", "id"), order=("effective_from", "id")
    ),
    (Child, "current_address"): Relation(
        Address,
        many=False,
        join=("child_id", "id"),
        order=("effective_from", "id"),
        where="{t}.effective_to IS NULL",
    ),
    (Child, "custody_events"): Relation(
        CustodyEvent, many=True, join=("child_id", "id"), order=("occurred_at", "id")
    ),
    (Child, "notices"): Relation(
        Notice, many=True, join=("child_id", "id"), order=("issued_on", "id")
    ),
    (Child, "hearings"): Relation(
        Hearing, many=True, join=("child_id", "id"), order=("scheduled_for", "id")
    ),
    (Child, "next_hearing"): Relation(
        Hearing,
        many=False,
        join=("child_id", "id"),
        order=("scheduled_for", "id"),
        where=f"{{t}}.status = '{HearingStatus.SCHEDULED.value}' AND {{t}}.scheduled_for >= {{now}}",
    ),
    (Child, "representation"): Relation(
        Representation,
        many=False,
        join=("child_id", "id"),
        order=("-entered_on", "id"),
        where="{t}.withdrawn_on IS NULL",
    ),
    (Child, "contact_attempts"): Relation(
        ContactAttempt, many=True, join=("child_id", "id"), order=("attempted_at", "id")
    ),
    (CustodyEvent, "sponsor"): Relation(Sponsor, many=False, join=("id", "sponsor_id")),
}

# The alias of the root record in every statement, and its column holding the request's clock.
ROOT = "c"
# The alias of the children the statement chose (their keys, and the request's clock).
_CHOSEN = "chosen"
_NOW_COLUMN = "read_at_"

# Beyond this many keys an object is not rendered here: PostgreSQL's functions take at most
# 100 arguments.
MAX_KEYS = 50


class _Writer:
    """SQL text for one dialect, with a fresh alias for every related table."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"
        self.aliases = 0
        self.now = f"{_CHOSEN}.{_NOW_COLUMN}"

    def record(self, shape: Shape, alias: str) -> str:
        if len(shape.parts) > MAX_KEYS:
            raise ValueError("too many keys for one object")
        columns = shape.table.__table__.c  # type: ignore[attr-defined]
        pairs = []
        for key, part in shape.parts:
            pairs.append(f"'{_key(key)}'")
            pairs.append(self.value(shape.table, columns, part, alias))
        function = "json_build_object" if self.postgres else "json_object"
        return f"{function}({', '.join(pairs)})"

    def value(self, table: type[SQLModel], columns: Any, part: Part, alias: str) -> str:
        if isinstance(part, Column):
            return self.column(columns[part.name], f"{alias}.{part.name}")
        if isinstance(part, GlobalId):
            return self.global_id(part.type_name, f"{alias}.id")
        if isinstance(part, Constant):
            return f"'{_key(part.value)}'"
        if isinstance(part, StatusAsRead):
            scheduled = HearingStatus.SCHEDULED.value
            return (
                f"CASE WHEN {alias}.status = '{scheduled}' AND {alias}.scheduled_for < {self.now} "
                f"THEN '{HearingStatus.OVERDUE.value}' ELSE {alias}.status END"
            )
        return self.related(RELATIONS[(table, part.relation)], part.shape, alias)

    def column(self, column: sa.Column[Any], reference: str) -> str:
        kind = column.type
        if isinstance(kind, UTCDateTime):
            return self.instant(reference)
        if isinstance(kind, sa.Boolean) and not self.postgres:
            return (
                f"CASE WHEN {reference} IS NULL THEN NULL WHEN {reference} "
                "THEN json('true') ELSE json('false') END"
            )
        if isinstance(kind, sa.Uuid):
            raise ValueError("a key is rendered as a global ID")
        return reference

    def instant(self, reference: str) -> str:
        """As Python's isoformat() writes a UTC instant: microseconds only when not zero."""
        if self.postgres:
            utc = f"({reference} AT TIME ZONE 'UTC')"
            return (
                f"CASE WHEN {reference} IS NULL THEN NULL "
                f"WHEN date_trunc('second', {utc}) = {utc} "
                f"""THEN to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') """
                f"""ELSE to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') END"""
            )
        # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" in UTC.
        return (
            f"CASE WHEN {reference} IS NULL THEN NULL "
            f"ELSE replace(substr({reference}, 1, 19), ' ', 'T') "
            f"|| CASE WHEN substr({reference}, 21) IN ('', '000000') THEN '' "
            f"ELSE substr({reference}, 20) END || '+00:00' END"
        )

    def global_id(self, type_name: str, reference: str) -> str:
        if self.postgres:
            # Every type name here keeps the text under base64's 76-character line.
            return (
                f"translate(encode(convert_to('{_key(type_name)}:' || {reference}::text, "
                "'UTF8'), 'base64'), '+/', '-_')"
            )
        return f"global_id('{_key(type_name)}', {reference})"

    def related(self, relation: Relation, shape: Shape, alias: str) -> str:
        self.aliases += 1
        t = f"{ROOT}{self.aliases}"
        table = relation.target.__table__.name  # type: ignore[attr-defined]
        conditions = [f"{t}.{relation.join[0]} = {alias}.{relation.join[1]}"]
        if relation.where is not None:
            conditions.append(relation.where.format(t=t, now=self.now))
        order = ", ".join(
            f"{t}.{name[1:]} DESC" if name.startswith("-") else f"{t}.{name}"
            for name in relation.order
        )
        source = f"FROM {table} {t} WHERE {' AND '.join(conditions)}"
        item = self.record(shape, t)
        if not relation.many:
            ordered = f" ORDER BY {order}" if order else ""
            one = f"(SELECT {item} {source}{ordered} LIMIT 1)"
            return one if self.postgres else f"json({one})"
        if self.postgres:
            return f"coalesce((SELECT json_agg({item} ORDER BY {order}) {source}), '[]'::json)"
        # A JSON value loses its subtype through a subquery, hence json() around each.
        return (
            f"json((SELECT json_group_array(json(item)) FROM "
            f"(SELECT {item} AS item {source} ORDER BY {order})))"
        )


def _key(text: str) -> str:
    """A key or constant written into SQL: only GraphQL names reach here."""
    if not text.replace("_", "").isalnum() or not text.isascii():
        raise ValueError("not a GraphQL name")
    return text


def record_sql(shape: Shape, dialect: str) -> str:
    """The SQL expression rendering one record of `shape.table` as JSON text, on the alias
    ROOT, in a statement made by `_rendered` (which carries the request's clock)."""
    writer = _Writer(dialect)
    rendered = writer.record(shape, ROOT)
    return f"{rendered}::text" if writer.postgres else rendered


@dataclass(frozen=True)
class JsonPage:
    """One page of records rendered as JSON text, with what a connection says about it."""

    ids: list[uuid.UUID]
    cursors: list[str]
    records: list[str]
    has_next: bool
    has_previous: bool
    total_count: int | None = None


_CHILDREN = Child.__table__  # type: ignore[attr-defined]
# The statement around a rendering reads columns by name: no column collection of a subquery
# is built for each request.
_ROOT_ID = literal_column(f"{ROOT}.id", type_=_CHILDREN.c.id.type)
_ROOT_A_NUMBER = literal_column(f"{ROOT}.a_number", type_=_CHILDREN.c.a_number.type)
_CHOSEN_ORDER = literal_column(f"{_CHOSEN}.a_number", type_=_CHILDREN.c.a_number.type)
_CLOCK = bindparam(_NOW_COLUMN, type_=UTCDateTime).label(_NOW_COLUMN)
_ROOT_TABLE = _CHILDREN.alias(ROOT)
_ON_KEY = literal_column(f"{ROOT}.id") == literal_column(f"{_CHOSEN}.id")


def _chosen(*conditions: ColumnElement[bool]) -> Select[Any]:
    """The keys of the children that meet `conditions`, with the clock: only the columns of
    the status indexes, so that a filtered page is read from an index alone."""
    return select(_CHILDREN.c.id, _CHILDREN.c.a_number, _CLOCK).where(*conditions)


def _rendered(chosen: Select[Any], rendering: str) -> Select[Any]:
    """The children `chosen` (see `_chosen`) as ROOT, each rendered by `rendering`: their
    keys, A-numbers and records."""
    rows = chosen.subquery(_CHOSEN).join(_ROOT_TABLE, _ON_KEY)
    return select(
        _ROOT_ID.label("id"),
        _ROOT_A_NUMBER.label("a_number"),
        literal_column(rendering).label("record"),
    ).select_from(rows)


@lru_cache(maxsize=512)
def _child_statement(rendering: str, by_key: bool, logging: bool) -> Select[Any]:
    """One child by key or by A-number (the parameter `wanted`), built once per rendering:
    building it and its cache key again for each request cost more than running it."""
    column = _CHILDREN.c.id if by_key else _CHILDREN.c.a_number
    read = _rendered(_chosen(column == bindparam("wanted", type_=column.type)), rendering)
    return logging_reads(read, key="id", order="a_number", logged=1) if logging else read


def _parameters(now: datetime, logged: AccessEntry | None) -> dict[str, Any]:
    return {_NOW_COLUMN: now, **(logged.parameters() if logged is not None else {})}


async def children_page(
    connection: AsyncConnection,
    child_filter: reads.ChildFilter,
    rendering: str,
    now: datetime,
    *,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = False,
    logged: AccessEntry | None = None,
) -> JsonPage:
    """What `reads.children_page` reads, each child rendered by `rendering` (`record_sql` of a
    Child shape): children matching the filter, in A-number order, after the cursor. With
    `logged`, the statement appends the page's access-log entries (see `logging_reads`)."""
    size = page_size(first)
    conditions = reads.child_conditions(child_filter)
    sort = [col(Child.a_number)]
    chosen = _chosen(*conditions, *reads.after_cursor(sort, after)).order_by(*sort).limit(size + 1)
    statement = _rendered(chosen, rendering).order_by(_CHOSEN_ORDER)
    if logged is not None:
        statement = logging_reads(statement, key="id", order="a_number", logged=size)
    found = (await connection.execute(statement, _parameters(now, logged))).all()
    total = None
    if with_total:
        count = select(func.count()).select_from(Child).where(*conditions)
        total = (await connection.execute(count)).scalar_one()
    has_next = len(found) > size
    found = found[:size]
    ids = [row[0] for row in found]
    return JsonPage(
        ids=ids,
        cursors=[encode_cursor(row[1]) for row in found],
        records=[row[2] for row in found],
        has_next=has_next,
        has_previous=after is not None,
        total_count=total,
    )


async def child(
    reader: AsyncConnection | AsyncEngine,
    rendering: str,
    now: datetime,
    *,
    child_id: uuid.UUID | None = None,
    a_number: str | None = None,
    logged: AccessEntry | None = None,
) -> tuple[uuid.UUID, str] | None:
    """One child by key or A-number (normalised as `reads.child_by_a_number` does), rendered
    by `rendering`; None when there is none. With `logged`, the statement appends the child's
    access-log entry (see `logging_reads`). Given an engine rather than a connection, the
    statement runs on its own, as `first_row` runs it (on PostgreSQL by the driver itself)."""
    wanted = child_id if child_id is not None else normal_a_number(a_number or "")
    statement = _child_statement(rendering, child_id is not None, logged is not None)
    parameters = {"wanted": wanted, **_parameters(now, logged)}
    if isinstance(reader, AsyncEngine):
        found = await first_row(reader, statement, parameters)
    else:
        found = (await reader.execute(statement, parameters)).first()
    return (found[0], found[2]) if found is not None else None
