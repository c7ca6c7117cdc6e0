"""Server processes for tests that need the real thing: `casetrail serve` on loopback, and a
relay to the database that a test can cut."""

import asyncio
import contextlib
import os
import re
import subprocess
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.server.test_cli import COMMAND, free_port

START_SECONDS = 60


class Servers(list[str]):
    """The base URLs of server processes, and the processes (in the same order)."""

    def __init__(self, bases: list[str], processes: list[subprocess.Popen[bytes]]) -> None:
        super().__init__(bases)
        self.processes = processes


def wait_until_healthy(base: str, server: subprocess.Popen[bytes], deadline: float) -> None:
    """Until the server at `base` answers /healthz with 200; it must not exit first, nor take
    past `deadline` (time.monotonic())."""
    while True:
        assert server.poll() is None, "a server exited early"
        assert time.monotonic() < deadline, "a server did not become healthy in time"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)


@contextmanager
def serving(
    database_url: str, count: int, directory: Path, log: Path | None = None, **settings: str
) -> Iterator[Servers]:
    """`count` server processes on the database (with any other CASETRAIL_ `settings`);
    yields their base URLs once all are healthy, and stops them after. Their standard error,
    where they log, goes to `log` when one is given."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    environment["CASETRAIL_DATABASE_URL"] = database_url
    environment |= {f"CASETRAIL_{name.upper()}": value for name, value in settings.items()}
    ports = [free_port() for _ in range(count)]
    errors = log.open("ab") if log is not None else None
    servers = [
        subprocess.Popen(
            [*COMMAND, "serve", "--port", str(port)],
            cwd=directory,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=errors if errors is not None else subprocess.DEVNULL,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + START_SECONDS
        for base, server in zip(bases, servers, strict=True):
            wait_until_healthy(base, server, deadline)
        yield Servers(bases, servers)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)
        if errors is not None:
            errors.close()


@dataclass
class Demo:
    base: str
    tokens: dict[str, str]  # by role name
    printed: str  # what `serve` told the person who started it


@contextmanager
def serving_demo(directory: Path) -> Iterator[Demo]:
    """`casetrail serve --demo` as a person starts it, in `directory`, once it is healthy; it
    is stopped after."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    environment |= {"COLUMNS": "200", "NO_COLOR": "1"}
    said = directory / "serve.out"
    with said.open("w") as output:
        server = subprocess.Popen(
            [*COMMAND, "serve", "--demo", "--port", str(port)],
            cwd=directory,
            env=environment,
            stdout=output,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_healthy(base, server, time.monotonic() + 120)  # it seeds first
            printed = said.read_text()
            tokens = dict(re.findall(r"^\s+([A-Z]+)\s+(ct_\S+)\s*$", printed, re.MULTILINE))
            yield Demo(base, tokens, printed)
        finally:
            server.terminate()
            server.wait(timeout=20)


class Outage:
    """A TCP relay between the servers under test and the database server, which a test can
    cut (every relayed connection dropped, new ones refused: what the servers see when the
    database stops) and restore on the same port. It runs in a thread of its own, so that it
    relays while the test blocks."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._streams: set[asyncio.StreamWriter] = set()

    def __enter__(self) -> "Outage":
        self._thread.start()
        self.restore()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def cut(self) -> None:
        self._run(self._cut())

    def restore(self) -> None:
        self._run(self._listen())

    def _run(self, work: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for stream in list(self._streams):
            stream.transport.abort()
        self._streams.clear()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self._streams |= {writer, upstream_writer}

        async def pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            target.transport.abort()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        self._streams -= {writer, upstream_writer}
