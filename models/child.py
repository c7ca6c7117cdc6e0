"""A child's case: identity, custody status and the records it owns."""

import uuid
from datetime import date
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from models.base import enum_type, search_key_type
from models.enums import CustodyStatus, LocationStatus

if TYPE_CHECKING:
    from models.address import Address
    from models.alert import Alert
    from models.contact import ContactAttempt
    from models.custody import CustodyEvent
    from models.hearing import Hearing
    from models.notice import Notice
    from models.representation import Representation
    from models.sponsor import Sponsor

_RAISE = {"lazy": "raise"}


class Child(SQLModel, table=True):
    __tablename__ = "child"
    __table_args__ = (
        sa.CheckConstraint("length(a_number) = 9", name="a_number_nine_digits"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("length(country_of_birth) = 2", name="country_alpha2"),
        # The children list filters by status and reads in A-number order: with the order in
        # the index, a page is the first rows of one range, not a walk of every A-number.
        # A filtered page reads its children's keys from these alone (see migration 0009).
        sa.Index("ix_child_custody_status_a_number_id", "custody_status", "a_number", "id"),
        sa.Index("ix_child_location_status_a_number_id", "location_status", "a_number", "id"),
        # Possible duplicates are looked for among the children born on the same day.
        sa.Index("ix_child_date_of_birth", "date_of_birth"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    a_number: str = Field(max_length=9, unique=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    # Case- and accent-folded names, so that search ("hernandez") finds "Hernández" by index.
    first_name_key: str = Field(sa_type=search_key_type(100), index=True)
    last_name_key: str = Field(sa_type=search_key_type(100), index=True)
    date_of_birth: date
    country_of_birth: str = Field(max_length=2)
    custody_status: CustodyStatus = Field(sa_type=enum_type(CustodyStatus))
    # Derived from custody, the current address and contact attempts; kept on the row, in the
    # same transaction as every change that affects it, so that the children filter can use an index.
    location_status: LocationStatus = Field(sa_type=enum_type(LocationStatus))
    version: int = Field(default=1)
    sponsor_id: uuid.UUID | None = Field(default=None, foreign_key="sponsor.id", index=True)
    # The field office working the case (its code): derived from the address's ZIP or the
    # court until a person transfers the child, then theirs until the child moves
    # (resolvers/offices.py). None: no office covers the child yet. No foreign key: adding one
    # rebuilds the child table on SQLite, and offices are never removed, only ever chosen from
    # those on record.
    field_office: str | None = Field(default=None, max_length=10, index=True)

    sponsor: Optional["Sponsor"] = Relationship(
        back_populates="children", sa_relationship_kwargs=_RAISE
    )
    # Each list in its order, ties by key: every read path lists the same records alike.
    addresses: list["Address"] = Relationship(
        sa_relationship_kwargs={**_RAISE, "order_by": "[Address.effective_from, Address.id]"}
    )
    custody_events: list["CustodyEvent"] = Relationship(
        sa_relationship_kwargs={**_RAISE, "order_by": "[CustodyEvent.occurred_at, CustodyEvent.id]"}
    )
    contact_attempts: list["ContactAttempt"] = Relationship(
        sa_relationship_kwargs={
            **_RAISE,
            "order_by": "[ContactAttempt.attempted_at, ContactAttempt.id]",
        }
    )
    notices: list["Notice"] = Relationship(
        sa_relationship_kwargs={**_RAISE, "order_by": "[Notice.issued_on, Notice.id]"}
    )
    hearings: list["Hearing"] = Relationship(
        back_populates="child",
        sa_relationship_kwargs={**_RAISE, "order_by": "[Hearing.scheduled_for, Hearing.id]"},
    )
    representations: list["Representation"] = Relationship(
        sa_relationship_kwargs={
            **_RAISE,
            "order_by": "[Representation.entered_on, Representation.id]",
        }
    )
    alerts: list["Alert"] = Relationship(
        back_populates="child",
        sa_relationship_kwargs={**_RAISE, "order_by": "[Alert.raised_at, Alert.id]"},
    )
