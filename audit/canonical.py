"""The canonical form every event is hashed in, so anyone can recompute a hash.

An event's document is a JSON object with keys sorted, no insignificant white space, UTF-8
(non-ASCII characters as themselves); instants as UTC `YYYY-MM-DDTHH:MM:SS.ffffffZ`, dates as
`YYYY-MM-DD`, UUIDs in lower-case 8-4-4-4-12 form, decimals as plain decimal strings, enums by
value. hash = SHA-256(previous hash as 64 lower-case hex ASCII characters ‖ document), in hex.
"""

import enum
import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def canonical_value(value: Any) -> Any:
    """A value in the form it is hashed and stored in `changes`."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return canonical_value(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in an audited record")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, list | tuple):
        return [canonical_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical_value(v) for k, v in value.items()}
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def chain_hash(previous_hash: str, document: dict[str, Any]) -> str:
    """SHA-256 of the previous hash followed by the canonical document."""
    return hashlib.sha256(previous_hash.encode("ascii") + canonical_bytes(document)).hexdigest()


def event_document(
    *,
    sequence: int,
    event_id: uuid.UUID | str,
    recorded_at: datetime | str,
    actor_name: str,
    actor_role: str,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    entity_version: int,
    child_id: uuid.UUID | str | None,
    changes: list[dict[str, Any]],
    reason: str | None,
    request_id: str | None,
    previous_hash: str,
) -> dict[str, Any]:
    """Everything an event says, except its own hash, in canonical form."""
    return {
        "sequence": sequence,
        "event_id": canonical_value(_uuid(event_id)),
        "recorded_at": recorded_at
        if isinstance(recorded_at, str)
        else canonical_value(recorded_at),
        "actor": {"name": actor_name, "role": actor_role},
        "action": action,
        "entity_type": entity_type,
        "entity_id": canonical_value(_uuid(entity_id)),
        "entity_version": entity_version,
        "child_id": canonical_value(_uuid(child_id)) if child_id is not None else None,
        "changes": changes,
        "reason": reason,
        "request_id": request_id,
        "previous_hash": previous_hash,
    }


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
