"""API tokens: created once and shown once (only their SHA-256 is stored), checked on every
request, refused once expired or revoked, and listed with when each was last used."""

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import ApiToken, ApiTokenUse
from models.db import WRITE_OPTION, first_row
from models.enums import Role
from resolvers.errors import Duplicate, InvalidInput, InvalidTransition, NotFound
from resolvers.offices import existing_office
from resolvers.unit import Actor, Unit
from resolvers.validation import aware, required_text

TOKEN_PREFIX = "ct_"  # noqa: S105 (a marker, not a secret)
# A token's last use is written at most this often, so that a busy client's reads do not each
# become a write (on SQLite, each a turn at the one write lock).
USE_RECORDED_EVERY = timedelta(minutes=1)

log = logging.getLogger("casetrail")


@dataclass(frozen=True)
class TokenListing:
    """What may be shown of a token: never the token nor its hash."""

    name: str
    role: Role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    office: str | None = None


def token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


async def create_api_token(
    unit: Unit,
    *,
    name: str,
    role: Role,
    expires_at: datetime | None = None,
    office: str | None = None,
) -> tuple[str, Actor]:
    """A new token for `name` in `role`, valid until `expires_at` (None: until revoked), for
    someone working at field office `office` (OFFICER and SUPERVISOR only); returns the token
    (never stored) and its actor."""
    clean = required_text(name, "name")
    if expires_at is not None and aware(expires_at, "expiresAt") <= unit.now():
        raise InvalidInput("The expiry must be in the future.", ["expiresAt"])
    code = None
    if office is not None:
        if role not in (Role.OFFICER, Role.SUPERVISOR):
            raise InvalidInput("Only officers and supervisors work at a field office.", ["office"])
        code = await existing_office(unit.session, office)
    taken = await unit.session.exec(select(ApiToken.id).where(col(ApiToken.name) == clean))
    if taken.first() is not None:
        raise Duplicate(
            "A token with this name exists; names identify actors in the history.", ["name"]
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    unit.session.add(
        ApiToken(
            name=clean,
            role=role,
            token_hash=token_hash(token),
            created_at=unit.now(),
            expires_at=expires_at,
            office=code,
        )
    )
    try:
        await unit.session.flush()
    except IntegrityError as error:
        raise Duplicate("A token with this name exists.", ["name"]) from error
    return token, Actor(name=clean, role=role, office=code)


async def revoke_api_token(unit: Unit, *, name: str) -> ApiToken:
    """Refuse the token named `name` from now on. An update through the session, so the
    revocation is in the history with the unit's actor and reason."""
    clean = required_text(name, "name")
    found = await unit.session.exec(
        select(ApiToken).where(col(ApiToken.name) == clean).with_for_update()
    )
    token = found.first()
    if token is None:
        raise NotFound("No token has this name.", ["name"])
    if token.revoked_at is not None:
        raise InvalidTransition("This token is already revoked.", ["name"])
    token.revoked_at = unit.now()
    unit.session.add(token)
    await unit.session.flush()
    return token


async def list_api_tokens(session: AsyncSession) -> list[TokenListing]:
    """Every token, by name, with its role and when it was created, expires, was revoked and
    was last used."""
    rows = await session.exec(
        select(ApiToken, ApiTokenUse.last_used_at)
        .outerjoin(ApiTokenUse, col(ApiTokenUse.token_id) == ApiToken.id)
        .order_by(col(ApiToken.name))
    )
    return [
        TokenListing(
            name=token.name,
            role=token.role,
            created_at=token.created_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=last_used_at,
            office=token.office,
        )
        for token, last_used_at in rows
    ]


class _Validity(Protocol):
    @property
    def revoked_at(self) -> datetime | None: ...

    @property
    def expires_at(self) -> datetime | None: ...


def usable(token: _Validity, now: datetime) -> bool:
    """Whether a stored token still works at `now`: not revoked and not expired."""
    return token.revoked_at is None and (token.expires_at is None or now < token.expires_at)


async def authenticate(engine: AsyncEngine, token: str, *, now: datetime) -> Actor | None:
    """The actor a bearer token stands for, or None when it is unknown, expired or revoked:
    alike, so that a refusal does not tell whether the token ever existed. Notes the use.
    Every request runs this: on PostgreSQL give it an engine that commits each statement as it
    runs (`autocommitting`)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    presented = token_hash(token)
    found = await first_row(engine, _TOKEN_BY_HASH, {"presented": presented})
    if found is None:
        return None
    stored = _StoredToken(*found)
    # The decision itself takes the same time however much of the stored hash matches.
    if not hmac.compare_digest(stored.token_hash, presented):
        return None
    if not usable(stored, now):
        return None
    actor = Actor(name=stored.name, role=Role(stored.role), office=stored.office)
    if stored.last_used_at is None or now - stored.last_used_at >= USE_RECORDED_EVERY:
        await _record_use(engine, stored.id, now)
    return actor


class _StoredToken(NamedTuple):
    """A row of `_TOKEN_BY_HASH`."""

    id: uuid.UUID
    token_hash: str
    name: str
    role: str
    revoked_at: datetime | None
    expires_at: datetime | None
    office: str | None
    last_used_at: datetime | None


_TOKENS = ApiToken.__table__  # type: ignore[attr-defined]
_USES = ApiTokenUse.__table__  # type: ignore[attr-defined]
# Every request runs this, so it is built once, and reads columns rather than the ORM's
# entity: building a statement and an entity for each request cost more than the lookup.
_TOKEN_BY_HASH = (
    sa.select(
        _TOKENS.c.id,
        _TOKENS.c.token_hash,
        _TOKENS.c.name,
        _TOKENS.c.role,
        _TOKENS.c.revoked_at,
        _TOKENS.c.expires_at,
        _TOKENS.c.office,
        _USES.c.last_used_at,
    )
    .outerjoin(_USES, _USES.c.token_id == _TOKENS.c.id)
    .where(_TOKENS.c.token_hash == sa.bindparam("presented"))  # the unique index finds the row
)


async def _record_use(engine: AsyncEngine, token_id: uuid.UUID, now: datetime) -> None:
    """Write when the token was last used. Bookkeeping must never cost the request: a failure
    is logged by its type alone (a message may quote data) and the caller carries on."""
    try:
        # A writer's own connection: on SQLite it takes the write lock up front.
        async with engine.connect() as connection:
            writer = await connection.execution_options(**{WRITE_OPTION: True})
            await writer.execute(_upsert_use(writer.dialect.name, token_id, now))
            await writer.commit()
    except Exception as error:  # any failure (see above)
        log.error("token use not recorded: %s", type(error).__name__)


def _upsert_use(dialect_name: str, token_id: uuid.UUID, now: datetime) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = ApiTokenUse.__table__  # type: ignore[attr-defined]
    statement = dialect.insert(table).values(token_id=token_id, last_used_at=now)
    return statement.on_conflict_do_update(
        index_elements=["token_id"],
        set_={"last_used_at": statement.excluded.last_used_at},
        # Of two requests that race, the later time stands.
        where=table.c.last_used_at < statement.excluded.last_used_at,
    )
