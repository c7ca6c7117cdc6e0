"""What every resolver of a request can reach: the caller, the database, the clock."""

import uuid
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from resolvers.duplicates import PossibleDuplicate
from resolvers.idempotency import Claim
from resolvers.live import AlertBroker
from resolvers.unit import Actor, Clock


@dataclass
class Context:
    actor: Actor
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    request_id: str
    engine: AsyncEngine
    # The key checkpoints must be signed with; None where none is configured.
    audit_public_key: Ed25519PublicKey | None = None
    # Children whose records this request read: written to the access log when it ends,
    # but for those whose entries were written with the read itself.
    children_read: set[uuid.UUID] = field(default_factory=set)
    children_logged: set[uuid.UUID] = field(default_factory=set)
    # This process's live alerts; None where none are served.
    live: AlertBroker | None = None
    # Whether an operation the compiled read path covers is answered by it.
    compiled_reads: bool = False
    # Set when the compiled read path answered this request.
    compiled_answer: bool = False
    # The operation and plan it answered by (a schema.compiled.Prepared), for the server to
    # answer the same document again without Strawberry.
    compiled_prepared: object | None = None
    # A WebSocket's connection_init payload (graphql-transport-ws), which may carry the token.
    connection_params: dict[str, object] | None = None
    # The Idempotency-Key the request's mutation claims in its transaction; None without one.
    idempotency: Claim | None = None
    # Finds the possible duplicates of every child the request asks them of, in one go.
    duplicates: DataLoader[uuid.UUID, list[PossibleDuplicate]] | None = None


Info = StrawberryInfo[Context, None]
