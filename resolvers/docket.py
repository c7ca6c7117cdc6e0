"""Court docket import: hearings as the court lists them, keyed by (A-number, court, instant).

A new key creates the hearing (the docket implies a case filed at that court), a known key
takes the docket's type, status and in absentia order, an identical row changes nothing. A row
that cannot be applied is reported by its line number with the reason, and every other row is
applied. Rows are applied in batches, each one transaction through the same history capture and
alert rules as every mutation; a child changed by a batch counts one change of its case record.
"""

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Child, Hearing
from models.enums import AlertKind, HearingStatus, HearingType, Role
from resolvers.alerts import evaluate_children
from resolvers.case_summary import summarise
from resolvers.court import OUTCOMES, court_code
from resolvers.errors import DomainError, InvalidInput
from resolvers.offices import assign_offices
from resolvers.unit import Actor, Clock, open_unit
from resolvers.validation import CLOCK_SKEW, a_number

FIELDS = ("a_number", "court", "hearing_type", "scheduled_for", "status", "in_absentia_order")
# The actor of an import from the command line.
DOCKET_IMPORTER = Actor(name="docket-import", role=Role.INTEGRATION)
BATCH_ROWS = 500
_STATUSES = frozenset({HearingStatus.SCHEDULED, *OUTCOMES})
_HELD = frozenset({HearingStatus.APPEARED, HearingStatus.FAILED_TO_APPEAR})
_FLAGS = {"": False, "true": True, "false": False}
# The alert kinds a change of hearings alone can raise or clear.
HEARING_KINDS = (AlertKind.FAILED_TO_APPEAR, AlertKind.HEARING_WITHOUT_COUNSEL)


@dataclass(frozen=True)
class DocketRow:
    line: int
    a_number: str
    court: str
    type: HearingType
    scheduled_for: datetime
    status: HearingStatus
    in_absentia_order: bool


@dataclass(frozen=True)
class Rejected:
    line: int
    message: str


@dataclass
class DocketResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)


def parse_row(line: int, values: Mapping[str, Any], now: datetime) -> DocketRow:
    """One docket row, or InvalidInput saying what is wrong with it (never echoing it)."""

    def text(name: str) -> str:
        value = values.get(name)
        if value is None:
            return ""
        if not isinstance(value, str | bool):
            raise InvalidInput(f"{name} must be text.", [name])
        return str(value).strip()

    number = a_number(text("a_number"), "a_number")
    court = court_code(text("court"))
    try:
        kind = HearingType(text("hearing_type").upper())
    except ValueError:
        raise InvalidInput("hearing_type is MASTER_CALENDAR or INDIVIDUAL.", []) from None
    try:
        when = datetime.fromisoformat(text("scheduled_for"))
    except ValueError:
        raise InvalidInput("scheduled_for is not an ISO 8601 date-time.", []) from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInput("scheduled_for must carry its UTC offset.", [])
    try:
        when = when.astimezone(UTC)
    except OverflowError:
        raise InvalidInput("scheduled_for is out of range.", []) from None
    status_text = text("status").upper()
    try:
        status = HearingStatus(status_text) if status_text else HearingStatus.SCHEDULED
    except ValueError:
        status = HearingStatus.OVERDUE  # refused just below
    if status not in _STATUSES:
        raise InvalidInput(
            "status is blank, SCHEDULED, APPEARED, FAILED_TO_APPEAR, CONTINUED or CANCELLED.", []
        )
    flag = text("in_absentia_order").lower()
    if flag not in _FLAGS:
        raise InvalidInput("in_absentia_order is true, false or blank.", [])
    in_absentia = _FLAGS[flag]
    if in_absentia and status != HearingStatus.FAILED_TO_APPEAR:
        raise InvalidInput("An in absentia order is only made with FAILED_TO_APPEAR.", [])
    if status in _HELD and when > now + CLOCK_SKEW:
        raise InvalidInput(f"{status.value} for a hearing that has not taken place yet.", [])
    return DocketRow(line, number, court, kind, when, status, in_absentia)


# What a reader yields for each row: its line and its values, or why it has none.
SourceRow = tuple[int, Mapping[str, Any] | str]


