"""Verification: recompute every link of the chain, check sequences for gaps and checkpoints
for signatures, and replay the events to find records changed behind the history's back."""

import asyncio
import hashlib
import json
import re
import uuid
from collections.abc import (
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Select, and_, exists, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from audit.canonical import (
    EVENT_FIELDS,
    CanonicalRead,
    Rows,
    canonical_read,
    canonical_sql,
    chain_hash,
    document_text,
    event_document,
    stored_document_text,
    stored_insert_changes,
    unchanged,
)
from audit.capture import AUDITED
from audit.checkpoints import key_id, verify_signature
from audit.tables import GENESIS_HASH, AuditCheckpoint, AuditEvent

events_table = AuditEvent.__table__  # type: ignore[attr-defined]
checkpoints_table = AuditCheckpoint.__table__  # type: ignore[attr-defined]
_STREAM = 1000
_PROBLEMS_KEPT = 20


@dataclass
class Verification:
    """What a verification found. Problems name sequences and entities, never record data."""

    event_count: int = 0
    head_hash: str = GENESIS_HASH
    first_invalid_sequence: int | None = None
    drifted: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    checkpoints_checked: int = 0
    # (sequence, problem) as found; the events are not checked in sequence order.
    _found: list[tuple[int, str]] = field(default_factory=list, repr=False)

    @property
    def valid(self) -> bool:
        return self.first_invalid_sequence is None and not self.drifted and not self._found

    @property
    def problems(self) -> list[str]:
        """The first problems, by sequence."""
        return [problem for _, problem in self._first_found()]

    def include(self, other: "Verification") -> None:
        """The other's problems, as if found after this one's."""
        for sequence, problem in other._found:
            self.fail(sequence, problem)

    def fail(self, sequence: int, problem: str) -> None:
        if self.first_invalid_sequence is None or sequence < self.first_invalid_sequence:
            self.first_invalid_sequence = sequence
        self._found.append((sequence, problem))
        if len(self._found) > 4 * _PROBLEMS_KEPT:
            self._found = self._first_found()

    def _first_found(self) -> list[tuple[int, str]]:
        # A stable sort: the problems of one sequence stay in the order they were found.
        return sorted(self._found, key=lambda found: found[0])[:_PROBLEMS_KEPT]

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "event_count": self.event_count,
            "head_hash": self.head_hash,
            "first_invalid_sequence": self.first_invalid_sequence,
            "problems": self.problems,
            "drifted_entities": [f"{kind}:{key}" for kind, key in self.drifted],
            "checkpoints_checked": self.checkpoints_checked,
        }


@dataclass(frozen=True)
class Checkpoint:
    size: int
    head_hash: str
    key_id: str
    signature: str


class ChainCheck:
    """Fed the events in sequence order, it recomputes every link and remembers the hashes at
    the checkpoints' sizes."""

    def __init__(self, report: Verification, checkpoint_sizes: Iterable[int] = ()) -> None:
        self.report = report
        self.previous = GENESIS_HASH
        self.wanted = set(checkpoint_sizes)
        self.hash_at: dict[int, str] = {}

    def feed(self, document: dict[str, Any], stored_hash: str) -> None:
        matches = chain_hash(document["previous_hash"], document) == stored_hash
        self.link(document["sequence"], document["previous_hash"], stored_hash, matches=matches)

    def link(self, sequence: Any, previous_hash: Any, stored_hash: str, *, matches: bool) -> None:
        """Check one event, given whether its document hashes to `stored_hash`."""
        report = self.report
        expected = report.event_count + 1
        if sequence != expected:
            report.fail(
                expected, f"sequence {expected} is missing or out of place (found {sequence})"
            )
        if previous_hash != self.previous:
            report.fail(sequence, f"event {sequence} does not link to the event before it")
        if not matches:
            report.fail(sequence, f"event {sequence} does not match its hash")
        report.event_count += 1
        self.previous = stored_hash
        if report.event_count in self.wanted:
            self.hash_at[report.event_count] = stored_hash

    def finish(
        self, checkpoints: Iterable[Checkpoint], public_key: Ed25519PublicKey | None
    ) -> None:
        self.report.head_hash = self.previous
        check_checkpoints(self.report, self.hash_at, checkpoints, public_key)


