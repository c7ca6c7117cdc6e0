"""The compiled read path answers what Strawberry's ordinary execution answers, value for
value as the client parses it, errors and nulls included, with the same children in the access
log; and it answers every query it covers, leaving the rest to the ordinary path."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import graphql
import hypothesis.strategies as st
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_graphql import queries
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

import models
from audit.tables import AccessLogEntry
from models.db import session_factory
from models.enums import (
    AddressSource,
    CustodyEventKind,
    HearingStatus,
    HearingType,
    Role,
    VerificationStatus,
)
from resolvers.population import seed_population
from resolvers.unit import Actor
from schema import Context, schema
from schema.compiled import Plans
from tests.conftest import ON_POSTGRES
from tests.factories import insert_rows

SEEDED_AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
# Later than the seed, so that some hearings still SCHEDULED read as OVERDUE.
READ_AT = SEEDED_AT + timedelta(days=150)
CHILDREN = 60


@dataclass
class Answer:
    body: dict[str, Any]
    compiled: bool
    children_read: set[Any]
    # The access log's entries of the request, as (child, actor, role, operation)
    logged: list[tuple[Any, ...]]


@pytest.fixture
async def seeded(engine: AsyncEngine) -> AsyncEngine:
    await seed_population(session_factory(engine, writer=True), CHILDREN, seed=11, as_of=SEEDED_AT)
    await add_ties_and_edges(engine)
    return engine


async def add_ties_and_edges(engine: AsyncEngine) -> None:
    """Records the population leaves out, on the first child: ties in each list's order,
    instants on the second and on the clock itself, two current representations."""
    async with session_factory(engine)() as session:
        child = (await session.exec(select(models.Child).order_by(models.Child.a_number))).first()
        sponsor = (await session.exec(select(models.Sponsor))).first()
    assert child is not None
    assert sponsor is not None
    moved_on = date(2026, 3, 2)
    on_the_second = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    def address(line1: str, effective_to: date) -> models.Address:
        return models.Address(
            child_id=child.id,
            line1=line1,
            line2=None,
            city="SPRINGFIELD",
            state="IL",
            postal_code="62701",
            street_key=f"{line1}|62701",
            address_key=f"{line1}|62701",
            effective_from=moved_on,
            effective_to=effective_to,
            source=AddressSource.CHANGE_OF_ADDRESS_FORM,
            verification=VerificationStatus.VERIFIED,
            verified_at=on_the_second,
        )

    def hearing(scheduled_for: datetime) -> models.Hearing:
        return models.Hearing(
            child_id=child.id,
            court="CHICAGO",
            type=HearingType.MASTER_CALENDAR,
            scheduled_for=scheduled_for,
            status=HearingStatus.SCHEDULED,
            in_absentia_order=False,
        )

    def representation(attorney: str) -> models.Representation:
        return models.Representation(
            child_id=child.id, attorney_name=attorney, organization=None, entered_on=moved_on
        )

    await insert_rows(
        engine,
        address("1 FIRST ST", moved_on),
        address("2 SECOND ST", moved_on),
        hearing(READ_AT),
        hearing(READ_AT),
        hearing(on_the_second),
        representation("A. ONE"),
        representation("B. TWO"),
        models.CustodyEvent(
            child_id=child.id,
            kind=CustodyEventKind.RELEASED_TO_SPONSOR,
            occurred_at=on_the_second,
            facility=None,
            sponsor_id=sponsor.id,
        ),
    )


async def answer(
    engine: AsyncEngine,
    document: str,
    variables: dict[str, Any] | None = None,
    *,
    role: Role = Role.OFFICER,
    compiled: bool,
    at: Callable[[], datetime] = lambda: READ_AT,
) -> Answer:
    request_id = f"test-{uuid.uuid4()}"
    context = Context(
        actor=Actor(name=f"test-{role.value.lower()}", role=role),
        read_sessions=session_factory(engine),
        write_sessions=session_factory(engine, writer=True),
        clock=at,
        request_id=request_id,
        engine=engine,
        compiled_reads=compiled,
    )
    result = await schema.execute(document, variable_values=variables, context_value=context)
    body: dict[str, Any] = {"data": orjson.loads(orjson.dumps(result.data))}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    async with session_factory(engine)() as session:
        entries = await session.exec(
            select(AccessLogEntry).where(AccessLogEntry.request_id == request_id)
        )
        logged = sorted((e.child_id, e.actor_name, e.actor_role, e.operation) for e in entries)
    return Answer(body, context.compiled_answer, set(context.children_read), logged)


async def both(
    engine: AsyncEngine, document: str, variables: dict[str, Any] | None = None, **kwargs: Any
) -> tuple[Answer, Answer]:
    ordinary = await answer(engine, document, variables, compiled=False, **kwargs)
    compiled = await answer(engine, document, variables, compiled=True, **kwargs)
    assert not ordinary.compiled
    return ordinary, compiled


def assert_same(ordinary: Answer, compiled: Answer) -> None:
    # Compared as the client receives it: the JSON text, parsed.
    assert compiled.body == ordinary.body
    assert compiled.children_read == ordinary.children_read
    assert compiled.logged == ordinary.logged
    assert len(compiled.logged) == len(compiled.children_read)


EVERY_FIELD = """
fragment Person on Sponsor { id firstName lastName relationship phone __typename }
query Everything($first: Int, $after: String) {
  __typename
  children(first: $first, after: $after) {
    __typename
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }
    edges {
      cursor
      __typename
      node {
        id aNumber firstName lastName dateOfBirth countryOfBirth custodyStatus locationStatus
        version __typename
        sponsor { ...Person }
        currentAddress {
          id line1 line2 city state postalCode effectiveFrom effectiveTo source verification
          verifiedAt
        }
        addresses { id line1 effectiveFrom effectiveTo verifiedAt }
        custodyEvents { id kind occurredAt facility sponsor { ...Person } }
        notices { id status issuedOn servedOn serviceMethod filedOn court }
        hearings { id court type scheduledFor status inAbsentiaOrder }
        nextHearing { id scheduledFor status }
        representation { id attorneyName organization enteredOn withdrawnOn }
        contactAttempts { id attemptedAt method outcome notes }
        ... on Node { nodeId: id }
        again: aNumber
      }
    }
  }
}"""


async def test_every_covered_field_on_every_page_is_answered_alike(seeded: AsyncEngine) -> None:
    # given: pages of 7 through every child
    after = None
    pages = 0
    while True:
        # when
        ordinary, compiled = await both(seeded, EVERY_FIELD, {"first": 7, "after": after})

        # then
        assert compiled.compiled
        assert_same(ordinary, compiled)
        connection = compiled.body["data"]["children"]
        assert connection["totalCount"] == CHILDREN
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert pages == (CHILDREN + 6) // 7


async def test_the_data_holds_what_the_comparison_needs(seeded: AsyncEngine) -> None:
    # given: the first page of every covered field
    ordinary, _ = await both(seeded, EVERY_FIELD, {"first": 100})
    nodes = [edge["node"] for edge in ordinary.body["data"]["children"]["edges"]]

    # then: the comparison above saw overdue and upcoming hearings, sponsors, representation,
    # several addresses, and instants with and without microseconds
    statuses = {h["status"] for n in nodes for h in n["hearings"]}
    assert {"OVERDUE", "APPEARED", "FAILED_TO_APPEAR"} <= statuses
    assert any(n["nextHearing"] for n in nodes)
    assert any(n["sponsor"] for n in nodes)
    assert any(n["representation"] for n in nodes)
    assert any(len(n["addresses"]) > 1 for n in nodes)
    assert any(n["custodyEvents"] for n in nodes)


CHILD = """
query One($id: ID, $aNumber: String) {
  child(id: $id, aNumber: $aNumber) {
    id aNumber lastName
    hearings { id status scheduledFor }
    nextHearing { id }
    currentAddress { id line1 }
  }
}"""


async def test_one_child_by_id_and_by_a_number_and_none(seeded: AsyncEngine) -> None:
    # given
    first, _ = await both(seeded, EVERY_FIELD, {"first": 3})
    node = first.body["data"]["children"]["edges"][2]["node"]

    for variables in (
        {"id": node["id"]},
        {"aNumber": node["aNumber"]},
        {"aNumber": f"A-{node['aNumber'][:3]}-{node['aNumber'][3:6]}-{node['aNumber'][6:]}"},
        {"aNumber": "000000001"},  # no such child
        {"id": "not-a-global-id"},
        {"id": node["sponsor"]["id"]} if node["sponsor"] else {"id": "U3BvbnNvcjp4"},
    ):
        # when
        ordinary, compiled = await both(seeded, CHILD, variables)

        # then
        assert compiled.compiled
        assert_same(ordinary, compiled)


@pytest.mark.parametrize(
    "variables",
    [
        {"id": None, "aNumber": None},  # neither
        {"id": "Q2hpbGQ6eA", "aNumber": "123456789"},  # both
        {"aNumber": "12"},  # not an A-number
    ],
)
async def test_arguments_the_ordinary_path_refuses_are_left_to_it(
    seeded: AsyncEngine, variables: dict[str, Any]
) -> None:
    # when
    ordinary, compiled = await both(seeded, CHILD, variables)

    # then: the same error, from the ordinary path
    assert "errors" in ordinary.body
    assert not compiled.compiled
    assert_same(ordinary, compiled)


FILTERED = """
query Filtered($filter: ChildFilter, $first: Int, $after: String) {
  children(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { aNumber locationStatus custodyStatus } }
  }
}"""


@pytest.mark.parametrize(
    "child_filter",
    [
        {"failedToAppear": True, "locationStatus": ["UNKNOWN"]},
        {"failedToAppear": False},
        {"custodyStatus": ["RELEASED_TO_SPONSOR", "IN_HHS_CUSTODY"]},
        {"noticeServed": False, "represented": True},
        {"releasedFrom": "2024-01-01", "releasedTo": "2026-12-31"},
        {"search": "a"},
        {"search": ""},
        {"court": "NEW YORK"},
        None,
    ],
)
async def test_filters_and_pages_are_answered_alike(
    seeded: AsyncEngine, child_filter: dict[str, Any] | None
) -> None:
    # given
    variables: dict[str, Any] = {"filter": child_filter, "first": 4, "after": None}
    for _ in range(3):
        # when
        ordinary, compiled = await both(seeded, FILTERED, variables)

        # then
        assert compiled.compiled
        assert_same(ordinary, compiled)
        variables["after"] = compiled.body["data"]["children"]["pageInfo"]["endCursor"]
        if variables["after"] is None:
            break


@pytest.mark.parametrize(
    "variables",
    [
        {"first": -1},
        {"after": "not a cursor"},
        {"filter": {"releasedFrom": "2026-01-02", "releasedTo": "2026-01-01"}},
    ],
)
async def test_refused_list_arguments_are_left_to_the_ordinary_path(
    seeded: AsyncEngine, variables: dict[str, Any]
) -> None:
    # when
    ordinary, compiled = await both(seeded, FILTERED, variables)

    # then
    assert "errors" in ordinary.body
    assert not compiled.compiled
    assert_same(ordinary, compiled)


@pytest.mark.parametrize(
    "document",
    [
        "{ children { edges { node { alerts { id } } } } }",  # a field with arguments
        "{ children { edges { node { addresses { issues } } } } }",  # computed in Python
        "{ children { edges { node { sponsor { children { id } } } } } }",
        "{ children { edges { node { aNumber @include(if: true) } } } }",  # a directive
        "{ me { name } children { totalCount } }",  # a root field not covered
        "{ hearings { totalCount } }",
    ],
)
async def test_what_is_not_covered_is_executed_as_before(
    seeded: AsyncEngine, document: str
) -> None:
    # when
    ordinary, compiled = await both(seeded, document)

    # then
    assert not compiled.compiled
    assert_same(ordinary, compiled)


@pytest.mark.parametrize("role", list(Role))
async def test_each_role_gets_what_the_ordinary_path_gives_it(
    seeded: AsyncEngine, role: Role
) -> None:
    # when
    ordinary, compiled = await both(seeded, EVERY_FIELD, {"first": 5}, role=role)

    # then: INTEGRATION may not read case records, on either path
    assert compiled.compiled == (role != Role.INTEGRATION)
    assert_same(ordinary, compiled)


def test_plans_are_bounded_and_known_by_their_document() -> None:
    # given
    plans = Plans(kept=2)
    documents = [graphql.parse(f"{{ children(first: {n}) {{ totalCount }} }}") for n in range(3)]
    made: list[int] = []

    def make(n: int) -> Callable[[], None]:
        def plan() -> None:
            made.append(n)

        return plan

    # when
    for n, document in enumerate(documents):
        operation = document.definitions[0]
        assert isinstance(operation, graphql.OperationDefinitionNode)
        plans.get(operation, Role.OFFICER, "sqlite", make(n))
        plans.get(operation, Role.OFFICER, "sqlite", make(n))  # kept: not made again
    first = documents[0].definitions[0]
    assert isinstance(first, graphql.OperationDefinitionNode)
    plans.get(first, Role.OFFICER, "sqlite", make(0))  # dropped: made again

    # then
    assert made == [0, 1, 2, 0]
    assert len(plans) == 2


def covered_schema() -> graphql.GraphQLSchema:
    """The served schema without the fields the compiler leaves to the ordinary path, so
    that every generated query is one it should answer (or refuse for its arguments)."""
    pruned = graphql.build_schema(schema.as_str())
    for type_name, names in {
        "Child": ("alerts", "history", "accessLog", "possibleDuplicates", "merges"),
        "Sponsor": ("children",),
        "Address": ("issues",),
        "Hearing": ("child",),
    }.items():
        object_type = pruned.type_map[type_name]
        assert isinstance(object_type, graphql.GraphQLObjectType)
        for name in names:
            del object_type.fields[name]
    return pruned


COVERED = covered_schema()
ROLES = st.sampled_from([Role.OFFICER, Role.SUPERVISOR, Role.OVERSIGHT, Role.INTEGRATION])


@settings(
    max_examples=40 if ON_POSTGRES else 60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_generated_queries_are_answered_alike(seeded: AsyncEngine, data: Any) -> None:
    # given: a query over `children` or `child`, as hypothesis-graphql writes them
    document = data.draw(queries(COVERED, fields=["children", "child"], allow_x00=False))
    role = data.draw(ROLES)

    # when
    ordinary, compiled = await both(seeded, document, role=role)

    # then: the same answer; compiled wherever the ordinary path found nothing to refuse
    assert_same(ordinary, compiled)
    if "errors" not in ordinary.body:
        assert compiled.compiled, document
