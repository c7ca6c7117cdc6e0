"""Alerts announced as they are raised, to every subscriber in every server process.

An alert is announced once the transaction that raised it has committed, never before and never
for a transaction that rolled back. On PostgreSQL the announcement is a NOTIFY sent in that
transaction (which PostgreSQL delivers on commit, to every process listening, this one
included); on SQLite, which one process serves, it goes straight to this process's broker.
"""

import asyncio
import contextlib
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
    # Alert IDs as announced; None once the broker closes.
    queue: asyncio.Queue[uuid.UUID | None]


class AlertBroker:
    """This process's subscribers, each with the kinds it asked for."""

    def __init__(self) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._closed = False
        self._none_left = asyncio.Event()
        self._none_left.set()

    def publish(self, raised: Iterable[Raised]) -> None:
        for alert_id, kind in raised:
            for subscriber in self._subscribers:
                if subscriber.kinds is None or kind in subscriber.kinds:
                    _offer(subscriber.queue, alert_id)

    @asynccontextmanager
    async def subscription(
        self, kinds: Collection[AlertKind] | None
    ) -> AsyncIterator[AsyncIterator[uuid.UUID]]:
        """The IDs of the alerts announced while the block runs (of these kinds, when given),
        which end when the broker closes."""
        subscriber = _Subscriber(
            frozenset(kinds) if kinds else None, asyncio.Queue(maxsize=_QUEUE_LIMIT)
        )
        if self._closed:
            subscriber.queue.put_nowait(None)
        self._subscribers.add(subscriber)
        self._none_left.clear()
        try:
            yield _announced(subscriber.queue)
        finally:
            self._subscribers.discard(subscriber)
            if not self._subscribers:
                self._none_left.set()

    async def close(self, wait_seconds: float) -> None:
        """End every subscription (each subscriber is told so by its protocol's message) and
        wait, up to `wait_seconds`, until all have ended: the server is shutting down."""
        self._closed = True
        for subscriber in self._subscribers:
            _offer(subscriber.queue, None)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._none_left.wait(), wait_seconds)


def _offer(queue: asyncio.Queue[uuid.UUID | None], item: uuid.UUID | None) -> None:
    """A subscriber that falls behind loses its oldest announcement, never the newest."""
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(item)


async def _announced(queue: asyncio.Queue[uuid.UUID | None]) -> AsyncIterator[uuid.UUID]:
    while (alert_id := await queue.get()) is not None:
        yield alert_id