def check_checkpoints(
    report: Verification,
    hash_at: Mapping[int, str],
    checkpoints: Iterable[Checkpoint],
    public_key: Ed25519PublicKey | None,
) -> None:
    """Hold the log to each checkpoint: signed by the trusted key (when one is given), no
    larger than the log, and vouching for the head hash the log has at its size."""
    trusted = key_id(public_key) if public_key is not None else None
    last_good = 0
    for checkpoint in sorted(checkpoints, key=lambda c: c.size):
        report.checkpoints_checked += 1
        if public_key is not None and (
            checkpoint.key_id != trusted
            or not verify_signature(
                public_key, checkpoint.size, checkpoint.head_hash, checkpoint.signature
            )
        ):
            report.fail(
                last_good + 1,
                f"the checkpoint at {checkpoint.size} events is not signed by the trusted key",
            )
        elif checkpoint.size > report.event_count:
            report.fail(
                report.event_count + 1,
                f"the log has {report.event_count} events but a checkpoint vouches for "
                f"{checkpoint.size}: it was truncated",
            )
        elif hash_at.get(checkpoint.size) != checkpoint.head_hash:
            report.fail(
                last_good + 1,
                f"the head at {checkpoint.size} events differs from its checkpoint: the log "
                f"was rewritten after event {last_good}",
            )
        else:
            last_good = checkpoint.size


