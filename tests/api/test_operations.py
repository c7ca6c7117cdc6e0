"""What an operator watches: Prometheus metrics of the GraphQL requests by operation and
outcome and of the open alerts by kind, and /readyz, which says whether to send this process
requests."""

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

import migrations
from models import Alert
from models.enums import AlertKind, AlertStatus, Role
from server import metrics as metrics_module
from tests.conftest import Api, Clock
from tests.factories import released_child

COUNT = "query CountChildren { children(first: 1) { totalCount } }"
INVALID = "query Broken { children(first: 1) { noSuchField } }"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus's text format."""
    inside = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    braces = f"{{{inside}}}" if inside else ""
    pattern = rf"^{re.escape(name + braces)} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"no sample {name}{braces}"
    return float(found.group(1))


async def metrics_text(api: Api) -> str:
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_requests_are_counted_and_timed_by_operation_and_outcome(api: Api) -> None:
    # when
    for _ in range(3):
        await api.post(COUNT)
    await api.post(INVALID)
    await api.client.post("/graphql", json={"query": "{ children(first: 1) { totalCount } }"})

    # then
    text = await metrics_text(api)
    requests = "casetrail_graphql_requests_total"
    assert sample(text, requests, operation="CountChildren", outcome="ok") == 3
    assert sample(text, requests, operation="anonymous", outcome="refused") == 1  # no token
    assert sample(text, "casetrail_graphql_request_seconds_count", operation="CountChildren") == 3
    assert sample(text, requests, operation="Broken", outcome="error") == 1


async def test_a_request_answered_with_graphql_errors_counts_as_an_error(api: Api) -> None:
    # when
    response = await api.client.post(
        "/graphql",
        json={"query": INVALID, "operationName": "Broken"},
        headers={"Authorization": f"Bearer {api.tokens[Role.OFFICER]}"},
    )

    # then
    assert response.status_code == 200
    text = await metrics_text(api)
    assert (
        sample(text, "casetrail_graphql_requests_total", operation="Broken", outcome="error") == 1
    )


async def test_open_alerts_are_counted_by_kind(api: Api, clock: Clock, engine: AsyncEngine) -> None:
    # given children whose cases raised alerts
    for _ in range(2):
        await released_child(api, clock)

    # when
    text = await metrics_text(api)

    # then every kind has its count, as the database holds it
    async with engine.connect() as connection:
        for kind in AlertKind:
            count = (
                await connection.execute(
                    select(func.count())
                    .select_from(Alert)
                    .where(col(Alert.kind) == kind, col(Alert.status) != AlertStatus.RESOLVED)
                )
            ).scalar_one()
            assert sample(text, "casetrail_open_alerts", kind=kind.value) == count
    assert sample(text, "casetrail_database_up") == 1


def test_client_chosen_names_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    monkeypatch.setattr(metrics_module, "MAX_OPERATIONS", 3)
    metrics = metrics_module.Metrics()

    # when
    labels = [metrics.operation(f"Op{n}") for n in range(5)]

    # then
    assert labels == ["Op0", "Op1", "Op2", "other", "other"]
    assert metrics.operation("Op1") == "Op1"
    assert metrics.operation("not a name!") == "anonymous"
    assert metrics.operation(None) == "anonymous"


async def test_readyz_says_ready_at_the_code_s_revision(api: Api) -> None:
    response = await api.client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_readyz_says_why_not_when_the_database_is_at_another_revision(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given code that needs a revision the database is not at
    monkeypatch.setattr(migrations, "head_revision", lambda: "9999")

    # when
    response = await api.client.get("/readyz")

    # then
    assert response.status_code == 503
    assert "this code needs 9999" in response.json()["reason"]


async def test_readyz_says_not_ready_once_the_server_is_stopping(api: Api) -> None:
    # given
    app = api.client._transport.app  # type: ignore[attr-defined]

    # when
    await app.state.stopping()

    # then
    response = await api.client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "the server is shutting down"
