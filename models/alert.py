"""Alerts the system raises about a child's case."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Field, Relationship, SQLModel

from models.base import UTCDateTime, enum_type
from models.enums import AlertKind, AlertStatus

if TYPE_CHECKING:
    from models.child import Child


class Alert(SQLModel, table=True):
    __tablename__ = "alert"
    __table_args__ = (
        # At most one OPEN or ACKNOWLEDGED alert per child and kind.
        sa.Index(
            "uq_alert_active_per_child_kind",
            "child_id",
            "kind",
            unique=True,
            sqlite_where=sa.text("status <> 'RESOLVED'"),
            postgresql_where=sa.text("status <> 'RESOLVED'"),
        ),
        sa.Index("ix_alert_status_kind", "status", "kind"),
        sa.Index("ix_alert_raised", "raised_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    kind: AlertKind = Field(sa_type=enum_type(AlertKind))
    status: AlertStatus = Field(sa_type=enum_type(AlertStatus))
    raised_at: datetime = Field(sa_type=UTCDateTime)
    detail: str = Field(max_length=500)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Who resolved it by hand; None while active or when the system saw its condition clear.
    # A person's resolution stands while the condition holds: the system raises the kind
    # again only on a new cause (see resolvers/alert_rules.py).
    resolved_by: str | None = Field(default=None, max_length=100)
    # When the alert should have been acted on: raised_at plus its kind's response time
    # (resolvers/alert_rules.py). None for alerts raised before due times were kept, which
    # a work queue takes as due when raised.
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The officer (token name) working the alert; None: nobody yet.
    assigned_to: str | None = Field(default=None, max_length=100)

    child: "Child" = Relationship(back_populates="alerts", sa_relationship_kwargs={"lazy": "raise"})