def document_of(row: Mapping[Any, Any]) -> dict[str, Any]:
    """An event row (from the database or an export) as the document its hash covers."""
    return event_document(
        sequence=row["sequence"],
        event_id=row["event_id"],
        recorded_at=row["recorded_at"],
        actor_name=row["actor_name"],
        actor_role=row["actor_role"],
        action=row["action"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        entity_version=row["entity_version"],
        child_id=row["child_id"],
        changes=row["changes"],
        reason=row["reason"],
        request_id=row["request_id"],
        previous_hash=row["previous_hash"],
    )


async def load_checkpoints(connection: AsyncConnection) -> list[Checkpoint]:
    rows = await connection.execute(select(checkpoints_table))
    return [Checkpoint(r.size, r.head_hash, r.key_id, r.signature) for r in rows]


async def verify_database(
    engine: AsyncEngine,
    public_key: Ed25519PublicKey | None = None,
    external_checkpoints: Iterable[Checkpoint] = (),
) -> Verification:
    """Check the chain, the checkpoints (in the database and any kept outside it) and every
    audited record against its replayed history, all in one snapshot of the database.

    On PostgreSQL each event's hash is recomputed here, in one pass per audited table that
    reads the events by record and replays them against the table's rows, while the server
    finds the order of the log (no gaps, each event naming the hash before it) and the rows no
    event recorded, which only needs stored values compared. SQLite, which does all of it in
    this process, reads the log once in sequence order instead (see `_check_in_sequence`)."""
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # SQLite's read transaction is a snapshot
            await connection.execution_options(isolation_level="REPEATABLE READ")
        checkpoints = [*await load_checkpoints(connection), *external_checkpoints]
        sizes = {c.size for c in checkpoints}
        hashes = Verification()
        async with _mapped(connection), _beside(engine, connection) as other:
            if other is None:
                try:
                    stored, replayed = await _check_in_sequence(
                        connection, hashes, sizes, _RECORDS_HELD
                    )
                except _TooManyRecords:  # the join below holds one record at a time
                    hashes = Verification()
                    stored = await _check_stored(connection, sizes)
                    replayed = await _check_events(connection, hashes)
            else:  # the database compares while this process hashes
                comparing = asyncio.ensure_future(_check_stored(other, sizes))
                try:
                    replayed = await _check_events(connection, hashes)
                except BaseException:
                    comparing.cancel()
                    await asyncio.wait([comparing])  # done with `other` before it closes
                    raise
                stored = await comparing
    report = stored.order
    report.include(hashes)
    for entity_type in AUDITED.values():
        report.drifted.extend(sorted(replayed[entity_type] + stored.unrecorded[entity_type]))
    check_checkpoints(report, stored.hash_at, checkpoints, public_key)
    return report


@asynccontextmanager
async def _mapped(connection: AsyncConnection) -> AsyncIterator[None]:
    """SQLite reads the database file through a memory map while it verifies, and the
    connection's own setting is put back after. The pass reads pages out of order, each with
    a system call otherwise: about an eighth of its time, measured."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = int((await connection.exec_driver_sql("PRAGMA mmap_size")).scalar_one())
    await connection.exec_driver_sql(f"PRAGMA mmap_size = {_SQLITE_MAP_BYTES}")
    try:
        yield
    finally:
        await connection.exec_driver_sql(f"PRAGMA mmap_size = {before}")


# At most this much of the file is mapped (SQLite caps it at its own limit, 2 GiB as built by
# default); the rest is read as before.
_SQLITE_MAP_BYTES = 1 << 30


@asynccontextmanager
async def _beside(
    engine: AsyncEngine, connection: AsyncConnection
) -> AsyncIterator[AsyncConnection | None]:
    """On PostgreSQL, a second connection that sees the snapshot `connection` sees, so that
    the server reads for one while this process checks what the other read; None on SQLite,
    whose snapshot belongs to one connection (and whose work is done in this process)."""
    if connection.dialect.name != "postgresql":
        yield None
        return
    snapshot = (await connection.execute(select(func.pg_export_snapshot()))).scalar_one()
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise RuntimeError(f"unexpected snapshot identifier {snapshot!r}")
    async with engine.connect() as other:
        await other.execution_options(isolation_level="REPEATABLE READ")
        await other.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        yield other


_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")


@dataclass
class _Stored:
    """What the database found by comparing stored values."""

    order: Verification  # the log's count, head and order
    hash_at: dict[int, str]  # the head at each checkpoint's size
    unrecorded: dict[str, list[tuple[str, uuid.UUID]]]  # rows no event recorded, by type


async def _check_stored(connection: AsyncConnection, sizes: set[int]) -> _Stored:
    order = Verification()
    await _check_order(connection, order)
    hash_at = await _landmarks(connection, order, sizes)
    unrecorded = {
        entity_type: await _unrecorded(connection, table, entity_type)
        for table, entity_type in AUDITED.items()
    }
    return _Stored(order, hash_at, unrecorded)


async def _check_events(
    connection: AsyncConnection, report: Verification
) -> dict[str, list[tuple[str, uuid.UUID]]]:
    """Every event's hash, and every audited record replayed; returns the records that
    drifted, by type."""
    drifted = {
        entity_type: await _check_records(connection, report, table, entity_type)
        for table, entity_type in AUDITED.items()
    }
    await _check_others(connection, report)
    return drifted


async def _check_order(connection: AsyncConnection, report: Verification) -> None:
    """Every sequence from 1 up, each event naming the hash of the one before it."""
    c = events_table.c
    before = events_table.alias("before")  # the event one sequence earlier, when there is one
    b = before.c
    earlier = events_table.alias("earlier")  # otherwise the one nearest before it
    nearest = select(earlier.c.sequence, earlier.c.hash).where(earlier.c.sequence < c.sequence)
    nearest = nearest.order_by(earlier.c.sequence.desc()).limit(1)
    broken = (
        select(
            c.sequence,
            c.previous_hash,
            func.coalesce(
                b.sequence, nearest.with_only_columns(earlier.c.sequence).scalar_subquery(), 0
            ),
            func.coalesce(
                b.hash, nearest.with_only_columns(earlier.c.hash).scalar_subquery(), GENESIS_HASH
            ),
        )
        .select_from(events_table.outerjoin(before, b.sequence == c.sequence - 1))
        .where(
            or_(
                and_(
                    b.sequence.is_(None),
                    or_(c.sequence != 1, c.previous_hash != GENESIS_HASH),
                ),
                b.hash != c.previous_hash,
            )
        )
        .order_by(c.sequence)
        .limit(_PROBLEMS_KEPT)
    )
    for sequence, previous_hash, prior_sequence, prior_hash in await connection.execute(broken):
        _broken_link(report, sequence, previous_hash, prior_sequence, prior_hash)


def _broken_link(
    report: Verification, sequence: Any, previous_hash: Any, prior_sequence: int, prior_hash: str
) -> None:
    """An event that does not follow the one before it (sequence 0 and the genesis hash
    before the first), named as the log's order names it."""
    if sequence != prior_sequence + 1:
        expected = prior_sequence + 1
        report.fail(expected, f"sequence {expected} is missing or out of place (found {sequence})")
    if previous_hash != prior_hash:
        report.fail(sequence, f"event {sequence} does not link to the event before it")


async def _landmarks(
    connection: AsyncConnection, report: Verification, sizes: set[int]
) -> dict[int, str]:
    """The number of events and the head hash into the report; returns the hash at each of
    the checkpoints' sizes."""
    c = events_table.c
    count, last = (await connection.execute(select(func.count(), func.max(c.sequence)))).one()
    report.event_count = count
    if last is not None:
        report.head_hash = (
            await connection.execute(select(c.hash).where(c.sequence == last))
        ).scalar_one()
    hash_at: dict[int, str] = {}
    wanted = sorted(sizes)
    for start in range(0, len(wanted), _STREAM):
        rows = await connection.execute(
            select(c.sequence, c.hash).where(c.sequence.in_(wanted[start : start + _STREAM]))
        )
        hash_at.update((sequence, hash_) for sequence, hash_ in rows)
    return hash_at


def _event_columns() -> list[Any]:
    """The fields `document_text` takes, in its order; then the hash."""
    c = events_table.c
    return [*(c[name] for name in EVENT_FIELDS), c.hash]


_TYPE_AT = EVENT_FIELDS.index("entity_type")
_KEY_AT = EVENT_FIELDS.index("entity_id")
_CHANGES_AT = EVENT_FIELDS.index("changes")
_PREVIOUS_AT = EVENT_FIELDS.index("previous_hash")
_HASH_AT = len(EVENT_FIELDS)
_ROW_AT = _HASH_AT + 1  # where the record's row starts, when it is read with its events


def _checked_changes(report: Verification, event: Sequence[Any]) -> list[dict[str, Any]]:
    """Recompute one event's hash; returns its changes, decoded (none, when they are not
    what the history writes)."""
    changes = _decoded(event[_CHANGES_AT])
    text = event[_PREVIOUS_AT] + document_text(event)
    if hashlib.sha256(text.encode()).hexdigest() != event[_HASH_AT]:
        # Not canonical as stored (written before `changes` were stored canonically), or not
        # what was hashed: decode and re-encode to tell which.
        if not _well_formed(changes):
            changes = []
        fields = dict(zip(EVENT_FIELDS, event, strict=False))
        try:
            document = event_document(**{**fields, "changes": changes})
        except ValueError:  # a value no event is written with, such as a malformed UUID
            changes = []
        if not changes or chain_hash(fields["previous_hash"], document) != event[_HASH_AT]:
            sequence = fields["sequence"]
            report.fail(sequence, f"event {sequence} does not match its hash")
    return changes


def _decoded(changes: str) -> list[dict[str, Any]]:
    try:
        decoded: list[dict[str, Any]] = orjson.loads(changes)
    except orjson.JSONDecodeError:  # only an edit behind the history's back leaves this
        return []
    return decoded


def _well_formed(changes: Any) -> bool:
    return isinstance(changes, list) and all(
        isinstance(change, dict) and isinstance(change.get("field"), str) and "after" in change
        for change in changes
    )


async def _check_others(connection: AsyncConnection, report: Verification) -> None:
    """Events of any type no table is audited as: their hashes only."""
    c = events_table.c
    read = canonical_read(_event_columns(), connection.dialect.name)
    others = select(*read.columns).where(c.entity_type.not_in(AUDITED.values()))

    def check(partition: Sequence[Any]) -> None:
        for event in partition:
            _checked_changes(report, event)

    await _read(connection, others, read, check)


async def _read(
    connection: AsyncConnection,
    statement: Select[Any],
    read: CanonicalRead,
    consume: Callable[[Rows], None],
) -> None:
    """Hand a statement's rows, which select `read.columns`, to `consume` in canonical form, a
    partition at a time, straight from the driver in the connection's transaction: a result
    object's work per row would cost more than checking the row. The statement's only
    parameters are constants of this module, compiled into its text."""
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver: Any = (await connection.get_raw_connection()).driver_connection
    finish = read.finish

    def canonical(partition: Rows) -> None:
        consume(finish(partition))

    if connection.dialect.name == "postgresql":
        await _read_asyncpg(driver, sql, canonical)
    else:
        await _read_aiosqlite(driver, sql, canonical)


async def _read_asyncpg(driver: Any, sql: str, consume: Callable[[Sequence[Any]], None]) -> None:
    # The server reads the next partition while this one is checked.
    portal = await driver.cursor(sql)  # closed with the transaction
    partition = await portal.fetch(_STREAM)
    while partition:
        ahead = asyncio.ensure_future(portal.fetch(_STREAM))
        await asyncio.sleep(0)  # let the fetch send its request
        consume(partition)
        partition = await ahead


async def _read_aiosqlite(driver: Any, sql: str, consume: Callable[[Sequence[Any]], None]) -> None:
    # SQLite works in this process, in aiosqlite's thread, where its connection lives: the
    # whole read runs there, so no partition waits on a hop between threads.
    def read() -> None:
        cursor = driver._conn.execute(sql)
        try:
            while partition := cursor.fetchmany(_STREAM):
                consume(partition)
        finally:
            cursor.close()

    await driver._execute(read)


def replay(
    state: dict[str, Any] | None, changes: Iterable[Mapping[str, Any]]
) -> dict[str, Any] | None:
    """A record after one event: an insert sets every column, a delete removes the record, an
    update sets the changed columns. The key column says which: it is in the changes of an
    insert (null before) and a delete (null after), and never in an update's."""
    after = {change["field"]: change["after"] for change in changes}
    if "id" not in after:
        return {**(state or {}), **after}
    return None if after["id"] is None else after


async def _check_records(
    connection: AsyncConnection, report: Verification, table: type, entity_type: str
) -> list[tuple[str, uuid.UUID]]:
    """Check the hash of every event of this type and replay them record by record, each
    event read with its record's stored row (in one read of the database, so the next
    partition is fetched while this one is checked). Returns the records that drifted."""
    c = events_table.c
    rows = table.__table__  # type: ignore[attr-defined]
    read = canonical_read([*_event_columns(), *rows.c], connection.dialect.name)
    names = [
        *(column.name for column in _event_columns()),
        *(f"row_{column.name}" for column in rows.c),
    ]
    events = (
        select(*(column.label(name) for column, name in zip(read.columns, names, strict=True)))
        .select_from(events_table.outerjoin(rows, rows.c.id == c.entity_id))
        .where(c.entity_type == entity_type)
        .order_by(c.entity_id, c.sequence)
    )
    replayer = _Replayer(report, entity_type, [column.name for column in rows.c])
    await _read(connection, events, read, replayer.feed)
    replayer.finish()
    return replayer.drifted


async def _unrecorded(
    connection: AsyncConnection, table: type, entity_type: str
) -> list[tuple[str, uuid.UUID]]:
    """The rows of an audited table that no event recorded."""
    c = events_table.c
    rows = table.__table__  # type: ignore[attr-defined]
    unseen = select(canonical_sql(rows.c.id, connection.dialect.name)).where(
        ~exists().where(c.entity_type == entity_type, c.entity_id == rows.c.id)
    )
    return [(entity_type, uuid.UUID(key)) for (key,) in await connection.execute(unseen)]


class _Replayer:
    """Events of one type in (record, sequence) order, each with its record's stored row:
    each event checked against its hash, and each record, once its last event is in, rebuilt
    and compared with the row. A row that differs, or a record the history keeps but the
    table lacks, has drifted."""

    def __init__(self, report: Verification, entity_type: str, names: list[str]) -> None:
        self._report = report
        self._entity_type = entity_type
        self._names = names
        self._key: str | None = None
        self._state: dict[str, Any] | None = None
        self._stored: Sequence[Any] = ()
        self.drifted: list[tuple[str, uuid.UUID]] = []

    def feed(self, events: Sequence[Any]) -> None:
        report, key, state, stored = self._report, self._key, self._state, self._stored
        for event in events:
            changes = _checked_changes(report, event)
            if event[_KEY_AT] != key:
                if key is not None:
                    self._compare(key, state, stored)
                key, state = event[_KEY_AT], None
            state = replay(state, changes)
            stored = event
        self._key, self._state, self._stored = key, state, stored

    def finish(self) -> None:
        if self._key is not None:
            self._compare(self._key, self._state, self._stored)

    def _compare(self, key: str, state: dict[str, Any] | None, event: Sequence[Any]) -> None:
        row = tuple(event[_ROW_AT:])
        names = self._names
        if row[names.index("id")] is None:
            matches = state is None  # deleted, as its history says, or gone behind its back
        else:
            # A column added to the table after the record's events were written is null in
            # its history, as the migration that added it left it.
            matches = state is not None and tuple(map(state.get, names)) == row
        if not matches:
            self.drifted.append((self._entity_type, uuid.UUID(key)))


# The most records `_check_in_sequence` holds the replayed state of at once. Each costs its
# key and its state, the text of its first event's changes (0.45 KB for a contact attempt's
# insert, 1 KB for an address's, measured) or a tuple of its columns' values (about 0.6 KB for a
# contact attempt), and about twice that for the widest tables, so a gigabyte or so at most. A
# larger history is checked by the join, which holds one record at a time: none is too large.
_RECORDS_HELD = 1_000_000


class _TooManyRecords(Exception):
    """More records live at once than `_check_in_sequence` holds."""


async def _check_in_sequence(
    connection: AsyncConnection, report: Verification, sizes: set[int], limit: int
) -> tuple[_Stored, dict[str, list[tuple[str, uuid.UUID]]]]:
    """What `_check_stored` and `_check_events` find (every hash into `report`), from one
    read of the log in sequence order and one of each audited table.

    SQLite reads the log in sequence order and then each table for two thirds of what reading
    the log by record, each event with its record's row, costs (about 7.5 against 11 µs an
    event, measured with a record per event), and the link to the event before, the gaps and
    the hashes at the checkpoints' sizes become plain comparisons; each record's replayed
    state waits in memory for its row. Raises _TooManyRecords when more than `limit` records
    would be held, leaving in `report` what it found until then."""
    tables = {
        entity_type: table.__table__  # type: ignore[attr-defined]
        for table, entity_type in AUDITED.items()
    }
    read = canonical_read(_event_columns(), connection.dialect.name)
    stored = read if connection.dialect.name == "sqlite" else None
    # Each record's state holds its columns in the order of their names, the order in which an
    # insert's or a delete's changes name every one.
    names = {entity_type: sorted(rows.c.keys()) for entity_type, rows in tables.items()}
    log = _InSequence(report, sizes, names, limit, stored)
    as_read = CanonicalRead(read.columns, unchanged if stored is not None else read.finish)
    in_order = select(*read.columns).order_by(events_table.c.sequence)
    await _read(connection, in_order, as_read, log.feed)
    drifted = {
        entity_type: await _compare_rows(
            connection,
            [rows.c[name] for name in names[entity_type]],
            entity_type,
            log.states[entity_type],
        )
        for entity_type, rows in tables.items()
    }
    unrecorded: dict[str, list[tuple[str, uuid.UUID]]] = {entity_type: [] for entity_type in tables}
    return _Stored(log.order, log.hash_at, unrecorded), drifted


# By type: each held record's state (a tuple of the table's columns in the order of their
# names, or the text of its first event's changes, to be decoded into one), where each column
# is in such a tuple, every column's name in that order and where the key is.
_Kind = tuple[dict[str, tuple[Any, ...] | str], dict[str, int], tuple[str, ...], int]


class _InSequence:
    """The events in sequence order: each linked to the one before it and checked against its
    hash, and each audited record's changes replayed into its state, by type and key."""

    def __init__(
        self,
        report: Verification,
        sizes: set[int],
        names: dict[str, list[str]],
        limit: int,
        stored: CanonicalRead | None = None,
    ) -> None:
        """`stored`: the events come as SQLite stores them, read by `stored.columns` (otherwise
        in canonical form). Each event's document is then built from them as they are, and
        only an event whose document does not match its hash is turned by `stored.finish` to
        be checked again; records are keyed by their key as stored."""
        self.order = Verification()
        self.hash_at: dict[int, str] = {}
        # By type (see `_Kind`); a deleted record is dropped, as if it never was.
        self.states: dict[str, _Kind] = {
            entity_type: (
                {},
                {name: at for at, name in enumerate(columns)},
                tuple(columns),
                columns.index("id"),
            )
            for entity_type, columns in names.items()
        }
        self._report = report
        self._sizes = sizes
        self._limit = limit
        self._held = 0
        self._last = (0, GENESIS_HASH)
        self._document = document_text if stored is None else stored_document_text
        self._canonical = unchanged if stored is None else _one_by(stored.finish)

    def feed(self, events: Sequence[Any]) -> None:
        report, order, sizes, hash_at, every_state, document = (
            self._report,
            self.order,
            self._sizes,
            self.hash_at,
            self.states,
            self._document,
        )
        sha256, loads, undecodable = hashlib.sha256, orjson.loads, orjson.JSONDecodeError
        held, limit = self._held, self._limit
        last, last_hash = self._last
        for event in events:
            sequence, previous_hash, stored_hash = event[0], event[_PREVIOUS_AT], event[_HASH_AT]
            if sequence != last + 1 or previous_hash != last_hash:
                _broken_link(order, sequence, previous_hash, last, last_hash)
            last, last_hash = sequence, stored_hash
            if sequence in sizes:
                hash_at[sequence] = stored_hash
            try:
                hashed = sha256((previous_hash + document(event)).encode()).hexdigest()
            except (TypeError, AttributeError):  # a value of a type the history never writes
                hashed = None
            if hashed == stored_hash:
                changes = None  # decoded only where a record's state needs them
            else:
                changes = _checked_changes(report, self._canonical(event))
            kind = every_state.get(event[_TYPE_AT])
            if kind is None:
                continue
            states = kind[0]
            key = event[_KEY_AT]
            before = states.get(key)  # None when none is held: a deleted record is dropped
            if before is None:
                if changes is None:
                    # A record's first event, as hashed: its changes (every column, for an
                    # insert) stand for its state, decoded only if another event or its row
                    # needs them.
                    states[key] = event[_CHANGES_AT]
                    held += 1
                    if held > limit:
                        raise _TooManyRecords
                    continue
                held += 1  # if it stays: given back below if not
            elif isinstance(before, str):
                before = _state_of(before, kind)
            if changes is None:
                try:  # as `_decoded`, written out: a call for each event costs a little
                    changes = loads(event[_CHANGES_AT])
                except undecodable:
                    changes = []
            after = _state_after(before, changes, kind)
            if after is not None:
                states[key] = after
                if held > limit:
                    raise _TooManyRecords
            else:
                states.pop(key, None)
                held -= 1
        order.event_count += len(events)
        order.head_hash = last_hash
        self._last = (last, last_hash)
        self._held = held


_FIELD, _AFTER = itemgetter("field"), itemgetter("after")


def _state_of(changes: str, kind: _Kind) -> tuple[Any, ...] | None:
    """The state of a record whose first event's changes are this text."""
    return _state_after(None, _decoded(changes), kind)


def _state_after(
    before: tuple[Any, ...] | None, changes: list[dict[str, Any]], kind: _Kind
) -> tuple[Any, ...] | None:
    """A record's state after an event with these changes (see `_replayed`)."""
    _, columns, every_column, key_at = kind
    if tuple(map(_FIELD, changes)) == every_column:
        # An insert or a delete, whose changes name every column in the state's order: the
        # state is their values, for three quarters of what `_replayed` costs.
        after = tuple(map(_AFTER, changes))
        return None if after[key_at] is None else after
    return _replayed(before, changes, columns)


def _replayed(
    state: tuple[Any, ...] | None, changes: Iterable[Mapping[str, Any]], columns: dict[str, int]
) -> tuple[Any, ...] | None:
    """`replay` on a record's columns in table order: a change to a column the table does
    not have is not compared, so not kept."""
    after = {change["field"]: change["after"] for change in changes}
    if "id" in after:
        return None if after["id"] is None else tuple(map(after.get, columns))
    values = [None] * len(columns) if state is None else list(state)
    for name, value in after.items():
        at = columns.get(name)
        if at is not None:
            values[at] = value
    return tuple(values)


async def _compare_rows(
    connection: AsyncConnection, columns: list[Any], entity_type: str, kind: _Kind
) -> list[tuple[str, uuid.UUID]]:
    """Each row of an audited table, read as `columns` (in its states' order), against its
    record's replayed state, which it takes out of `kind`'s states: a row that differs or that
    no state is left for (no event recorded it, or its history deleted it) has drifted, and so
    has each record whose state no row takes."""
    states = kind[0]
    key_at = [column.name for column in columns].index("id")
    drifted: list[tuple[str, uuid.UUID]] = []
    read = canonical_read(columns, connection.dialect.name)
    as_selected = read.as_selected
    # SQLite's rows as stored: a record whose state is still its insert's changes is the row
    # when they are the text of the row's insert.
    inserted = stored_insert_changes(columns) if connection.dialect.name == "sqlite" else None

    def compare(partition: Rows) -> None:
        # Rows as read, keyed as the log's events name their record; the state turned to match.
        for row in partition:
            key = row[key_at]
            state = states.pop(key, None)
            if isinstance(state, str):
                try:
                    if inserted is not None and inserted(row) == state:
                        continue
                except (TypeError, AttributeError):  # a value its column never holds
                    pass
                state = _state_of(state, kind)
            if state is None or as_selected(state) != row:
                drifted.append((entity_type, uuid.UUID(str(key))))

    await _read(connection, select(*read.columns), CanonicalRead(read.columns, unchanged), compare)
    drifted.extend(
        (entity_type, uuid.UUID(str(key)))
        for key, state in states.items()
        # A record whose first event deleted it is as good as gone.
        if not isinstance(state, str) or _state_of(state, kind) is not None
    )
    states.clear()
    return drifted


def _one_by(finish: Callable[[Rows], Rows]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """`finish` for one row."""
    return lambda row: finish([row])[0]


def read_export(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as file:
        for line in file:
            if line.strip():
                yield json.loads(line)


def verify_file(
    path: Path,
    public_key: Ed25519PublicKey | None = None,
    external_checkpoints: Iterable[Checkpoint] = (),
) -> Verification:
    """Check an export offline: the chain and its checkpoints, with no database."""
    report = Verification()
    checkpoints = [*read_checkpoints(path), *external_checkpoints]
    chain = ChainCheck(report, (c.size for c in checkpoints))
    with path.open("rb") as file:
        for raw in file:
            line = raw.rstrip(b"\r\n")
            if line.endswith(_EVENT_TAIL):
                _check_event_line(chain, line)
    chain.finish(checkpoints, public_key)
    return report


# An event line is its canonical document with `"hash":"…",` and `,"type":"event"` added in
# key order. Cutting them out again gives the hashed bytes, so a canonical line is checked
# without decoding it; any other line is decoded and re-encoded.
_EVENT_TAIL = b',"type":"event"}'
_HASH_KEY = b'"hash":"'
_PREVIOUS_KEY = b'"previous_hash":"'
_SEQUENCE_KEY = b'"sequence":'


def _check_event_line(chain: ChainCheck, line: bytes) -> None:
    hash_at = line.find(_HASH_KEY)
    previous_at = line.rfind(_PREVIOUS_KEY)  # the document's own key: nested ones come earlier
    sequence_at = line.rfind(_SEQUENCE_KEY)
    if min(hash_at, previous_at, sequence_at) >= 0:
        stored = line[hash_at + len(_HASH_KEY) : hash_at + len(_HASH_KEY) + 64]
        previous = line[previous_at + len(_PREVIOUS_KEY) : previous_at + len(_PREVIOUS_KEY) + 64]
        digits = line[sequence_at + len(_SEQUENCE_KEY) : -len(_EVENT_TAIL)]
        document = line[:hash_at] + line[hash_at + len(_HASH_KEY) + 66 : -len(_EVENT_TAIL)] + b"}"
        if digits.isdigit() and hashlib.sha256(previous + document).hexdigest().encode() == stored:
            chain.link(int(digits), previous.decode(), stored.decode(), matches=True)
            return
    event = json.loads(line)
    chain.feed({k: v for k, v in event.items() if k not in ("type", "hash")}, event["hash"])


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """The checkpoints in an export (or in a file of checkpoints kept elsewhere)."""
    found = []
    with path.open("rb") as file:
        for raw in file:
            if b'"type":"checkpoint"' in raw:  # only these lines are decoded
                line = json.loads(raw)
                if line.get("type") == "checkpoint":
                    found.append(
                        Checkpoint(
                            line["size"], line["head_hash"], line["key_id"], line["signature"]
                        )
                    )
    return found
