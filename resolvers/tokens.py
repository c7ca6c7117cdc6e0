"""API tokens: created once and shown once; only their SHA-256 is stored."""

import hashlib
import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ApiToken
from models.enums import Role
from resolvers.errors import Duplicate
from resolvers.unit import Actor, Unit
from resolvers.validation import required_text

TOKEN_PREFIX = "ct_"  # noqa: S105 (a marker, not a secret)


def token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


async def create_api_token(unit: Unit, *, name: str, role: Role) -> tuple[str, Actor]:
    """A new token for `name` in `role`; returns the token (never stored) and its actor."""
    clean = required_text(name, "name")
    taken = await unit.session.exec(select(ApiToken.id).where(col(ApiToken.name) == clean))
    if taken.first() is not None:
        raise Duplicate(
            "A token with this name exists; names identify actors in the history.", ["name"]
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    unit.session.add(
        ApiToken(name=clean, role=role, token_hash=token_hash(token), created_at=unit.now())
    )
    try:
        await unit.session.flush()
    except IntegrityError as error:
        raise Duplicate("A token with this name exists.", ["name"]) from error
    return token, Actor(name=clean, role=role)


async def authenticate(session: AsyncSession, token: str) -> Actor | None:
    """The actor a bearer token stands for, or None when it is unknown."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    statement = select(ApiToken.name, ApiToken.role).where(
        col(ApiToken.token_hash) == token_hash(token)
    )
    row = (await session.exec(statement)).first()
    return Actor(name=row[0], role=Role(row[1])) if row is not None else None
