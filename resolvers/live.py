"""Alerts announced as they are raised, to every subscriber in every server process.

An alert is announced once the transaction that raised it has committed, never before and never
for a transaction that rolled back. On PostgreSQL the announcement is a NOTIFY sent in that
transaction (which PostgreSQL delivers on commit, to every process listening, this one
included); on SQLite, which one process serves, it goes straight to this process's broker.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from models.enums import AlertKind

CHANNEL = "casetrail_alerts"
# Session info keys: the alerts a transaction raised, and where to announce them without
# PostgreSQL (a writing session's factory carries the broker's `publish`).
RAISED_KEY = "alerts_raised"
PUBLISH_KEY = "alert_publisher"
_NOTIFY = text("SELECT pg_notify(:channel, payload) FROM unnest(CAST(:payloads AS text[])) payload")
_NOTIFY_BATCH = 10_000
# A subscriber that falls this far behind loses the oldest announcements, not the server.
_QUEUE_LIMIT = 1000

Raised = tuple[uuid.UUID, AlertKind]


def note_raised(session: Session, alert_id: uuid.UUID, kind: AlertKind) -> None:
    """Remember an alert this transaction raises, to announce it once it commits."""
    session.info.setdefault(RAISED_KEY, []).append((alert_id, kind))


def encode(raised: Raised) -> str:
    return f"{raised[1].value}:{raised[0]}"


def decode(payload: str) -> Raised | None:
    kind, _, key = payload.partition(":")
    try:
        return uuid.UUID(key), AlertKind(kind)
    except ValueError:
        return None


@event.listens_for(Session, "before_commit")
def _notify(session: Session) -> None:
    raised: list[Raised] | None = session.info.get(RAISED_KEY)
    if raised and session.get_bind().dialect.name == "postgresql":
        connection = session.connection()
        payloads = [encode(one) for one in raised]
        for start in range(0, len(payloads), _NOTIFY_BATCH):  # one statement per batch
            connection.execute(
                _NOTIFY, {"channel": CHANNEL, "payloads": payloads[start : start + _NOTIFY_BATCH]}
            )


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    raised: list[Raised] | None = session.info.pop(RAISED_KEY, None)
    publish: Callable[[Iterable[Raised]], None] | None = session.info.get(PUBLISH_KEY)
    if raised and publish is not None and session.get_bind().dialect.name != "postgresql":
        publish(raised)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(RAISED_KEY, None)


@dataclass(eq=False)
class _Subscriber:
    kinds: frozenset[AlertKind] | None
    queue: asyncio.Queue[uuid.UUID]


class AlertBroker:
    """This process's subscribers, each with the kinds it asked for."""

    def __init__(self) -> None:
        self._subscribers: set[_Subscriber] = set()

    def publish(self, raised: Iterable[Raised]) -> None:
        for alert_id, kind in raised:
            for subscriber in self._subscribers:
                if subscriber.kinds is None or kind in subscriber.kinds:
                    if subscriber.queue.full():
                        subscriber.queue.get_nowait()
                    subscriber.queue.put_nowait(alert_id)

    @asynccontextmanager
    async def subscription(
        self, kinds: Collection[AlertKind] | None
    ) -> AsyncIterator[asyncio.Queue[uuid.UUID]]:
        subscriber = _Subscriber(
            frozenset(kinds) if kinds else None, asyncio.Queue(maxsize=_QUEUE_LIMIT)
        )
        self._subscribers.add(subscriber)
        try:
            yield subscriber.queue
        finally:
            self._subscribers.discard(subscriber)
