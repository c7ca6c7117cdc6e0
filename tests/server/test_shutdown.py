"""SIGTERM: the server says it is not ready and drains for the time it was given, stops taking
connections, tells each subscriber its subscription ends
(graphql-transport-ws `complete`), lets a request under way finish and answer, stops its alert
sweep between sweeps, and exits cleanly."""

import asyncio
import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import websockets
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from audit.verify import verify_database
from models import Child
from models.base import utc_now
from models.db import session_factory
from models.enums import Role
from schema.ids import decode
from server import app as app_module
from tests.api.test_live_alerts import subscribe
from tests.conftest import Api, Clock
from tests.factories import CONTACT_ATTEMPT, released_child
from tests.processes import serving

EXIT_WITHIN_SECONDS = 30
NO_SESSIONS = cast(Any, None)  # the sweeps below are stand-ins that use none
HELD_SECONDS = 1.0  # how long the request under way is held up by the test's lock
SQLITE_REACH_SECONDS = 2.0


async def reached_the_lock(engine: AsyncEngine) -> None:
    """Once the server's change waits for the test's lock: PostgreSQL shows it waiting; SQLite
    (whose writers wait in a busy loop no one can see) is given a while."""
    if engine.dialect.name != "postgresql":
        await asyncio.sleep(SQLITE_REACH_SECONDS)
        return
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    for _ in range(200):
        async with engine.connect() as connection:
            if (await connection.execute(waiting)).scalar_one():
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the change never reached the lock")


async def test_sigterm_ends_subscriptions_finishes_requests_and_exits_cleanly(
    api: Api, clock: Clock, database_url: str, engine: AsyncEngine, tmp_path: Path
) -> None:
    # given a server sweeping often, a subscriber, and a child to change
    token = api.tokens[Role.OFFICER]
    child = (await released_child(api, clock))["id"]
    key = decode(child, "Child", "id")
    contact = {
        "childId": child,
        "attemptedAt": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "method": "PHONE",
        "outcome": "NO_RESPONSE",
    }
    with serving(database_url, 1, tmp_path, sweep_interval_seconds="0.2") as servers:
        server = servers.processes[0]
        subscriber = await subscribe(servers[0], token, None)
        async with httpx.AsyncClient(
            base_url=servers[0], headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            # and a change under way, held up by a lock on the child
            async with session_factory(engine, writer=True)() as session, session.begin():
                await session.exec(select(Child).where(col(Child.id) == key).with_for_update())
                change = asyncio.create_task(
                    client.post(
                        "/graphql", json={"query": CONTACT_ATTEMPT, "variables": {"input": contact}}
                    )
                )
                await reached_the_lock(engine)

                # when the server is asked to stop
                server.send_signal(signal.SIGTERM)

                # then the subscriber is told its subscription is complete, and disconnected
                ending = json.loads(await asyncio.wait_for(subscriber.recv(), 10))
                while ending["type"] == "next":  # an alert the sweep raised meanwhile
                    ending = json.loads(await asyncio.wait_for(subscriber.recv(), 10))
                assert ending == {"type": "complete", "id": "1"}
                with pytest.raises(websockets.ConnectionClosed):
                    await asyncio.wait_for(subscriber.recv(), 10)
                # and it takes no new connection
                with pytest.raises(httpx.TransportError):
                    await httpx.AsyncClient(base_url=servers[0]).get("/healthz")
                await asyncio.sleep(HELD_SECONDS)
            # the change under way finishes and is answered
            response = await asyncio.wait_for(change, 30)
        assert response.status_code == 200
        payload = response.json()["data"]["recordContactAttempt"]
        assert payload["userErrors"] == []
        # and the server exits, once done, as a process stopped by SIGTERM does (uvicorn
        # raises the signal again after its shutdown, so the status tells what stopped it)
        code = await asyncio.to_thread(server.wait, EXIT_WITHIN_SECONDS)
        assert code == -signal.SIGTERM
    record = await api.data(
        "query($id: ID!) { child(id: $id) { contactAttempts { id } } }", {"id": child}
    )
    assert [c["id"] for c in record["child"]["contactAttempts"]] == [
        payload["contactAttempt"]["id"]
    ]
    assert (await verify_database(engine)).valid


async def test_the_sweep_stops_between_sweeps_and_lets_the_one_under_way_commit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a sweep loop whose sweeps take a while
    began, started, finished = asyncio.Event(), [], []

    async def slow_sweep(*_args: object) -> None:
        started.append(1)
        began.set()
        await asyncio.sleep(0.3)
        finished.append(1)

    monkeypatch.setattr(app_module, "sweep_now", slow_sweep)
    stopping = asyncio.Event()
    sweeping = asyncio.create_task(app_module.sweep_every(0.01, NO_SESSIONS, utc_now, stopping))
    await asyncio.wait_for(began.wait(), 5)

    # when it is stopped in the middle of a sweep
    await app_module.stop_sweeping(sweeping, stopping)

    # then that sweep finished, and no other began
    assert started == finished == [1]
    assert sweeping.done()
    assert not sweeping.cancelled()


async def test_a_sweep_past_the_grace_is_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a sweep that would outlast the grace
    began, finished = asyncio.Event(), []

    async def endless_sweep(*_args: object) -> None:
        began.set()
        await asyncio.sleep(60)
        finished.append(1)

    monkeypatch.setattr(app_module, "sweep_now", endless_sweep)
    monkeypatch.setattr(app_module, "SWEEP_GRACE_SECONDS", 0.2)
    stopping = asyncio.Event()
    sweeping = asyncio.create_task(app_module.sweep_every(0.01, NO_SESSIONS, utc_now, stopping))
    await asyncio.wait_for(began.wait(), 5)

    # when
    await asyncio.wait_for(app_module.stop_sweeping(sweeping, stopping), 5)

    # then it was cancelled (its transaction rolls back whole)
    assert finished == []
    assert sweeping.cancelled()


DRAIN_SECONDS = 4.0


async def test_while_draining_it_answers_but_is_not_ready_and_then_refuses_connections(
    database_url: str, tmp_path: Path
) -> None:
    # given a server that drains for a while before it stops taking connections
    with serving(database_url, 1, tmp_path, shutdown_drain_seconds=str(DRAIN_SECONDS)) as servers:
        server = servers.processes[0]
        async with httpx.AsyncClient(base_url=servers[0], timeout=10) as client:
            assert (await client.get("/readyz")).status_code == 200

            # when it is asked to stop
            signalled = asyncio.get_running_loop().time()
            server.send_signal(signal.SIGTERM)
            ready = await client.get("/readyz")
            while ready.status_code == 200 and asyncio.get_running_loop().time() < signalled + 2:
                await asyncio.sleep(0.05)
                ready = await client.get("/readyz")

        # then it says it is shutting down, and still answers a client that connects anew
        assert ready.status_code == 503
        assert ready.json()["reason"] == "the server is shutting down"
        async with httpx.AsyncClient(base_url=servers[0], timeout=10) as newcomer:
            assert (await newcomer.get("/healthz")).status_code == 200
        assert asyncio.get_running_loop().time() < signalled + DRAIN_SECONDS
        # and once the drain is over it takes no new connection and exits as SIGTERM says
        code = await asyncio.to_thread(server.wait, EXIT_WITHIN_SECONDS)
        assert code == -signal.SIGTERM
        assert asyncio.get_running_loop().time() >= signalled + DRAIN_SECONDS - 0.5
        with pytest.raises(httpx.TransportError):
            await httpx.AsyncClient(base_url=servers[0]).get("/healthz")
