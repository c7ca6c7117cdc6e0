"""A child's residence history: one row per place, at most one current."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type
from models.enums import AddressSource, VerificationStatus


class Address(SQLModel, table=True):
    __tablename__ = "address"
    __table_args__ = (
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from", name="effective_range"
        ),
        # At most one current address per child.
        sa.Index(
            "uq_address_current_per_child",
            "child_id",
            unique=True,
            sqlite_where=sa.text("effective_to IS NULL"),
            postgresql_where=sa.text("effective_to IS NULL"),
        ),
        sa.Index(
            "ix_address_current_address_key",
            "address_key",
            sqlite_where=sa.text("effective_to IS NULL"),
            postgresql_where=sa.text("effective_to IS NULL"),
        ),
        # The sweep finds the current addresses whose age crossed a threshold since it last ran.
        sa.Index(
            "ix_address_current_effective_from",
            "effective_from",
            sqlite_where=sa.text("effective_to IS NULL"),
            postgresql_where=sa.text("effective_to IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    line1: str = Field(max_length=200)
    line2: str | None = Field(default=None, max_length=100)
    city: str = Field(max_length=100)
    state: str = Field(max_length=2)
    postal_code: str = Field(max_length=10)
    # Normalised comparison keys: the street line alone (for MISSING_UNIT) and the whole
    # address (for SHARED_BY_UNRELATED_CHILDREN); both use the 5-digit ZIP.
    street_key: str = Field(max_length=320, index=True)
    address_key: str = Field(max_length=420)
    effective_from: date
    effective_to: date | None = None
    source: AddressSource = Field(sa_type=enum_type(AddressSource))
    verification: VerificationStatus = Field(
        default=VerificationStatus.UNVERIFIED, sa_type=enum_type(VerificationStatus)
    )
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    undeliverable: bool = False
