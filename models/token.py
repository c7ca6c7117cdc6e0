"""API tokens: who may call the API, in which role. Only a hash of each token is stored."""

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_type
from models.enums import Role


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    role: Role = Field(sa_type=enum_type(Role))
    # Unique, so the lookup of every request by its token's hash is an index probe.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # None: never
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The field office an officer works at (its code); None for roles and people without one.
    office: str | None = Field(default=None, max_length=10)


class ApiTokenUse(SQLModel, table=True):
    """When a token last authenticated, to the minute. Kept apart from `api_token` because that
    table is audited: a write on every use would flood the history, and a write around it
    would read as drift. Bookkeeping of access, not a record, so not audited."""

    __tablename__ = "api_token_use"

    # A token's use goes with the token, should one ever be deleted.
    token_id: uuid.UUID = Field(foreign_key="api_token.id", primary_key=True, ondelete="CASCADE")
    last_used_at: datetime = Field(sa_type=UTCDateTime)
