"""Possible duplicates through the API: warned of on intake, listed on a child."""

import itertools
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from models.enums import Role
from tests.conftest import Api, Clock, StatementCounter
from tests.factories import USER_ERRORS, event_count, intake_child, iso, mutate

INTAKE_WARNED = f"""
mutation Intake($input: IntakeChildInput!) {{
  intakeChild(input: $input) {{
    child {{ id aNumber }}
    possibleDuplicates {{ child {{ id aNumber firstName lastName }} similarity reasons }}
    {USER_ERRORS}
  }}
}}"""
DUPLICATES_OF = """
query Duplicates($id: ID!) {
  child(id: $id) { possibleDuplicates { child { id } similarity reasons } }
}"""
PAGE_WITH_DUPLICATES = """
query { children(first: 50) { edges { node { id possibleDuplicates { child { id } reasons } } } } }"""


# Sequential A-numbers are one digit apart, a possible typo: these differ in most digits.
_spaced_a_numbers = itertools.count(500_000_000, 12_345_679)


def intake_input(clock: Clock, **overrides: Any) -> dict[str, Any]:
    values = {
        "aNumber": f"{next(_spaced_a_numbers):09d}",
        "firstName": "Katherine",
        "lastName": "Gonzalez",
        "dateOfBirth": "2011-06-14",
        "countryOfBirth": "HN",
        "apprehendedAt": iso(clock() - timedelta(days=3)),
    }
    values.update(overrides)
    return values


async def test_an_intake_of_a_child_on_record_under_another_spelling_is_warned_of(
    api: Api, clock: Clock, engine: AsyncEngine
) -> None:
    # given
    first = await intake_child(api, clock, **intake_input(clock))
    events_before = await event_count(engine)

    # when
    payload = await mutate(
        api,
        INTAKE_WARNED,
        "intakeChild",
        intake_input(clock, firstName="Catherine", lastName="Gonzales"),
    )

    # then: recorded all the same, with the warning in the payload
    assert payload["userErrors"] == []
    assert payload["child"]["id"] != first["id"]
    assert await event_count(engine) > events_before
    (warning,) = payload["possibleDuplicates"]
    assert warning["child"]["id"] == first["id"]
    assert warning["child"]["firstName"] == "Katherine"
    assert set(warning["reasons"]) == {
        "SIMILAR_NAME_SAME_BIRTH_DATE",
        "SOUNDS_ALIKE_SAME_BIRTH_DATE",
    }
    assert 0.85 <= warning["similarity"] < 1


async def test_an_intake_under_an_a_number_one_digit_off_is_warned_of(
    api: Api, clock: Clock
) -> None:
    # given
    first = await intake_child(api, clock, **intake_input(clock, aNumber="301234567"))

    # when: the same child, the number and the birth date mistyped
    payload = await mutate(
        api,
        INTAKE_WARNED,
        "intakeChild",
        intake_input(clock, aNumber="301234597", dateOfBirth="2011-06-15"),
    )

    # then
    (warning,) = payload["possibleDuplicates"]
    assert warning["child"]["id"] == first["id"]
    assert warning["reasons"] == ["A_NUMBER_ONE_DIGIT_OFF"]


async def test_an_intake_of_a_distinct_child_is_not_warned_of(api: Api, clock: Clock) -> None:
    # given: a sibling born the same day, and a stranger one keystroke away in A-number
    await intake_child(api, clock, **intake_input(clock, aNumber="401234567", firstName="Luis"))
    await intake_child(
        api,
        clock,
        **intake_input(
            clock,
            aNumber="401234576",
            firstName="Sofia",
            lastName="Castillo",
            dateOfBirth="2009-01-02",
        ),
    )

    # when
    payload = await mutate(
        api, INTAKE_WARNED, "intakeChild", intake_input(clock, aNumber="401234568", firstName="Ana")
    )

    # then
    assert payload["userErrors"] == []
    assert payload["possibleDuplicates"] == []


async def test_a_refused_intake_warns_of_nothing(api: Api, clock: Clock) -> None:
    # given
    taken = await intake_child(api, clock, **intake_input(clock))

    # when: the very A-number again is a refusal, not a warning
    payload = await mutate(
        api, INTAKE_WARNED, "intakeChild", intake_input(clock, aNumber=taken["aNumber"])
    )

    # then
    assert [e["code"] for e in payload["userErrors"]] == ["DUPLICATE"]
    assert payload["child"] is None
    assert payload["possibleDuplicates"] == []


async def test_a_child_lists_its_possible_duplicates_both_ways(api: Api, clock: Clock) -> None:
    # given
    one = await intake_child(
        api, clock, **intake_input(clock, firstName="Yesenia", lastName="Ramos")
    )
    other = await intake_child(
        api, clock, **intake_input(clock, firstName="Jesenia", lastName="Ramos")
    )
    await intake_child(api, clock, **intake_input(clock, firstName="Brenda", lastName="Ochoa"))

    # when
    of_one = (await api.data(DUPLICATES_OF, {"id": one["id"]}))["child"]["possibleDuplicates"]
    of_other = (await api.data(DUPLICATES_OF, {"id": other["id"]}))["child"]["possibleDuplicates"]

    # then
    assert [d["child"]["id"] for d in of_one] == [other["id"]]
    assert [d["child"]["id"] for d in of_other] == [one["id"]]
    assert of_one[0]["similarity"] == of_other[0]["similarity"]


async def test_possible_duplicates_of_a_page_are_found_in_a_constant_number_of_statements(
    api: Api, clock: Clock, statements: StatementCounter
) -> None:
    async def cost() -> int:
        statements.reset()
        await api.data(PAGE_WITH_DUPLICATES, role=Role.SUPERVISOR)
        return statements.count

    # given: pairs of records of one child, then ten more pairs
    for n in range(2):
        born = f"2010-02-{n + 10:02d}"
        await intake_child(api, clock, **intake_input(clock, dateOfBirth=born, firstName="Jhon"))
        await intake_child(api, clock, **intake_input(clock, dateOfBirth=born, firstName="John"))
    small = await cost()
    for n in range(10):
        born = f"2010-03-{n + 10:02d}"
        await intake_child(api, clock, **intake_input(clock, dateOfBirth=born, firstName="Jhon"))
        await intake_child(api, clock, **intake_input(clock, dateOfBirth=born, firstName="John"))

    # when
    large = await cost()

    # then: the search is one batch; each child with a duplicate loads its duplicates' records
    page = (await api.data(PAGE_WITH_DUPLICATES, role=Role.SUPERVISOR))["children"]["edges"]
    assert all(len(edge["node"]["possibleDuplicates"]) == 1 for edge in page)
    assert large - small <= 2 * 20
