"""mergeChildren: two records of one child made one, with both histories whole and linked."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.verify import verify_database
from models.db import session_factory
from models.enums import Role
from resolvers.alerts import sweep_now
from tests.conftest import Api, Clock
from tests.factories import (
    CUSTODY_EVENT,
    USER_ERRORS,
    home_address,
    in_hhs_child,
    intake_child,
    iso,
    mutate,
    ok,
    released_child,
    stored_rows,
)

MERGE = f"""
mutation Merge($input: MergeChildrenInput!) {{
  mergeChildren(input: $input) {{
    child {{
      id version aNumber firstName sponsor {{ id }}
      currentAddress {{ line1 effectiveFrom }}
      addresses {{ line1 effectiveFrom effectiveTo }}
      custodyEvents {{ kind occurredAt }}
      alerts {{ kind status }}
      merges {{ mergedChildId mergedANumber mergedAt }}
    }}
    merge {{ mergedChildId mergedANumber mergedAt }}
    {USER_ERRORS}
  }}
}}"""
CHILD = "query Child($id: ID!) { child(id: $id) { id version } }"
HISTORY = """
query History($id: ID!) {
  child(id: $id) {
    history(first: 100) { totalCount edges { node { action entityType entityId recordedAt } } }
  }
}"""
LOG_OF = """
query Log($id: ID!) {
  auditLog(filter: {entityId: $id}, first: 100) { edges { node { action entityType } } }
}"""
AS_OF = "query AsOf($id: ID!, $at: DateTime!) { childAsOf(id: $id, at: $at) { child } }"


async def merge(api: Api, input: dict[str, Any], role: Role = Role.SUPERVISOR) -> dict[str, Any]:
    return await mutate(api, MERGE, "mergeChildren", input, role=role)


def merging(kept: dict[str, Any], merged: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "keepChildId": kept["id"],
        "mergeChildId": merged["id"],
        "reason": "One child, recorded at two intakes",
        **more,
    }


async def two_records_of_one_child(api: Api, clock: Clock) -> tuple[dict[str, Any], ...]:
    """The child released to a sponsor at one address, and again under a second record (in
    custody once more, then released to another address)."""
    first = await released_child(
        api, clock, released_days_ago=20, address=home_address(line1="12 Oak Street")
    )
    second = await released_child(
        api,
        clock,
        released_days_ago=5,
        address=home_address(line1="400 Elm Street"),
        firstName="Ana Lucia",
    )
    return first, second


async def test_a_merge_moves_every_record_to_the_kept_child_and_removes_the_other(
    api: Api, clock: Clock
) -> None:
    # given
    kept, merged = await two_records_of_one_child(api, clock)

    # when
    payload = await merge(api, merging(kept, merged, keepExpectedVersion=kept["version"]))

    # then
    assert payload["userErrors"] == []
    child = payload["child"]
    assert child["id"] == kept["id"]
    assert child["aNumber"] == kept["aNumber"]
    assert child["firstName"] == "Ana Lucía"  # the kept record's own fields stand
    assert child["version"] == kept["version"] + 1
    assert len(child["custodyEvents"]) == 6  # three of each record's
    # Both addresses; the later one current, the earlier ended the day the later began.
    assert [a["line1"] for a in child["addresses"]] == ["12 OAK ST", "400 ELM ST"]
    assert child["currentAddress"]["line1"] == "400 ELM ST"
    assert child["addresses"][0]["effectiveTo"] == child["addresses"][1]["effectiveFrom"]
    assert payload["merge"] == child["merges"][0]
    assert payload["merge"]["mergedChildId"] == merged["id"]
    assert payload["merge"]["mergedANumber"] == merged["aNumber"]
    assert (await api.data(CHILD, {"id": merged["id"]}))["child"] is None


async def test_the_merged_records_history_is_the_kept_childs_and_still_verifies(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    kept, merged = await two_records_of_one_child(api, clock)
    before = (await api.data(HISTORY, {"id": kept["id"]}))["child"]["history"]
    merged_history = (await api.data(HISTORY, {"id": merged["id"]}))["child"]["history"]

    # when
    await ok_merge(api, merging(kept, merged))

    # then: the kept child's history holds both records' histories, then the merge
    after = (await api.data(HISTORY, {"id": kept["id"]}))["child"]["history"]
    nodes = [e["node"] for e in after["edges"]]
    earlier = [e["node"] for e in before["edges"]] + [e["node"] for e in merged_history["edges"]]
    assert sorted(earlier, key=lambda n: n["recordedAt"]) == nodes[: len(earlier)]
    merge_events = nodes[len(earlier) :]
    assert {n["action"] for n in merge_events} == {"mergeChildren"}
    entity_types = [n["entityType"] for n in merge_events]
    assert "ChildMerge" in entity_types
    assert {"Address", "CustodyEvent"} <= set(entity_types)
    # The merged record's own events, under its own ID: from intake to its removal.
    log = (await api.data(LOG_OF, {"id": merged["id"]}, role=Role.OVERSIGHT))["auditLog"]
    actions = [e["node"]["action"] for e in log["edges"]]
    assert actions[0] == "intakeChild"
    assert actions[-1] == "mergeChildren"
    # Every link and every record replays: nothing was rewritten.
    report = await verify_database(engine)
    assert report.valid, report.problems


async def test_the_kept_child_as_of_before_the_merge_is_its_own_record_alone(
    api: Api, clock: Clock
) -> None:
    # given
    kept, merged = await two_records_of_one_child(api, clock)
    # the moment both records were whole, just before the merge
    merged_history = (await api.data(HISTORY, {"id": merged["id"]}))["child"]["history"]
    last_before = max(e["node"]["recordedAt"] for e in merged_history["edges"])
    await ok_merge(api, merging(kept, merged))
    history = (await api.data(HISTORY, {"id": kept["id"]}))["child"]["history"]
    merged_at = max(e["node"]["recordedAt"] for e in history["edges"])

    # when
    before = (await api.data(AS_OF, {"id": kept["id"], "at": last_before}, role=Role.OVERSIGHT))[
        "childAsOf"
    ]["child"]
    after = (await api.data(AS_OF, {"id": kept["id"], "at": merged_at}, role=Role.OVERSIGHT))[
        "childAsOf"
    ]["child"]

    # then
    assert [a["line1"] for a in before["addresses"]] == ["12 OAK ST"]
    assert len(before["custodyEvents"]) == 3
    assert [a["line1"] for a in after["addresses"]] == ["12 OAK ST", "400 ELM ST"]
    assert len(after["custodyEvents"]) == 6
    assert after["currentAddress"]["line1"] == "400 ELM ST"


async def test_two_active_alerts_of_a_kind_become_one_the_earlier_raised(
    api: Api, clock: Clock
) -> None:
    # given: both records missing from care, each with its LOCATION_UNKNOWN alert
    records = []
    for days_ago in (6, 3):
        child = await in_hhs_child(api, clock, transferred_days_ago=days_ago + 1)
        clock.advance(minutes=1)  # the second alert raised later
        await ok(
            api,
            CUSTODY_EVENT,
            "recordCustodyEvent",
            {
                "childId": child["id"],
                "kind": "MISSING_FROM_HHS_CARE",
                "occurredAt": iso(clock() - timedelta(days=days_ago)),
            },
        )
        records.append(child)
    kept, merged = records[1], records[0]

    # when
    payload = await ok_merge(api, merging(kept, merged))

    # then
    alerts = [a for a in payload["child"]["alerts"] if a["kind"] == "LOCATION_UNKNOWN"]
    assert sorted(a["status"] for a in alerts) == ["OPEN", "RESOLVED"]


async def test_a_merged_record_leaves_the_sweep_nothing_to_trip_on(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    kept, merged = await two_records_of_one_child(api, clock)
    await ok_merge(api, merging(kept, merged))

    # when
    clock.advance(days=40)
    result = await sweep_now(session_factory(engine, writer=True), clock)

    # then
    assert result is not None
    report = await verify_database(engine)
    assert report.valid, report.problems


async def test_a_record_merged_twice_over_keeps_every_history(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given: three records of one child, the first merged into the second
    first = await intake_child(api, clock)
    second = await intake_child(api, clock, firstName="Ana Lucia")
    third = await intake_child(api, clock, firstName="Anna Lucia")
    await ok_merge(api, merging(second, first))
    clock.advance(hours=1)

    # when: the second into the third
    payload = await ok_merge(api, merging(third, second))

    # then: the third links both, and its history begins with the first's intake
    merges = payload["child"]["merges"]
    assert [m["mergedChildId"] for m in merges] == [first["id"], second["id"]]
    history = (await api.data(HISTORY, {"id": third["id"]}))["child"]["history"]
    intakes = [
        e["node"]["entityId"]
        for e in history["edges"]
        if e["node"]["action"] == "intakeChild" and e["node"]["entityType"] == "Child"
    ]
    assert intakes == [first["id"], second["id"], third["id"]]
    report = await verify_database(engine)
    assert report.valid, report.problems


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"mergeChildId": "same"}, "INVALID", ["input", "mergeChildId"]),
        (
            {"mergeChildId": "Q2hpbGQ6MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAw"},
            "NOT_FOUND",
            ["input", "mergeChildId"],
        ),
        ({"keepExpectedVersion": 1}, "VERSION_CONFLICT", ["input", "expectedVersion"]),
        ({"mergeExpectedVersion": 99}, "VERSION_CONFLICT", ["input", "expectedVersion"]),
        ({"reason": "   "}, "INVALID", ["input", "reason"]),
    ],
    ids=["into-itself", "unknown-child", "stale-kept", "stale-merged", "blank-reason"],
)
async def test_a_refused_merge_changes_nothing(
    api: Api,
    clock: Clock,
    engine: AsyncEngine,
    change: dict[str, Any],
    code: str,
    field: list[str],
) -> None:
    # given
    kept, merged = await two_records_of_one_child(api, clock)
    input = merging(kept, merged, **change)
    if input["mergeChildId"] == "same":
        input["mergeChildId"] = kept["id"]
    rows_before = await stored_rows(engine)

    # when
    payload = await merge(api, input)

    # then
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)]
    assert payload["child"] is None
    assert await stored_rows(engine) == rows_before


async def test_merging_is_for_supervisors_only(api: Api, clock: Clock, engine: AsyncEngine) -> None:
    # given
    kept = await intake_child(api, clock)
    merged = await intake_child(api, clock, firstName="Ana Lucia")
    rows_before = await stored_rows(engine)

    # when
    body = await api.gql(MERGE, {"input": merging(kept, merged)}, role=Role.OFFICER)

    # then
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert await stored_rows(engine) == rows_before


async def ok_merge(api: Api, input: dict[str, Any]) -> dict[str, Any]:
    payload = await merge(api, input)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload
