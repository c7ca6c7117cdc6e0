"""The answers of mutations sent with an Idempotency-Key, so that a retry gets the first answer
instead of writing again."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime

# The longest key a client may send (as Stripe and the IETF draft allow: a UUID is 36).
MAX_KEY_LENGTH = 255


class IdempotencyKey(SQLModel, table=True):
    """One key of one caller. Inserted in the transaction of the mutation it was sent with, so
    it exists exactly when that mutation's writes committed; its answer is filled in as soon as
    the answer is written. Bookkeeping of requests, not a record of a case, so not audited; an
    answer may quote a record, so rows are kept only as long as a retry is expected (see
    `resolvers.idempotency`)."""

    __tablename__ = "idempotency_key"

    actor_name: str = Field(max_length=100, primary_key=True)
    key: str = Field(max_length=MAX_KEY_LENGTH, primary_key=True)
    # SHA-256 of the request (document, operation name, variables): a key sent again with
    # another request is refused, not answered with the first request's answer.
    fingerprint: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # The first answer, once it is written: HTTP status, media type and body.
    status: int | None = None
    media_type: str | None = Field(default=None, max_length=100)
    body: str | None = Field(default=None, sa_type=sa.Text)
