"""Rule 5 of the architecture: a page of children (or hearings) with their relations costs a
fixed number of SQL statements, whatever the page size."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import models
from models.enums import (
    AddressSource,
    CustodyEventKind,
    CustodyStatus,
    HearingStatus,
    HearingType,
    LocationStatus,
    NoticeStatus,
    ServiceMethod,
    SponsorRelationship,
)
from resolvers.addresses import NormalAddress
from resolvers.validation import name_key
from tests.conftest import Api, Clock, StatementCounter
from tests.factories import insert_rows

# The whole request, authentication included: one statement per relation and a few more.
MAX_STATEMENTS = 15
CHILDREN_ON_RECORD = 100
ME = "query { me { name } }"

CHILDREN_PAGE = """
query ChildrenPage($first: Int!) {
  children(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id aNumber firstName lastName custodyStatus locationStatus
        sponsor { id firstName lastName relationship }
        currentAddress { id line1 line2 city state postalCode issues }
        addresses { id line1 line2 effectiveFrom effectiveTo verification issues }
        custodyEvents { id kind occurredAt facility sponsor { id } }
        notices { id status issuedOn servedOn filedOn court }
        hearings { id court type scheduledFor status }
        nextHearing { id scheduledFor status }
        representation { id attorneyName enteredOn }
      }
    }
  }
}"""

HEARINGS_PAGE = """
query HearingsPage($first: Int!) {
  hearings(first: $first) {
    totalCount
    edges {
      node {
        id court scheduledFor status
        child { id aNumber sponsor { id firstName lastName phone } }
      }
    }
  }
}"""


def address_row(
    child_id: uuid.UUID, number: int, *, line2: str | None, effective_from: date, to: date | None
) -> models.Address:
    normal = NormalAddress(
        line1=f"{number} MAIN ST", line2=line2, city="HOUSTON", state="TX", postal_code="77002"
    )
    return models.Address(
        child_id=child_id,
        line1=normal.line1,
        line2=normal.line2,
        city=normal.city,
        state=normal.state,
        postal_code=normal.postal_code,
        street_key=normal.street_key,
        address_key=normal.address_key,
        effective_from=effective_from,
        effective_to=to,
        source=AddressSource.HHS_RECORD,
    )


async def released_children_with_every_relation(
    engine: AsyncEngine, clock: Clock, count: int
) -> None:
    """`count` released children, two per sponsor, each with two addresses (the current one
    sharing its street with a unit elsewhere), three custody events, a filed notice, a past and a
    future hearing and counsel: written straight to the tables in one transaction."""
    now = clock()
    released = now - timedelta(days=40)
    rows: list[object] = []
    sponsors = [
        models.Sponsor(
            first_name="Rosa",
            last_name=f"Díaz {n}",
            relationship=SponsorRelationship.PARENT,
            phone="+12025550143",
        )
        for n in range(count // 2 + 1)
    ]
    rows.extend(sponsors)
    for n in range(count):
        sponsor = sponsors[n // 2]
        child = models.Child(
            a_number=f"{400000000 + n:09d}",
            first_name="Ana",
            last_name="Pérez",
            first_name_key=name_key("Ana"),
            last_name_key=name_key("Pérez"),
            date_of_birth=date(2011, 1, 1),
            country_of_birth="HN",
            custody_status=CustodyStatus.RELEASED_TO_SPONSOR,
            location_status=LocationStatus.UNVERIFIED,
            version=5,
            sponsor_id=sponsor.id,
        )
        rows.append(child)
        rows.extend(
            [
                models.CustodyEvent(
                    child_id=child.id,
                    kind=CustodyEventKind.APPREHENDED,
                    occurred_at=released - timedelta(days=3),
                    facility="CBP Donna Processing Center",
                ),
                models.CustodyEvent(
                    child_id=child.id,
                    kind=CustodyEventKind.TRANSFERRED_TO_HHS,
                    occurred_at=released - timedelta(days=2),
                    facility="Casa Padre",
                ),
                models.CustodyEvent(
                    child_id=child.id,
                    kind=CustodyEventKind.RELEASED_TO_SPONSOR,
                    occurred_at=released,
                    sponsor_id=sponsor.id,
                ),
                address_row(
                    child.id,
                    1000 + n,
                    line2="APT 2",
                    effective_from=released.date(),
                    to=released.date() + timedelta(days=9),
                ),
                address_row(
                    child.id,
                    2000 + n // 2,
                    line2=None if n % 2 else "APT 1",
                    effective_from=released.date() + timedelta(days=10),
                    to=None,
                ),
                models.Notice(
                    child_id=child.id,
                    status=NoticeStatus.FILED,
                    issued_on=released.date(),
                    served_on=released.date() + timedelta(days=2),
                    service_method=ServiceMethod.PERSONAL,
                    filed_on=released.date() + timedelta(days=5),
                    court="HOU",
                ),
                models.Hearing(
                    child_id=child.id,
                    court="HOU",
                    type=HearingType.MASTER_CALENDAR,
                    scheduled_for=now - timedelta(days=5, minutes=n),
                    status=HearingStatus.APPEARED,
                ),
                models.Hearing(
                    child_id=child.id,
                    court="HOU",
                    type=HearingType.INDIVIDUAL,
                    scheduled_for=now + timedelta(days=30, minutes=n),
                    status=HearingStatus.SCHEDULED,
                ),
                models.Representation(
                    child_id=child.id,
                    attorney_name="Sofía Ramírez",
                    organization="Kids Legal Aid (synthetic)",
                    entered_on=released.date() + timedelta(days=20),
                ),
            ]
        )
    await insert_rows(engine, *rows)


@pytest.fixture
async def on_record(engine: AsyncEngine, clock: Clock) -> None:
    await released_children_with_every_relation(engine, clock, CHILDREN_ON_RECORD)


@pytest.mark.usefixtures("on_record")
async def test_a_page_of_children_costs_the_same_statements_whatever_its_size(
    api: Api, statements: StatementCounter
) -> None:
    # given 100 released children with every relation (the fixture), and the token's use
    # recorded already (that write comes once a minute, not with every request)
    await api.data(ME)
    counts: dict[int, int] = {}
    for size in (10, 100):
        # when
        statements.reset()
        page = (await api.data(CHILDREN_PAGE, {"first": size}))["children"]
        counts[size] = statements.count

        # then every relation was read for every child of the page
        nodes = [e["node"] for e in page["edges"]]
        assert len(nodes) == size
        assert page["totalCount"] == CHILDREN_ON_RECORD
        for node in nodes:
            assert node["sponsor"] is not None
            assert node["currentAddress"] is not None
            assert len(node["addresses"]) == 2
            assert [e["kind"] for e in node["custodyEvents"]] == [
                "APPREHENDED",
                "TRANSFERRED_TO_HHS",
                "RELEASED_TO_SPONSOR",
            ]
            assert node["custodyEvents"][-1]["sponsor"] == {"id": node["sponsor"]["id"]}
            assert len(node["notices"]) == 1
            assert len(node["hearings"]) == 2
            assert node["nextHearing"] is not None
            assert node["representation"] is not None
        # the unitless current addresses share a street line with a unit: issues were computed
        assert any("MISSING_UNIT" in n["currentAddress"]["issues"] for n in nodes)

    print(
        f"\nstatements for a page of children: first 10 -> {counts[10]}, first 100 -> {counts[100]}"
    )
    assert counts[10] == counts[100]
    assert counts[100] <= MAX_STATEMENTS


@pytest.mark.usefixtures("on_record")
async def test_a_page_of_hearings_with_child_and_sponsor_costs_the_same_statements(
    api: Api, statements: StatementCounter
) -> None:
    # given 200 hearings of 100 children with 51 sponsors (the fixture), and the token's use
    # recorded already
    await api.data(ME)
    counts: dict[int, int] = {}
    for size in (10, 100):
        # when
        statements.reset()
        page = (await api.data(HEARINGS_PAGE, {"first": size}))["hearings"]
        counts[size] = statements.count

        # then
        nodes = [e["node"] for e in page["edges"]]
        assert len(nodes) == size
        assert page["totalCount"] == 2 * CHILDREN_ON_RECORD
        assert all(n["child"]["sponsor"]["firstName"] == "Rosa" for n in nodes)
        assert len({n["child"]["id"] for n in nodes}) == size

    print(
        f"\nstatements for a page of hearings: first 10 -> {counts[10]}, first 100 -> {counts[100]}"
    )
    assert counts[10] == counts[100]
    assert counts[100] <= MAX_STATEMENTS
