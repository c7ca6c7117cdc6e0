"""Column types and conventions shared by every table."""

import enum
import os
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel

# Deterministic constraint names, so Alembic revisions name the same thing on every engine.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An instant, always stored and returned in UTC.

    SQLite has no time zones, so an aware value is stored as naive UTC and made aware again
    on the way out; a naive value is refused rather than guessed at.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an instant is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_class: type[enum.Enum]) -> sa.Enum:
    """A VARCHAR column with a CHECK constraint on the enum's values (no native enum types,
    so adding a value is a plain migration on both engines)."""
    return sa.Enum(
        enum_class,
        name=_snake(enum_class.__name__),
        native_enum=False,
        create_constraint=True,
        length=max(len(str(member.value)) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def utc_now() -> datetime:
    return datetime.now(UTC)


def time_ordered_uuid() -> uuid.UUID:
    """A version 7 UUID: 48 bits of Unix milliseconds, then 74 random bits. Keys made one
    after another sort one after another, so an index on them grows at its right edge, in
    pages the database has at hand, where random keys land anywhere in it."""
    return version_7_uuid(time.time_ns() // 1_000_000, int.from_bytes(os.urandom(10), "big"))


def version_7_uuid(clock: int, random_bits: int) -> uuid.UUID:
    """The version 7 UUID of this 48-bit clock value and these (80, of which 74 are kept)
    random bits."""
    value = clock << 80 | random_bits
    value = value & ~(0xF << 76) | 7 << 76  # the version
    value = value & ~(0x3 << 62) | 0x2 << 62  # the RFC 4122 variant
    return uuid.UUID(int=value)


def search_key_type(length: int) -> sa.types.TypeEngine[str]:
    """Text compared by byte order on every engine, so that a prefix is a range an index can
    serve whatever the database's collation (SQLite's default is already byte order)."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")
