"""What every resolver of a request can reach: the caller, the database, the clock."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.types import Info as StrawberryInfo

from resolvers.unit import Actor, Clock


@dataclass
class Context:
    actor: Actor
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    request_id: str
    extra: dict[str, object] = field(default_factory=dict)


Info = StrawberryInfo[Context, None]
