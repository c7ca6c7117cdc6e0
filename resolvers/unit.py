"""The unit of work: one transaction per mutation, with who did it, why and when."""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

import audit  # noqa: F401  (every write through a unit is captured in the history)
from models.base import utc_now
from models.enums import Role

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Actor:
    """Who is calling: the token's name (the actor's name in the history), its role, and the
    field office it works at (None: no office)."""

    name: str
    role: Role
    office: str | None = None


@dataclass
class Unit:
    """What every write needs: the session of its single transaction, the actor, the action
    (mutation or command name), the request ID, the reason given, and the clock."""

    session: AsyncSession
    actor: Actor
    action: str
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    reason: str | None = None
    clock: Clock = utc_now

    def now(self) -> datetime:
        return self.clock()


@asynccontextmanager
async def open_unit(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    action: str,
    *,
    request_id: str | None = None,
    reason: str | None = None,
    clock: Clock = utc_now,
) -> AsyncIterator[Unit]:
    """A unit whose transaction commits once when the block ends, or rolls back on any error."""
    async with sessions() as session, session.begin():
        session.info["actor"] = actor
        session.info["action"] = action
        unit = Unit(
            session=session,
            actor=actor,
            action=action,
            request_id=request_id or uuid.uuid4().hex,
            reason=reason,
            clock=clock,
        )
        session.info["unit"] = unit
        yield unit
