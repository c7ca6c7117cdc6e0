"""Notices to Appear: the charging document that opens a case in immigration court."""

import uuid
from datetime import date

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_type
from models.enums import NoticeStatus, ServiceMethod


class Notice(SQLModel, table=True):
    __tablename__ = "notice"
    __table_args__ = (
        sa.CheckConstraint(
            "served_on IS NULL OR served_on >= issued_on", name="served_after_issue"
        ),
        sa.CheckConstraint("filed_on IS NULL OR filed_on >= issued_on", name="filed_after_issue"),
        sa.CheckConstraint(
            "(served_on IS NULL) = (service_method IS NULL)", name="service_method_with_date"
        ),
        # Behind the children filter's noticeServed.
        sa.Index("ix_notice_status_child", "status", "child_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    child_id: uuid.UUID = Field(foreign_key="child.id", index=True)
    status: NoticeStatus = Field(sa_type=enum_type(NoticeStatus))
    issued_on: date
    served_on: date | None = None
    service_method: ServiceMethod | None = Field(default=None, sa_type=enum_type(ServiceMethod))
    filed_on: date | None = None
    court: str = Field(max_length=20)
