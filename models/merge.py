"""Two records found to be one child: the record merged away, and the record it went into."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class ChildMerge(SQLModel, table=True):
    """A second record of a child, merged into this child's: its records were moved here and
    its row removed. Its history stays as it was written, under its own id; this row is the
    link from the kept record to it (a child's history reads both)."""

    __tablename__ = "child_merge"
    __table_args__ = (
        sa.CheckConstraint("child_id <> merged_child_id", name="not_into_itself"),
        sa.CheckConstraint("length(merged_a_number) = 9", name="merged_a_number_nine_digits"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # The record kept. A later merge of this one moves the row on, so the last kept record
    # links every record merged into it, however many steps ago.
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    # No foreign key: that row is gone. Unique: a record is merged away once.
    merged_child_id: uuid.UUID = Field(unique=True)
    merged_a_number: str = Field(max_length=9)
    merged_at: datetime = Field(sa_type=UTCDateTime)
