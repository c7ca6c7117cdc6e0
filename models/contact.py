"""Attempts to reach a released child."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type
from models.enums import ContactMethod, ContactOutcome


class ContactAttempt(SQLModel, table=True):
    __tablename__ = "contact_attempt"
    __table_args__ = (sa.Index("ix_contact_attempt_child_attempted", "child_id", "attempted_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    child_id: uuid.UUID = Field(foreign_key="child.id")
    attempted_at: datetime = Field(sa_type=UTCDateTime)
    method: ContactMethod = Field(sa_type=enum_type(ContactMethod))
    outcome: ContactOutcome = Field(sa_type=enum_type(ContactOutcome))
    notes: str | None = Field(default=None, max_length=2000)
