"""The `casetrail` command line, run as an operator runs it: in its own process, against a
SQLite file named by CASETRAIL_DATABASE_URL."""

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import migrations
from models.db import create_engine
from server.app import create_app
from server.settings import Settings

SCRIPT = Path(sys.executable).with_name("casetrail")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "server.cli"]
TIMEOUT_SECONDS = 60


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """Where the database file goes; the CLI creates it."""
    return tmp_path / "cli.db"


def casetrail(
    database: Path, *args: str, timeout: float = TIMEOUT_SECONDS
) -> subprocess.CompletedProcess[str]:
    """Run `casetrail ARGS` in a clean directory, with only this database configured."""
    url = f"sqlite+aiosqlite:///{database}"
    return casetrail_on(url, database.parent, *args, timeout=timeout)


def casetrail_on(
    database_url: str,
    directory: Path,
    *args: str,
    timeout: float = TIMEOUT_SECONDS,
    settings: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `casetrail ARGS` in `directory`, with only the database at this URL configured
    (and any other `settings`, by variable)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    environment |= {"CASETRAIL_DATABASE_URL": database_url, "COLUMNS": "200", "NO_COLOR": "1"}
    environment |= settings or {}
    return subprocess.run(
        [*COMMAND, *args],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def stored_revision(database: Path) -> str | None:
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_db_upgrade_migrates_to_head_and_then_says_it_is_already_there(database: Path) -> None:
    # when
    first = casetrail(database, "db", "upgrade")
    second = casetrail(database, "db", "upgrade")

    # then
    head = migrations.head_revision()
    assert head is not None
    assert first.returncode == 0, first.stderr
    assert stored_revision(database) == head
    assert "already" not in (first.stdout + first.stderr).lower()
    assert second.returncode == 0, second.stderr
    output = second.stdout + second.stderr
    assert "already at" in output.lower()
    assert head in output
    assert stored_revision(database) == head


async def test_token_create_prints_the_token_alone_on_its_last_line(database: Path) -> None:
    # given
    assert casetrail(database, "db", "upgrade").returncode == 0

    # when
    result = casetrail(database, "token", "create", "--name", "x", "--role", "OFFICER")

    # then the last line of stdout is the token, and it authenticates as x, an OFFICER
    assert result.returncode == 0, result.stderr
    last_line = result.stdout.splitlines()[-1]
    token = last_line.strip()
    assert token == last_line
    assert token
    assert len(token.split()) == 1
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        app = create_app(Settings(database_url="sqlite+aiosqlite://"), engine=engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://casetrail.test"
        ) as client:
            response = await client.post(
                "/graphql",
                json={"query": "{ me { name role } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
    finally:
        await engine.dispose()
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"me": {"name": "x", "role": "OFFICER"}}}


def test_token_create_keeps_the_token_out_of_the_database(database: Path) -> None:
    # given
    assert casetrail(database, "db", "upgrade").returncode == 0

    # when
    result = casetrail(database, "token", "create", "--name", "x", "--role", "ADMIN")

    # then
    token = result.stdout.splitlines()[-1]
    assert len(token) >= 32
    assert token.encode() not in database.read_bytes()
    for suffix in ("-wal", "-shm"):
        journal = database.with_name(database.name + suffix)
        assert not journal.exists() or token.encode() not in journal.read_bytes()


def test_token_create_refuses_a_name_already_taken(database: Path) -> None:
    # given
    assert casetrail(database, "db", "upgrade").returncode == 0
    assert (
        casetrail(database, "token", "create", "--name", "x", "--role", "OFFICER").returncode == 0
    )

    # when
    again = casetrail(database, "token", "create", "--name", "x", "--role", "ADMIN")

    # then
    assert again.returncode != 0
    assert again.stdout.strip() == ""
    assert "name" in again.stderr.lower()


def test_token_create_refuses_an_unknown_role(database: Path) -> None:
    # given
    assert casetrail(database, "db", "upgrade").returncode == 0

    # when
    result = casetrail(database, "token", "create", "--name", "x", "--role", "JANITOR")

    # then
    assert result.returncode != 0
    assert result.stdout.strip() == ""


def test_serve_refuses_a_database_never_upgraded(database: Path) -> None:
    # when (a server that starts anyway would run until the timeout and fail the test)
    result = casetrail(database, "serve", "--port", str(free_port()), timeout=30)

    # then
    assert result.returncode != 0
    assert "casetrail db upgrade" in " ".join((result.stdout + result.stderr).split())
