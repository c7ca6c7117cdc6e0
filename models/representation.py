"""Legal representation of a child in immigration court."""

import uuid
from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Representation(SQLModel, table=True):
    __tablename__ = "representation"
    __table_args__ = (
        sa.CheckConstraint(
            "withdrawn_on IS NULL OR withdrawn_on >= entered_on", name="withdrawn_after_entered"
        ),
        # Behind the children filter's represented.
        sa.Index("ix_representation_child_withdrawn", "child_id", "withdrawn_on"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    child_id: uuid.UUID = Field(foreign_key="child.id")
    attorney_name: str = Field(max_length=200)
    organization: str | None = Field(default=None, max_length=200)
    entered_on: date
    withdrawn_on: date | None = None
