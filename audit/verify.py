"""Verification: recompute every link of the chain, check sequences for gaps and checkpoints
for signatures, and replay the events to find records changed behind the history's back."""

import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from audit.canonical import canonical_value, chain_hash, event_document
from audit.capture import AUDITED
from audit.checkpoints import key_id, verify_signature
from audit.tables import GENESIS_HASH, AuditCheckpoint, AuditEvent

events_table = AuditEvent.__table__  # type: ignore[attr-defined]
checkpoints_table = AuditCheckpoint.__table__  # type: ignore[attr-defined]
_STREAM = 5000
_PROBLEMS_KEPT = 20


@dataclass
class Verification:
    """What a verification found. Problems name sequences and entities, never record data."""

    event_count: int = 0
    head_hash: str = GENESIS_HASH
    first_invalid_sequence: int | None = None
    problems: list[str] = field(default_factory=list)
    drifted: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    checkpoints_checked: int = 0

    @property
    def valid(self) -> bool:
        return self.first_invalid_sequence is None and not self.drifted and not self.problems

    def fail(self, sequence: int, problem: str) -> None:
        if self.first_invalid_sequence is None or sequence < self.first_invalid_sequence:
            self.first_invalid_sequence = sequence
        if len(self.problems) < _PROBLEMS_KEPT:
            self.problems.append(problem)

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
        report = self.report
        report.head_hash = self.previous
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
            elif self.hash_at.get(checkpoint.size) != checkpoint.head_hash:
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


async def _stream(connection: AsyncConnection, statement: Any) -> AsyncIterator[Mapping[Any, Any]]:
    result = await connection.stream(statement.execution_options(yield_per=_STREAM))
    async for partition in result.mappings().partitions():
        for row in partition:
            yield row


async def load_checkpoints(connection: AsyncConnection) -> list[Checkpoint]:
    rows = await connection.execute(select(checkpoints_table))
    return [Checkpoint(r.size, r.head_hash, r.key_id, r.signature) for r in rows]


async def verify_database(
    engine: AsyncEngine,
    public_key: Ed25519PublicKey | None = None,
    external_checkpoints: Iterable[Checkpoint] = (),
) -> Verification:
    """Check the chain, the checkpoints (in the database and any kept outside it) and every
    audited record against its replayed history."""
    report = Verification()
    async with engine.connect() as connection:
        checkpoints = [*await load_checkpoints(connection), *external_checkpoints]
        chain = ChainCheck(report, (c.size for c in checkpoints))
        async for row in _stream(
            connection, select(events_table).order_by(events_table.c.sequence)
        ):
            chain.feed(document_of(row), row["hash"])
        chain.finish(checkpoints, public_key)
        for table, entity_type in AUDITED.items():
            report.drifted.extend(await _drift(connection, table, entity_type))
    return report


def replay(
    state: dict[str, Any] | None, changes: Iterable[Mapping[str, Any]]
) -> dict[str, Any] | None:
    """A record after one event: an insert sets every column, a delete removes the record, an
    update sets the changed columns. The key column says which: it is in the changes of an
    insert (null before) and a delete (null after), and never in an update's."""
    changes = list(changes)
    key = next((c for c in changes if c["field"] == "id"), None)
    if key is not None and key["after"] is None:
        return None
    record = {} if key is not None else dict(state or {})
    record.update({c["field"]: c["after"] for c in changes})
    return record


async def _drift(
    connection: AsyncConnection, table: type, entity_type: str
) -> list[tuple[str, uuid.UUID]]:
    """Merge the table's rows (by key) with its events (by key, then sequence)."""
    rows = _stream(connection, select(table.__table__).order_by(table.__table__.c.id))  # type: ignore[attr-defined]
    events = _stream(
        connection,
        select(events_table.c.entity_id, events_table.c.changes)
        .where(events_table.c.entity_type == entity_type)
        .order_by(events_table.c.entity_id, events_table.c.sequence),
    )
    drifted: list[tuple[str, uuid.UUID]] = []
    histories = _histories(events)
    history = await anext(histories, None)
    async for row in rows:
        stored = {name: canonical_value(value) for name, value in row.items()}
        key = row["id"]
        while history is not None and history[0] < key:
            if history[1] is not None:  # recorded, but the row is gone
                drifted.append((entity_type, history[0]))
            history = await anext(histories, None)
        if history is not None and history[0] == key:
            if history[1] != stored:
                drifted.append((entity_type, key))
            history = await anext(histories, None)
        else:
            drifted.append((entity_type, key))  # a row the history never saw
    while history is not None:
        if history[1] is not None:
            drifted.append((entity_type, history[0]))
        history = await anext(histories, None)
    return drifted


async def _histories(
    events: AsyncIterator[Mapping[Any, Any]],
) -> AsyncIterator[tuple[uuid.UUID, dict[str, Any] | None]]:
    """Each entity's replayed state, in key order."""
    current: uuid.UUID | None = None
    state: dict[str, Any] | None = None
    async for event in events:
        if event["entity_id"] != current:
            if current is not None:
                yield current, state
            current, state = event["entity_id"], None
        state = replay(state, event["changes"])
    if current is not None:
        yield current, state


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
