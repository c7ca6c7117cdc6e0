"""Appending to the chain: under the head lock, in commit order, with no gaps."""

import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from audit.canonical import INSTANT_FORMAT, canonical_json, document_text
from audit.capture import PENDING_KEY, PendingChange
from audit.checkpoints import Signer, key_id
from audit.tables import GENESIS_HASH, AuditCheckpoint, AuditEvent
from models.base import time_ordered_uuid
from models.db import JSONText

# PostgreSQL advisory lock key of the chain head (any constant unique to this purpose).
HEAD_LOCK_KEY = 0x63_61_73_65_74_72_61  # "casetra"
SIGNER_KEY = "audit_signer"
_BATCH = 1000

events_table = AuditEvent.__table__  # type: ignore[attr-defined]
checkpoints_table = AuditCheckpoint.__table__  # type: ignore[attr-defined]


def lock_head(connection: Connection) -> tuple[int, str, datetime]:
    """Take the chain head for this transaction; returns the last sequence, the last hash and
    the database's clock, read after the lock so that times follow the sequence.

    PostgreSQL: a transaction-scoped advisory lock, so concurrent writers in any number of
    processes append one after another. SQLite: a writer already holds the database's write
    lock (BEGIN IMMEDIATE), and SQLite refuses to let a stale reader write.
    """
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(select(func.pg_advisory_xact_lock(HEAD_LOCK_KEY)))
    last = events_table.c
    latest = select(last.sequence).order_by(last.sequence.desc()).limit(1).scalar_subquery()
    latest_hash = select(last.hash).order_by(last.sequence.desc()).limit(1).scalar_subquery()
    clock = func.clock_timestamp() if postgres else text("strftime('%Y-%m-%d %H:%M:%f', 'now')")
    sequence, previous, now = connection.execute(select(latest, latest_hash, clock)).one()
    if not postgres:
        now = datetime.fromisoformat(now).replace(tzinfo=UTC)
    return sequence or 0, previous or GENESIS_HASH, now.astimezone(UTC)


def _entity_versions(
    connection: Connection, keys: list[tuple[str, uuid.UUID]]
) -> dict[tuple[str, uuid.UUID], int]:
    """The latest revision of each record, by (type, key). One query per type and batch, as
    `entity_type = … AND entity_id IN (…)`: that form the (type, id, sequence) index serves on
    both engines, where a row-value IN list is scanned."""
    if not keys:
        return {}
    by_type: dict[str, list[uuid.UUID]] = {}
    for entity_type, entity_id in keys:
        by_type.setdefault(entity_type, []).append(entity_id)
    column = events_table.c
    versions: dict[tuple[str, uuid.UUID], int] = {}
    for entity_type, ids in by_type.items():
        for start in range(0, len(ids), _BATCH):
            rows = connection.execute(
                select(column.entity_id, func.max(column.entity_version))
                .where(
                    column.entity_type == entity_type,
                    column.entity_id.in_(ids[start : start + _BATCH]),
                )
                .group_by(column.entity_id)
            )
            versions.update({(entity_type, i): v for i, v in rows})
    return versions


def append(connection: Connection, changes: Iterable[PendingChange], signer: Signer | None) -> int:
    """Write the changes as chained events; returns how many were written."""
    changes = [c for c in changes if c.operation != "gone"]
    if not changes:
        return 0
    sequence, previous, recorded_at = lock_head(connection)
    first_sequence = sequence + 1
    # A new record starts at revision 1: only changed and deleted ones have revisions to look up.
    versions = _entity_versions(
        connection, [(c.entity_type, c.entity_id) for c in changes if c.operation != "insert"]
    )
    rows: list[dict[str, Any]] = []
    hashes: dict[int, str] = {}
    recorded_text = recorded_at.astimezone(UTC).strftime(INSTANT_FORMAT)
    for change in changes:
        sequence += 1
        key = (change.entity_type, change.entity_id)
        versions[key] = versions.get(key, 0) + 1
        event_id = time_ordered_uuid()
        context = change.context
        # The changes are serialized once, as they are stored, and the document is built
        # around that text: the canonical document (`document_text`), hashed as it is.
        changes_text = JSONText(canonical_json(change.changes()))
        text = document_text(
            (
                sequence,
                str(event_id),
                recorded_text,
                context["actor_name"],
                context["actor_role"],
                context["action"],
                change.entity_type,
                str(change.entity_id),
                versions[key],
                None if change.child_id is None else str(change.child_id),
                changes_text,
                context["reason"],
                context["request_id"],
                previous,
            )
        )
        rows.append(
            {
                "sequence": sequence,
                "event_id": event_id,
                "recorded_at": recorded_at,
                "actor_name": context["actor_name"],
                "actor_role": context["actor_role"],
                "action": context["action"],
                "entity_type": change.entity_type,
                "entity_id": change.entity_id,
                "entity_version": versions[key],
                "child_id": change.child_id,
                "changes": changes_text,
                "reason": context["reason"],
                "request_id": context["request_id"],
                "previous_hash": previous,
            }
        )
        previous = hashlib.sha256((previous + text).encode()).hexdigest()
        rows[-1]["hash"] = previous
        hashes[sequence] = previous
    for start in range(0, len(rows), _BATCH):
        connection.execute(insert(events_table), rows[start : start + _BATCH])
    if signer is not None:
        _checkpoint(connection, signer, first_sequence, sequence, hashes, recorded_at)
    return len(rows)


def _checkpoint(
    connection: Connection,
    signer: Signer,
    first: int,
    last: int,
    hashes: dict[int, str],
    signed_at: datetime,
) -> None:
    """Sign every multiple of `signer.every` that this append reached."""
    size = ((first + signer.every - 1) // signer.every) * signer.every
    identity = key_id(signer.public_key)
    while size <= last:
        connection.execute(
            insert(checkpoints_table),
            {
                "size": size,
                "head_hash": hashes[size],
                "signed_at": signed_at,
                "key_id": identity,
                "signature": signer.sign(size, hashes[size]),
            },
        )
        size += signer.every


@event.listens_for(Session, "before_commit")
def _write_events(session: Session) -> None:
    session.flush()  # before_commit comes before commit's own final flush: note it first
    pending: dict[Any, PendingChange] | None = session.info.pop(PENDING_KEY, None)
    if pending:
        append(session.connection(), pending.values(), session.info.get(SIGNER_KEY))