def read_csv(source: str) -> Iterator[SourceRow]:
    """Each data row with the line it starts on; the header must name the docket's columns."""
    reader = csv.DictReader(io.StringIO(source, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    if sorted(header) != sorted(FIELDS):
        raise InvalidInput(f"The CSV header must be: {','.join(FIELDS)}.", ["csv"])
    reader.fieldnames = header
    while True:
        line = reader.line_num + 1  # a quoted value may run over several lines
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield line, "The row is not well-formed CSV."
            continue
        if None in values or any(v is None for v in values.values()):
            yield line, "The row has the wrong number of columns."
        else:
            yield line, values


def read_json_lines(source: Iterable[str]) -> Iterator[SourceRow]:
    for line, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        try:
            values = json.loads(raw)
        except json.JSONDecodeError:
            values = None
        yield line, values if isinstance(values, dict) else "The line is not a JSON object."


def parse(rows: Iterable[SourceRow], now: datetime) -> Iterator[DocketRow | Rejected]:
    """Each row parsed, or rejected with the field at fault; of rows that name the same hearing
    (A-number, court, instant) only the last is applied, so a file always means one state."""
    parsed: list[DocketRow | Rejected] = []
    last_of: dict[tuple[str, str, datetime], int] = {}
    for line, values in rows:
        if isinstance(values, str):
            parsed.append(Rejected(line, values))
            continue
        try:
            row = parse_row(line, values, now)
        except DomainError as error:
            where = f"{'.'.join(error.field)}: " if error.field else ""
            parsed.append(Rejected(line, where + error.message))
            continue
        key = (row.a_number, row.court, row.scheduled_for)
        if key in last_of:
            earlier = cast(DocketRow, parsed[last_of[key]])
            parsed[last_of[key]] = Rejected(
                earlier.line, f"The same hearing is listed again on line {line}, which applies."
            )
        last_of[key] = len(parsed)
        parsed.append(row)
    yield from parsed


async def import_docket(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    rows: Iterable[DocketRow | Rejected],
    *,
    clock: Clock,
    request_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> DocketResult:
    """Apply the parsed rows, BATCH_ROWS at a time; `progress` hears how many rows each batch
    took."""
    result = DocketResult()
    batch: list[DocketRow] = []
    # Each child's rows together (in file order, which decides between rows of one key), so
    # that a child is locked, counted and checked for alerts in one batch, not in many.
    rows = sorted(rows, key=lambda row: row.a_number if isinstance(row, DocketRow) else "")

    async def flush() -> None:
        if batch:
            await _apply(sessions, actor, batch, result, clock, request_id)
            if progress is not None:
                progress(len(batch))
            batch.clear()

    for row in rows:
        if isinstance(row, Rejected):
            result.rejected.append(row)
            if progress is not None:
                progress(1)
            continue
        batch.append(row)
        if len(batch) == BATCH_ROWS:
            await flush()
    await flush()
    result.rejected.sort(key=lambda rejected: rejected.line)
    return result


async def _apply(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    rows: list[DocketRow],
    result: DocketResult,
    clock: Clock,
    request_id: str | None,
) -> None:
    async with open_unit(
        sessions, actor, "importDocket", request_id=request_id, clock=clock
    ) as unit:
        session = unit.session
        numbers = {row.a_number for row in rows}
        children = {
            child.a_number: child
            for child in await session.exec(
                select(Child).where(col(Child.a_number).in_(numbers)).with_for_update()
            )
        }
        known = {
            (h.child_id, h.court, h.scheduled_for): h
            for h in await session.exec(
                select(Hearing).where(col(Hearing.child_id).in_([c.id for c in children.values()]))
            )
        }
        changed: dict[uuid.UUID, set[AlertKind]] = {}
        counts = DocketResult()
        for row in rows:
            child = children.get(row.a_number)
            if child is None:
                counts.rejected.append(Rejected(row.line, "No child has this A-number."))
                continue
            if row.scheduled_for.date() < child.date_of_birth:
                counts.rejected.append(
                    Rejected(row.line, "The hearing is dated before the child's birth.")
                )
                continue
            key = (child.id, row.court, row.scheduled_for)
            hearing = known.get(key)
            if hearing is None:
                hearing = Hearing(
                    child_id=child.id,
                    court=row.court,
                    type=row.type,
                    scheduled_for=row.scheduled_for,
                    status=row.status,
                    in_absentia_order=row.in_absentia_order,
                )
                known[key] = hearing
                session.add(hearing)
                counts.created += 1
            elif (hearing.type, hearing.status, hearing.in_absentia_order) == (
                row.type,
                row.status,
                row.in_absentia_order,
            ):
                counts.unchanged += 1
                continue
            else:
                hearing.type = row.type
                hearing.status = row.status
                hearing.in_absentia_order = row.in_absentia_order
                session.add(hearing)
                counts.updated += 1
            triggers = changed.setdefault(child.id, set())
            if row.status == HearingStatus.FAILED_TO_APPEAR:
                triggers.add(AlertKind.FAILED_TO_APPEAR)
        for child in children.values():
            if child.id in changed:
                child.version += 1  # hearings leave the location status as it is
                session.add(child)
        await session.flush()
        # A child no office covered may be covered by its new hearing's court.
        await assign_offices(unit, [c for c in children.values() if c.id in changed])
        await summarise(unit, changed)
        await evaluate_children(unit, changed, HEARING_KINDS)
    # Counted once the batch has committed.
    result.created += counts.created
    result.updated += counts.updated
    result.unchanged += counts.unchanged
    result.rejected.extend(counts.rejected)
