"""The history's own tables: events (append-only, hash-chained) and signed checkpoints."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime

# The hash before the first event.
GENESIS_HASH = "0" * 64


class AuditEvent(SQLModel, table=True):
    """One committed change of one record. Never updated or deleted (triggers refuse it)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.CheckConstraint("sequence >= 1", name="sequence_positive"),
        sa.Index("ix_audit_event_entity", "entity_type", "entity_id", "sequence"),
        sa.Index("ix_audit_event_child", "child_id", "sequence"),
        sa.Index("ix_audit_event_recorded", "recorded_at", "sequence"),
        sa.Index("ix_audit_event_actor", "actor_name", "sequence"),
    )

    sequence: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    event_id: uuid.UUID = Field(unique=True)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    actor_name: str = Field(max_length=100)
    actor_role: str = Field(max_length=20)
    action: str = Field(max_length=100)
    entity_type: str = Field(max_length=40)
    entity_id: uuid.UUID
    # The entity's own revision: 1 for its first event, then one more per event.
    entity_version: int
    # The child whose case the record belongs to, when it belongs to one (history by child).
    child_id: uuid.UUID | None = None
    changes: list[dict[str, Any]] = Field(sa_type=sa.JSON)
    reason: str | None = Field(default=None, max_length=2000)
    request_id: str | None = Field(default=None, max_length=64)
    previous_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AuditCheckpoint(SQLModel, table=True):
    """An Ed25519 signature over (size, head hash): a copy kept elsewhere proves the log had
    at least these events, with this head, when it was signed."""

    __tablename__ = "audit_checkpoint"

    size: int = Field(
        sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    head_hash: str = Field(max_length=64)
    signed_at: datetime = Field(sa_type=UTCDateTime)
    key_id: str = Field(max_length=64)
    signature: str = Field(max_length=128)


class AccessLogEntry(SQLModel, table=True):
    """One read of one child's record: who, when, in which request. Append-only."""

    __tablename__ = "access_log"
    __table_args__ = (sa.Index("ix_access_log_child", "child_id", "id"),)

    id: int | None = Field(
        default=None,
        sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
    )
    child_id: uuid.UUID
    read_at: datetime = Field(sa_type=UTCDateTime)
    actor_name: str = Field(max_length=100)
    actor_role: str = Field(max_length=20)
    request_id: str | None = Field(default=None, max_length=64)
    operation: str | None = Field(default=None, max_length=200)
