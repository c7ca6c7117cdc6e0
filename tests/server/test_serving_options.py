"""What `casetrail serve` runs on: uvloop and httptools, a grace for requests under way at
shutdown, and a database pool sized for the machine's cores."""

import sys

import pytest
import uvicorn
from sqlalchemy.pool import QueuePool
from typer.testing import CliRunner

from server import cli
from server.app import create_app
from server.settings import Settings, machine_pool_size
from server.shutdown import REQUESTS_GRACE_SECONDS, GracefulServer

POSTGRES_URL = "postgresql+asyncpg://nobody@127.0.0.1:1/none"


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop has no Windows build")
def test_the_event_loop_is_uvloop_with_httptools() -> None:
    assert cli.event_loop() == ("uvloop", "httptools")


def test_serve_hands_uvicorn_its_event_loop(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a migrated database, and the server's run replaced by a recorder of its config
    ran: list[uvicorn.Config] = []
    monkeypatch.setenv("CASETRAIL_DATABASE_URL", database_url)
    monkeypatch.setattr(GracefulServer, "run", lambda server, **_: ran.append(server.config))

    # when
    result = CliRunner().invoke(cli.app, ["serve", "--port", "8123"])

    # then
    assert result.exit_code == 0, result.output
    assert len(ran) == 1
    assert (ran[0].loop, ran[0].http) == cli.event_loop()
    assert ran[0].port == 8123
    assert ran[0].timeout_graceful_shutdown == REQUESTS_GRACE_SECONDS


def test_the_pool_is_sized_for_the_cores_and_opens_none_past_its_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a process allowed two of the host's sixteen cores
    monkeypatch.setattr("os.cpu_count", lambda: 16)
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {3, 11})

    # then
    assert machine_pool_size() == 5
    settings = Settings(database_url=POSTGRES_URL)
    assert settings.pool_options() == {"pool_size": 5, "max_overflow": 0}


def test_the_server_engine_takes_the_configured_pool() -> None:
    # given
    settings = Settings(database_url=POSTGRES_URL, database_pool_size=3, database_pool_overflow=1)

    # when the app is made (it connects on first use only)
    app = create_app(settings)

    # then
    pool = app.state.engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow) == (3, 1)


def test_sqlite_takes_no_pool_sizes() -> None:
    assert Settings(database_url="sqlite:///./casetrail.db").pool_options() == {}
