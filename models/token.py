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
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
