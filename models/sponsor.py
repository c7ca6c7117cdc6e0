"""The adult a child is released to."""

import uuid
from typing import TYPE_CHECKING

from sqlmodel import Field, Relationship, SQLModel

from models.base import enum_type
from models.enums import SponsorRelationship

if TYPE_CHECKING:
    from models.child import Child


class Sponsor(SQLModel, table=True):
    __tablename__ = "sponsor"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    relationship: SponsorRelationship = Field(sa_type=enum_type(SponsorRelationship))
    phone: str | None = Field(default=None, max_length=20)  # E.164

    children: list["Child"] = Relationship(
        back_populates="sponsor",
        sa_relationship_kwargs={"lazy": "raise", "order_by": "Child.a_number"},
    )
