"""`casetrail serve --demo` as a person runs it: a real uvicorn process on loopback, a demo
database, a token per role printed, and a nested query answered."""

import os
import re
import subprocess
import time
from pathlib import Path

import httpx

from models.enums import Role
from tests.server.test_cli import COMMAND, free_port

NESTED = """
{ children(first: 5, filter: {custodyStatus: [RELEASED_TO_SPONSOR]}) {
    totalCount
    edges { node { aNumber sponsor { lastName } currentAddress { line1 issues }
                   custodyEvents { kind } hearings { status } } } } }"""


def wait_until_healthy(base: str, server: subprocess.Popen[str], deadline: float) -> None:
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited early"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not become healthy in time")


def test_serve_demo_prints_tokens_and_answers_a_nested_query(tmp_path: Path) -> None:
    # given
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    environment |= {"COLUMNS": "200", "NO_COLOR": "1"}
    log = tmp_path / "serve.log"

    # when
    with log.open("w") as output:
        server = subprocess.Popen(
            [*COMMAND, "serve", "--demo", "--port", str(port)],
            cwd=tmp_path,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_until_healthy(base, server, time.monotonic() + 120)
            printed = log.read_text()
            tokens = dict(re.findall(r"^\s+([A-Z]+)\s+(ct_\S+)\s*$", printed, re.MULTILINE))
            answer = httpx.post(
                f"{base}/graphql",
                json={"query": NESTED},
                headers={"Authorization": f"Bearer {tokens['OFFICER']}"},
                timeout=10,
            )
            page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"}, timeout=10)
        finally:
            server.terminate()
            server.wait(timeout=20)

    # then
    assert set(tokens) == {role.value for role in Role}
    assert f"http://127.0.0.1:{port}/graphql" in printed
    assert (tmp_path / "casetrail-demo.db").exists()
    body = answer.json()
    assert "errors" not in body, body
    children = body["data"]["children"]
    assert children["totalCount"] >= 10
    first = children["edges"][0]["node"]
    assert first["sponsor"]["lastName"]
    assert first["custodyEvents"][-1]["kind"] == "RELEASED_TO_SPONSOR"
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
