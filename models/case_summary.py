"""What the oversight report counts about each child's case, kept beside the records it is
read from so that the report reads one narrow row a child instead of five tables."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class CaseSummary(SQLModel, table=True):
    """One row a child whose case has changed since intake (none: every flag false). Derived
    from the child's records in the transaction that changes them (resolvers/case_summary.py),
    so not audited: it can be rebuilt from the audited records at any time and is checked
    against them by `casetrail report --check`."""

    __tablename__ = "case_summary"

    child_id: uuid.UUID = Field(foreign_key="child.id", primary_key=True)
    released: bool  # has a RELEASED_TO_SPONSOR custody event
    transferred: bool  # has a TRANSFERRED_TO_HHS custody event
    notice_served: bool  # has a notice SERVED or FILED
    heard: bool  # has a hearing, of any status
    failed_to_appear: bool  # has a hearing with status FAILED_TO_APPEAR
    in_absentia: bool  # has a hearing with an in absentia order
    appeared: bool  # has a hearing with status APPEARED
    represented: bool  # has counsel not withdrawn
    location_unknown: bool  # locationStatus is UNKNOWN
    # The first and the last RELEASED_TO_SPONSOR custody event: a child with one of them in a
    # window is found from these alone, the custody events read only for a child with a first
    # before the window and a last after it.
    first_released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
