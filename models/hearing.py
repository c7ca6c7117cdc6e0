"""Immigration-court hearings and whether the child appeared."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from models.base import UTCDateTime, enum_type
from models.enums import HearingStatus, HearingType

if TYPE_CHECKING:
    from models.child import Child


class Hearing(SQLModel, table=True):
    __tablename__ = "hearing"
    __table_args__ = (
        sa.CheckConstraint("status <> 'OVERDUE'", name="overdue_is_derived"),
        sa.CheckConstraint(
            "NOT in_absentia_order OR status = 'FAILED_TO_APPEAR'", name="in_absentia_needs_fta"
        ),
        sa.Index("ix_hearing_child_scheduled", "child_id", "scheduled_for"),
        # Behind the children filter's court and failedToAppear, and the hearings list.
        sa.Index("ix_hearing_court_child", "court", "child_id"),
        sa.Index("ix_hearing_status_child", "status", "child_id"),
        sa.Index("ix_hearing_scheduled", "scheduled_for", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    child_id: uuid.UUID = Field(foreign_key="child.id")
    court: str = Field(max_length=20)
    type: HearingType = Field(sa_type=enum_type(HearingType))
    scheduled_for: datetime = Field(sa_type=UTCDateTime)
    status: HearingStatus = Field(sa_type=enum_type(HearingStatus))
    in_absentia_order: bool = False

    child: "Child" = Relationship(
        back_populates="hearings", sa_relationship_kwargs={"lazy": "raise"}
    )
