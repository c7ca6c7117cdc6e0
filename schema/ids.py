"""Relay global IDs: base64 of "Type:uuid", opaque to clients."""

import base64
import binascii
import uuid

import strawberry

from resolvers.errors import NotFound


def encode(type_name: str, record_id: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(base64.urlsafe_b64encode(f"{type_name}:{record_id}".encode()).decode())


def decode_any(global_id: str) -> tuple[str, uuid.UUID] | None:
    """The type name and key inside a global ID, or None when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(global_id.encode() + b"=" * (-len(global_id) % 4)).decode()
        type_name, _, key = text.partition(":")
        return type_name, uuid.UUID(key)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def decode(global_id: str, type_name: str, field: str) -> uuid.UUID:
    """The key of a `type_name` global ID; anything else is NOT_FOUND at `field`."""
    decoded = decode_any(global_id)
    if decoded is None or decoded[0] != type_name:
        article = "an" if type_name[0] in "AEIOU" else "a"
        raise NotFound(
            f"No {type_name.lower()} has this ID (expected {article} {type_name} ID).", [field]
        )
    return decoded[1]
