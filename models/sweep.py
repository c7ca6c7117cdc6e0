"""Where the last alert sweep left off, so that the next one need only look at what changed."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime


class SweepMark(SQLModel, table=True):
    """One row: the clock time of the last sweep, the last history event it had seen and the
    thresholds it applied. Bookkeeping of the sweep, not a record of a case, so not audited:
    losing it costs one full sweep, never an alert."""

    __tablename__ = "sweep_mark"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    swept_at: datetime = Field(sa_type=UTCDateTime)
    through_sequence: int = Field(sa_type=sa.BigInteger)
    thresholds: str = Field(max_length=500)
