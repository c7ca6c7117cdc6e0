"""Server processes for tests that need the real thing: `casetrail serve` on loopback."""

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.server.test_cli import COMMAND, free_port

START_SECONDS = 60


@contextmanager
def serving(database_url: str, count: int, directory: Path, **settings: str) -> Iterator[list[str]]:
    """`count` server processes on the database (with any other CASETRAIL_ `settings`);
    yields their base URLs once all are healthy, and stops them after."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    environment["CASETRAIL_DATABASE_URL"] = database_url
    environment |= {f"CASETRAIL_{name.upper()}": value for name, value in settings.items()}
    ports = [free_port() for _ in range(count)]
    servers = [
        subprocess.Popen(
            [*COMMAND, "serve", "--port", str(port)],
            cwd=directory,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + START_SECONDS
        for base, server in zip(bases, servers, strict=True):
            while True:
                assert server.poll() is None, "a server exited early"
                assert time.monotonic() < deadline, "a server did not start in time"
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
        yield bases
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)
