"""Custody events: every step of a child's path through custody and release."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from models.base import UTCDateTime, enum_type
from models.enums import CustodyEventKind

if TYPE_CHECKING:
    from models.sponsor import Sponsor


class CustodyEvent(SQLModel, table=True):
    __tablename__ = "custody_event"
    __table_args__ = (
        sa.Index("ix_custody_event_child_occurred", "child_id", "occurred_at"),
        # Behind the children filter's releasedFrom/releasedTo and the oversight cohorts.
        sa.Index("ix_custody_event_kind_occurred", "kind", "occurred_at", "child_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    child_id: uuid.UUID = Field(foreign_key="child.id")
    kind: CustodyEventKind = Field(sa_type=enum_type(CustodyEventKind))
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    facility: str | None = Field(default=None, max_length=200)
    sponsor_id: uuid.UUID | None = Field(default=None, foreign_key="sponsor.id", index=True)

    sponsor: Optional["Sponsor"] = Relationship(sa_relationship_kwargs={"lazy": "raise"})
