"""Writers at the same time on the same child: no change is lost, and a stale expectedVersion
loses cleanly."""

import asyncio
from datetime import timedelta

from tests.conftest import Api, Clock
from tests.factories import (
    CONTACT_ATTEMPT,
    RECORD_ADDRESS,
    home_address,
    iso,
    mutate,
    released_child,
)

WRITERS = 8

VERSION = "query($id: ID!) { child(id: $id) { version contactAttempts { id } addresses { id } } }"


async def test_concurrent_changes_to_one_child_are_all_kept(api: Api, clock: Clock) -> None:
    # given
    child = await released_child(api, clock)

    # when eight officers record an attempt at once
    payloads = await asyncio.gather(
        *(
            mutate(
                api,
                CONTACT_ATTEMPT,
                "recordContactAttempt",
                {
                    "childId": child["id"],
                    "attemptedAt": iso(clock() - timedelta(minutes=n)),
                    "method": "PHONE",
                    "outcome": "NO_RESPONSE",
                },
            )
            for n in range(WRITERS)
        )
    )

    # then every one is kept, and the version counts each once
    assert all(p["userErrors"] == [] for p in payloads)
    record = (await api.data(VERSION, {"id": child["id"]}))["child"]
    assert len(record["contactAttempts"]) == WRITERS
    assert record["version"] == child["version"] + WRITERS
    assert sorted(p["child"]["version"] for p in payloads) == list(
        range(child["version"] + 1, child["version"] + WRITERS + 1)
    )


async def test_of_writers_holding_the_same_version_exactly_one_wins(api: Api, clock: Clock) -> None:
    # given
    child = await released_child(api, clock, released_days_ago=30)

    # when eight officers move the child at once, each from the version they read
    payloads = await asyncio.gather(
        *(
            mutate(
                api,
                RECORD_ADDRESS,
                "recordAddress",
                {
                    "childId": child["id"],
                    "address": home_address(line1=f"{100 + n} Oak Street"),
                    "effectiveFrom": (clock() - timedelta(days=n + 1)).date().isoformat(),
                    "source": "SPONSOR_REPORTED",
                    "expectedVersion": child["version"],
                },
            )
            for n in range(WRITERS)
        )
    )

    # then
    codes = sorted(e["code"] for p in payloads for e in p["userErrors"])
    assert codes == ["VERSION_CONFLICT"] * (WRITERS - 1)
    record = (await api.data(VERSION, {"id": child["id"]}))["child"]
    assert record["version"] == child["version"] + 1
    assert len(record["addresses"]) == 2
