"""The Containerfile stays true to the code: its command is a `casetrail serve` that runs as
written, the port it exposes is the one served, its health check asks a route the app serves,
and it does not run as root. No image is built: each check reads the file and asks the code."""

import json
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from starlette.routing import Route
from typer.testing import CliRunner

from server import cli
from server.app import create_app
from server.settings import Settings
from server.shutdown import GracefulServer

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "Containerfile"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
EVERY_ADDRESS = {"0.0.0.0", "::"}  # noqa: S104  (what a container must listen on)


def final_stage(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the last build stage, the one the image runs: lines
    continued by a backslash joined, comments (and parser directives) left out."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        pending = ""
        instructions.append((keyword.upper(), arguments.strip()))
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert starts, "the Containerfile has no FROM"
    return instructions[starts[-1] :]


def last(instruction: str) -> str:
    """The arguments of the stage's last such instruction (the one in force)."""
    found = [
        arguments
        for keyword, arguments in final_stage(CONTAINERFILE.read_text())
        if keyword == instruction
    ]
    assert found, f"the image's stage has no {instruction}"
    return found[-1]


def exec_form(arguments: str) -> list[str]:
    """A JSON array of strings (exec form): no shell parses it, and the runtime's SIGTERM
    goes to the server itself."""
    command = json.loads(arguments)
    assert isinstance(command, list), arguments
    assert all(isinstance(word, str) for word in command), arguments
    return command


@pytest.fixture
def served(database_url: str, monkeypatch: pytest.MonkeyPatch) -> uvicorn.Config:
    """What uvicorn is told to serve when the image's CMD runs (on a migrated database, with
    the server's run replaced by a recorder of its configuration)."""
    # given the image's command
    command = exec_form(last("CMD"))
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert command[0] == "casetrail", command
    assert scripts["casetrail"] == "server.cli:app"
    # The image serves the configured database; --demo would write a file of synthetic records.
    assert "--demo" not in command
    ran: list[uvicorn.Config] = []
    monkeypatch.setenv("CASETRAIL_DATABASE_URL", database_url)
    monkeypatch.setattr(GracefulServer, "run", lambda server, **_: ran.append(server.config))

    # when it runs
    result = CliRunner().invoke(cli.app, command[1:])

    # then it is a command the CLI takes, and it serves
    assert result.exit_code == 0, result.output
    assert len(ran) == 1, "the command did not start the server"
    return ran[0]


def test_the_command_serves_on_every_address(
    served: uvicorn.Config,
) -> None:
    # A container is reached through its network interface, never its loopback alone.
    assert served.host in EVERY_ADDRESS


def test_the_exposed_port_is_the_served_port(served: uvicorn.Config) -> None:
    exposed = {int(port.split("/")[0]) for port in last("EXPOSE").split()}

    assert exposed == {served.port}


def test_the_health_check_asks_readyz_of_the_served_port(served: uvicorn.Config) -> None:
    # given the health check's program: Python, as the slim image has no curl
    arguments = last("HEALTHCHECK")
    _, _, check = arguments.partition(" CMD ")
    program, flag, code = exec_form(check)
    assert (program, flag) == ("python", "-c")
    compile(code, "<healthcheck>", "exec")
    found = re.search(r"https?://[^'\"\s]+", code)
    assert found, "the health check names no URL"
    url = urlsplit(found.group())

    # when the app's routes are listed (it connects to its database only on first use)
    app = create_app(Settings(database_url="sqlite+aiosqlite://"))
    gets = {
        route.path
        for route in app.routes
        if isinstance(route, Route) and "GET" in (route.methods or ())
    }

    # then the check asks this container's own server for a page the app serves
    assert url.scheme == "http"
    assert url.hostname in LOOPBACK
    assert url.port == served.port
    assert url.path in gets
    # Readiness, not liveness: /readyz also fails while the database is at another revision
    # than the code needs, and from SIGTERM on.
    assert url.path == "/readyz"


def test_the_image_does_not_run_as_root() -> None:
    user = last("USER").split(":")[0]

    assert user not in {"", "root"}
    assert not (user.isdigit() and int(user) == 0)
