"""Idempotency keys: a mutation sent again with the key it was first sent with gets the first
answer and writes nothing.

A key is claimed by a row inserted in the mutation's own transaction, so the row exists exactly
when the mutation's writes committed: a mutation that fails, or a process that dies before its
commit, leaves no claim, and the retry runs as if for the first time. Two requests with one key
at once (in one process or several) cannot both claim it: the unique key makes the second wait
for the first's transaction and then fail, and the second answers with the first's answer. The
answer is kept as soon as it is written, in a statement of its own after the commit.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models import IdempotencyKey
from models.idempotency import MAX_KEY_LENGTH

# How long a key and its answer are kept: a client retries within minutes; a day covers a
# retry after an outage overnight, and the answer (which may quote a record) is gone after.
KEPT_FOR = timedelta(hours=24)

_KEYS = IdempotencyKey.__table__  # type: ignore[attr-defined]


def valid_key(key: str) -> bool:
    """1 to 255 visible ASCII characters, as a UUID or any token a client makes up."""
    return 0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable() and " " not in key


def fingerprint(query: str, operation_name: str | None, variables: dict[str, Any]) -> str:
    """SHA-256 of the request as sent: its document, operation name and variables (their keys
    in sorted order, so the same variables in another order are the same request)."""
    request = orjson.dumps(
        [query, operation_name, variables], option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
    )
    return hashlib.sha256(request).hexdigest()


@dataclass
class Claim:
    """A request's key: set `committed` once its mutation committed with the claim, or
    `taken` when another request claimed the key first."""

    actor_name: str
    key: str
    fingerprint: str
    committed: bool = False
    taken: bool = False


class KeyTaken(Exception):
    """Another request holds this key: its answer is the answer."""


@dataclass(frozen=True)
class Kept:
    """A key already claimed: the request it was claimed for, and its answer once written."""

    fingerprint: str
    status: int | None
    media_type: str | None
    body: str | None


async def claim(session: AsyncSession, claim: Claim, *, now: datetime) -> None:
    """Claim the key in the session's transaction (the mutation's), first deleting every key
    past its time. Raises KeyTaken when another request has claimed it; the caller's
    transaction must then roll back."""
    connection = await session.connection()
    await connection.execute(sa.delete(_KEYS).where(_KEYS.c.created_at < now - KEPT_FOR))
    try:
        await connection.execute(
            sa.insert(_KEYS).values(
                actor_name=claim.actor_name,
                key=claim.key,
                fingerprint=claim.fingerprint,
                created_at=now,
            )
        )
    except IntegrityError:
        claim.taken = True
        raise KeyTaken from None


async def kept(
    sessions: async_sessionmaker[AsyncSession], actor_name: str, key: str, *, now: datetime
) -> Kept | None:
    """The caller's key, when it was claimed and is not past its time."""
    async with sessions() as session:
        connection = await session.connection()
        row = (
            await connection.execute(
                sa.select(_KEYS.c.fingerprint, _KEYS.c.status, _KEYS.c.media_type, _KEYS.c.body)
                .where(_KEYS.c.actor_name == actor_name, _KEYS.c.key == key)
                .where(_KEYS.c.created_at >= now - KEPT_FOR)
            )
        ).first()
    return Kept(*row) if row is not None else None


async def keep_answer(
    sessions: async_sessionmaker[AsyncSession],
    claim: Claim,
    *,
    status: int,
    media_type: str,
    body: str,
) -> None:
    """Keep the answer of the request that claimed the key."""
    async with sessions() as session, session.begin():
        connection = await session.connection()
        await connection.execute(
            sa.update(_KEYS)
            .where(_KEYS.c.actor_name == claim.actor_name, _KEYS.c.key == claim.key)
            .values(status=status, media_type=media_type, body=body)
        )
