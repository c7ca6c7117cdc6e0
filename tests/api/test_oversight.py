"""The oversight report through the API: every figure of API.md's Oversight section over a
hand-built cohort whose answers are written down here, for all time, for [from, to] windows
(UTC calendar days, both ends inclusive) and for one court; OVERSIGHT only."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from models import Representation
from models.enums import AlertKind, Role
from schema.ids import decode
from tests.conftest import Api, Clock
from tests.factories import (
    CONTACT_ATTEMPT,
    CUSTODY_EVENT,
    HEARING_OUTCOME,
    ISSUE_NOTICE,
    RECORD_REPRESENTATION,
    RELEASE,
    SERVE_NOTICE,
    UPDATE_ALERT,
    home_address,
    in_hhs_child,
    insert_rows,
    intake_child,
    iso,
    ok,
    released_child,
    scheduled_hearing,
)

REPORT = """
query Report($from: Date, $to: Date, $court: String) {
  oversightReport(from: $from, to: $to, court: $court) {
    transferredToHhs
    releasedToSponsor
    releasedWithoutServedNotice
    releasedWithoutHearing
    failedToAppear
    failedToAppearLocationUnknown
    inAbsentiaOrders
    representedShare
    openAlerts { kind count }
  }
}"""
CHILD_ALERTS = """
query Alerts($id: ID!) { child(id: $id) { locationStatus alerts { id kind status } } }"""

NO_OPEN_ALERTS = dict.fromkeys((kind.value for kind in AlertKind), 0)
# The cohort's OPEN alerts: FAILED_TO_APPEAR of `fta_absentia` and of `in_hhs` (the one of
# `fta_sna` is ACKNOWLEDGED); LOCATION_UNKNOWN of `fta_absentia` (the one of `served_only` is
# RESOLVED by a supervisor). No sweep runs, so no time-driven kind is raised.
COHORT_OPEN_ALERTS = {**NO_OPEN_ALERTS, "FAILED_TO_APPEAR": 2, "LOCATION_UNKNOWN": 1}


def at(day: str, clock_time: str = "12:00") -> datetime:
    """An instant in UTC, e.g. at("2026-05-11", "23:30")."""
    return datetime.fromisoformat(f"{day}T{clock_time}:00+00:00")


def figures(
    *,
    transferred: int,
    released: int,
    unserved: int,
    unheard: int,
    failed: int,
    failed_unknown: int,
    absentia: int,
    share: float,
) -> dict[str, Any]:
    """The report's figures but openAlerts, as the API names them."""
    return {
        "transferredToHhs": transferred,
        "releasedToSponsor": released,
        "releasedWithoutServedNotice": unserved,
        "releasedWithoutHearing": unheard,
        "failedToAppear": failed,
        "failedToAppearLocationUnknown": failed_unknown,
        "inAbsentiaOrders": absentia,
        "representedShare": pytest.approx(share),
    }


ZEROS = figures(
    transferred=0,
    released=0,
    unserved=0,
    unheard=0,
    failed=0,
    failed_unknown=0,
    absentia=0,
    share=0,
)


async def report(
    api: Api, variables: dict[str, str] | None = None, *, role: Role = Role.OVERSIGHT
) -> tuple[dict[str, Any], dict[str, int]]:
    """The figures, and openAlerts as {kind: count} (each kind listed once)."""
    data = await api.data(REPORT, variables, role=role)
    found: dict[str, Any] = dict(data["oversightReport"])
    listed = found.pop("openAlerts")
    open_alerts = {entry["kind"]: entry["count"] for entry in listed}
    assert len(open_alerts) == len(listed), listed
    return found, open_alerts


async def error_codes(
    api: Api, variables: dict[str, str], *, role: Role = Role.OVERSIGHT
) -> list[str]:
    """The extensions.code of each GraphQL error of a report that must fail, with no data."""
    body = await api.gql(REPORT, variables, role=role)
    assert body.get("data") is None, body
    return [error["extensions"]["code"] for error in body.get("errors", [])]


# ---------------------------------------------------------------- the cohort


Cohort = dict[str, dict[str, Any]]


async def release_at(
    api: Api, clock: Clock, when: datetime, street: str, **overrides: Any
) -> dict[str, Any]:
    """A child released to a new sponsor at `when` (transferred to HHS a day before), at an
    address of its own (no two children share one, so no ADDRESS_ISSUE is raised)."""
    return await released_child(
        api,
        clock,
        released_days_ago=(clock() - when) / timedelta(days=1),
        address=home_address(line1=street),
        **overrides,
    )


async def outcome(api: Api, hearing: dict[str, Any], status: str, **extra: Any) -> None:
    await ok(
        api,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": hearing["id"], "status": status, **extra},
    )


async def issue(api: Api, child: dict[str, Any], day: str) -> dict[str, Any]:
    input = {"childId": child["id"], "issuedOn": day, "court": "HOU"}
    notice: dict[str, Any] = (await ok(api, ISSUE_NOTICE, "issueNotice", input))["notice"]
    return notice


async def counsel(api: Api, child: dict[str, Any], entered_on: str, attorney: str) -> None:
    await ok(
        api,
        RECORD_REPRESENTATION,
        "recordRepresentation",
        {
            "childId": child["id"],
            "attorneyName": attorney,
            "organization": "Synthetic Legal Aid",
            "enteredOn": entered_on,
        },
    )


async def not_located(api: Api, clock: Clock, child: dict[str, Any]) -> None:
    payload = await ok(
        api,
        CONTACT_ATTEMPT,
        "recordContactAttempt",
        {
            "childId": child["id"],
            "attemptedAt": iso(clock() - timedelta(hours=1)),
            "method": "HOME_VISIT",
            "outcome": "NOT_LOCATED",
        },
    )
    assert payload["child"]["locationStatus"] == "UNKNOWN"


async def set_alert(api: Api, child: dict[str, Any], kind: str, status: str, role: Role) -> None:
    alerts = (await api.data(CHILD_ALERTS, {"id": child["id"]}))["child"]["alerts"]
    [alert_id] = [a["id"] for a in alerts if a["kind"] == kind and a["status"] == "OPEN"]
    data = await api.data(
        UPDATE_ALERT, {"input": {"alertId": alert_id, "status": status}}, role=role
    )
    assert data["updateAlert"]["userErrors"] == []


@pytest.fixture
async def cohort(api: Api, clock: Clock, engine: AsyncEngine) -> Cohort:
    """Eleven synthetic children (the clock is at 2026-06-01T12:00Z, times are UTC in 2026;
    every hearing's notice is FILED at its court first; counsel "withdrawn" only withdrew):

    | child              | released to a sponsor       | to HHS      | notice | hearings                     | counsel   | location   |
    | twice              | 04-20 12:00 and 05-08 12:00 | 04-19 12:00 | none   | none                         | none      | UNVERIFIED |
    | issued_only        | 05-15 12:00                 | 05-14 12:00 | ISSUED | none                         | none      | UNVERIFIED |
    | appeared_withdrawn | 05-11 23:30                 | 05-10 23:30 | FILED  | HOU APPEARED                 | withdrawn | UNVERIFIED |
    | appeared_counsel   | 05-12 00:00                 | 05-11 00:00 | FILED  | HOU APPEARED, SNA SCHEDULED  | current   | UNVERIFIED |
    | appeared_sna       | 05-18 12:00                 | 05-17 12:00 | FILED  | SNA APPEARED                 | 2nd, now  | UNVERIFIED |
    | fta_absentia       | 05-20 12:00                 | 05-19 12:00 | FILED  | HOU FTA, HOU FTA in absentia | none      | UNKNOWN    |
    | fta_sna            | 05-24 23:30                 | 05-23 23:30 | FILED  | SNA FTA                      | none      | UNVERIFIED |
    | scheduled          | 05-25 00:00                 | 05-24 00:00 | FILED  | HOU SCHEDULED                | none      | UNVERIFIED |
    | served_only        | 05-30 12:00                 | 05-29 12:00 | SERVED | none                         | none      | UNKNOWN    |
    | in_hhs             | never                       | 05-30 12:00 | FILED  | HOU FTA                      | none      | VERIFIED   |
    | in_dhs             | never                       | never       | none   | none                         | none      | VERIFIED   |

    (twice returned to HHS on 04-25 between its releases.)
    """
    now = clock()
    made: dict[str, dict[str, Any]] = {}

    # twice: released, returned to HHS, released again to a new sponsor
    twice = await release_at(api, clock, at("2026-04-20"), "101 Oak Street")
    await ok(
        api,
        CUSTODY_EVENT,
        "recordCustodyEvent",
        {"childId": twice["id"], "kind": "RETURNED_TO_HHS", "occurredAt": iso(at("2026-04-25"))},
    )
    await ok(
        api,
        RELEASE,
        "releaseToSponsor",
        {
            "childId": twice["id"],
            "occurredAt": iso(at("2026-05-08")),
            "address": home_address(line1="102 Oak Street"),
            "sponsor": {"firstName": "Rosa", "lastName": "Synthetic", "relationship": "SIBLING"},
        },
    )
    made["twice"] = twice

    made["issued_only"] = await release_at(api, clock, at("2026-05-15"), "103 Oak Street")
    await issue(api, made["issued_only"], "2026-05-20")

    appeared_withdrawn = await release_at(api, clock, at("2026-05-11", "23:30"), "104 Oak Street")
    hearing = await scheduled_hearing(
        api, clock, appeared_withdrawn, court="HOU", at=now - timedelta(days=3)
    )
    await outcome(api, hearing, "APPEARED")
    # Counsel that withdrew (the API records a withdrawal only by new counsel entering).
    await insert_rows(
        engine,
        Representation(
            child_id=decode(appeared_withdrawn["id"], "Child", "id"),
            attorney_name="Withdrawn Synthetic-Counsel",
            entered_on=date(2026, 5, 12),
            withdrawn_on=date(2026, 5, 20),
        ),
    )
    made["appeared_withdrawn"] = appeared_withdrawn

    appeared_counsel = await release_at(api, clock, at("2026-05-12", "00:00"), "105 Oak Street")
    hearing = await scheduled_hearing(
        api, clock, appeared_counsel, court="HOU", at=now - timedelta(days=3)
    )
    await outcome(api, hearing, "APPEARED")
    await scheduled_hearing(api, clock, appeared_counsel, court="SNA", at=now + timedelta(days=14))
    await counsel(api, appeared_counsel, "2026-05-15", "Elena Synthetic-Ruiz")
    made["appeared_counsel"] = appeared_counsel

    appeared_sna = await release_at(api, clock, at("2026-05-18"), "106 Oak Street")
    hearing = await scheduled_hearing(
        api, clock, appeared_sna, court="SNA", at=now - timedelta(days=3)
    )
    await outcome(api, hearing, "APPEARED")
    await counsel(api, appeared_sna, "2026-05-19", "Tomás Synthetic-Vega")
    await counsel(api, appeared_sna, "2026-05-25", "Lucía Synthetic-Mora")
    made["appeared_sna"] = appeared_sna

    fta_absentia = await release_at(api, clock, at("2026-05-20"), "107 Oak Street")
    first = await scheduled_hearing(
        api, clock, fta_absentia, court="HOU", at=now - timedelta(days=4)
    )
    await outcome(api, first, "FAILED_TO_APPEAR")
    second = await scheduled_hearing(
        api, clock, fta_absentia, court="HOU", at=now - timedelta(days=2)
    )
    await outcome(api, second, "FAILED_TO_APPEAR", inAbsentiaOrder=True)
    await not_located(api, clock, fta_absentia)
    made["fta_absentia"] = fta_absentia

    fta_sna = await release_at(api, clock, at("2026-05-24", "23:30"), "108 Oak Street")
    hearing = await scheduled_hearing(api, clock, fta_sna, court="SNA", at=now - timedelta(days=2))
    await outcome(api, hearing, "FAILED_TO_APPEAR")
    await set_alert(api, fta_sna, "FAILED_TO_APPEAR", "ACKNOWLEDGED", Role.OFFICER)
    made["fta_sna"] = fta_sna

    made["scheduled"] = await release_at(api, clock, at("2026-05-25", "00:00"), "109 Oak Street")
    await scheduled_hearing(api, clock, made["scheduled"], court="HOU", at=now + timedelta(days=10))

    served_only = await release_at(api, clock, at("2026-05-30"), "110 Oak Street")
    notice = await issue(api, served_only, "2026-05-31")
    await ok(
        api,
        SERVE_NOTICE,
        "serveNotice",
        {"noticeId": notice["id"], "servedOn": "2026-05-31", "method": "MAIL"},
    )
    await not_located(api, clock, served_only)
    await set_alert(api, served_only, "LOCATION_UNKNOWN", "RESOLVED", Role.SUPERVISOR)
    made["served_only"] = served_only

    in_hhs = await in_hhs_child(api, clock, transferred_days_ago=2)
    hearing = await scheduled_hearing(api, clock, in_hhs, court="HOU", at=now - timedelta(days=1))
    await outcome(api, hearing, "FAILED_TO_APPEAR")
    made["in_hhs"] = in_hhs

    made["in_dhs"] = await intake_child(api, clock)

    # the alerts as the table above says
    statuses = {}
    for name, child in made.items():
        record = (await api.data(CHILD_ALERTS, {"id": child["id"]}))["child"]
        statuses[name] = sorted((a["kind"], a["status"]) for a in record["alerts"])
    assert statuses == {
        **{name: [] for name in made},
        "fta_absentia": [("FAILED_TO_APPEAR", "OPEN"), ("LOCATION_UNKNOWN", "OPEN")],
        "fta_sna": [("FAILED_TO_APPEAR", "ACKNOWLEDGED")],
        "served_only": [("LOCATION_UNKNOWN", "RESOLVED")],
        "in_hhs": [("FAILED_TO_APPEAR", "OPEN")],
    }
    return made


# ---------------------------------------------------------------- the figures


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        pytest.param(
            {},
            # twice counts once; unserved: twice, issued_only; no hearing: twice, issued_only,
            # served_only; appeared: appeared_withdrawn, appeared_counsel, appeared_sna, of
            # whom the last two have counsel now
            figures(
                transferred=10,
                released=9,
                unserved=2,
                unheard=3,
                failed=2,
                failed_unknown=1,
                absentia=1,
                share=2 / 3,
            ),
            id="all-time",
        ),
        pytest.param(
            {"from": "2026-05-12", "to": "2026-05-24"},
            # released: appeared_counsel (05-12 00:00), issued_only, appeared_sna,
            # fta_absentia, fta_sna (05-24 23:30); not appeared_withdrawn (05-11 23:30) nor
            # scheduled (05-25 00:00). To HHS: issued_only, appeared_sna, fta_absentia,
            # fta_sna (05-23 23:30), scheduled (05-24 00:00)
            figures(
                transferred=5,
                released=5,
                unserved=1,
                unheard=1,
                failed=2,
                failed_unknown=1,
                absentia=1,
                share=1,
            ),
            id="window-inclusive-at-both-ends",
        ),
        pytest.param(
            {"from": "2026-05-25"},
            # released: scheduled, served_only (UNKNOWN, but never failed to appear); nobody
            # appeared. To HHS: served_only, in_hhs
            figures(
                transferred=2,
                released=2,
                unserved=0,
                unheard=1,
                failed=0,
                failed_unknown=0,
                absentia=0,
                share=0,
            ),
            id="from-only-nobody-appeared",
        ),
        pytest.param(
            {"to": "2026-05-11"},
            # released: twice, appeared_withdrawn (whose counsel withdrew: 0 of 1). To HHS:
            # twice, appeared_withdrawn (05-10 23:30), appeared_counsel (05-11 00:00)
            figures(
                transferred=3,
                released=2,
                unserved=1,
                unheard=1,
                failed=0,
                failed_unknown=0,
                absentia=0,
                share=0,
            ),
            id="to-only-withdrawn-counsel-is-none",
        ),
        pytest.param(
            {"from": "2026-05-08", "to": "2026-05-08"},
            # twice's second release, its first one outside the day
            figures(
                transferred=0,
                released=1,
                unserved=1,
                unheard=1,
                failed=0,
                failed_unknown=0,
                absentia=0,
                share=0,
            ),
            id="one-day-a-second-release",
        ),
        pytest.param(
            {"court": "HOU"},
            # appeared_withdrawn, appeared_counsel, fta_absentia, scheduled (in_hhs was never
            # released); appeared: appeared_withdrawn (no counsel), appeared_counsel (counsel)
            figures(
                transferred=10,
                released=4,
                unserved=0,
                unheard=0,
                failed=1,
                failed_unknown=1,
                absentia=1,
                share=1 / 2,
            ),
            id="court-HOU",
        ),
        pytest.param(
            {"court": " hou "},
            figures(
                transferred=10,
                released=4,
                unserved=0,
                unheard=0,
                failed=1,
                failed_unknown=1,
                absentia=1,
                share=1 / 2,
            ),
            id="court-code-trimmed-and-upper-cased",
        ),
        pytest.param(
            {"court": "SNA"},
            # appeared_counsel (SCHEDULED at SNA; it appeared at HOU), appeared_sna, fta_sna
            figures(
                transferred=10,
                released=3,
                unserved=0,
                unheard=0,
                failed=1,
                failed_unknown=0,
                absentia=0,
                share=1,
            ),
            id="court-SNA",
        ),
        pytest.param(
            {"from": "2026-05-12", "to": "2026-05-24", "court": "HOU"},
            # appeared_counsel, fta_absentia; transfers as in the window
            figures(
                transferred=5,
                released=2,
                unserved=0,
                unheard=0,
                failed=1,
                failed_unknown=1,
                absentia=1,
                share=1,
            ),
            id="window-and-court",
        ),
        pytest.param(
            {"court": "LAX"},
            {**ZEROS, "transferredToHhs": 10},
            id="court-with-no-hearings",
        ),
    ],
)
async def test_every_figure_of_the_report_counts_the_cohort_written_down(
    api: Api, cohort: Cohort, variables: dict[str, str], expected: dict[str, Any]
) -> None:
    # given the cohort of the fixture

    # when
    found, open_alerts = await report(api, variables)

    # then
    assert found == expected
    assert open_alerts == COHORT_OPEN_ALERTS


async def released_three_times(api: Api, clock: Clock) -> None:
    """A child released on 04-10, 04-20 and 05-01 (returned to HHS between), in 2026."""
    child = await release_at(api, clock, at("2026-04-10"), "201 Elm Street")
    for returned, released, street in (
        ("2026-04-12", "2026-04-20", "202 Elm Street"),
        ("2026-04-22", "2026-05-01", "203 Elm Street"),
    ):
        await ok(
            api,
            CUSTODY_EVENT,
            "recordCustodyEvent",
            {"childId": child["id"], "kind": "RETURNED_TO_HHS", "occurredAt": iso(at(returned))},
        )
        await ok(
            api,
            RELEASE,
            "releaseToSponsor",
            {
                "childId": child["id"],
                "occurredAt": iso(at(released)),
                "address": home_address(line1=street),
                "sponsor": {"firstName": "Ana", "lastName": "Synthetic", "relationship": "SIBLING"},
            },
        )


@pytest.mark.parametrize(
    ("window", "released"),
    [
        pytest.param({"from": "2026-04-15", "to": "2026-04-25"}, 1, id="only-the-middle-one"),
        pytest.param({"from": "2026-04-20", "to": "2026-04-20"}, 1, id="the-middle-one's-day"),
        pytest.param({"from": "2026-04-13", "to": "2026-04-19"}, 0, id="between-two"),
        pytest.param({"from": "2026-04-23", "to": "2026-04-30"}, 0, id="between-the-last-two"),
        pytest.param({"from": "2026-04-11"}, 1, id="the-last-two"),
        pytest.param({"to": "2026-04-10"}, 1, id="the-first"),
        pytest.param({"from": "2026-05-02"}, 0, id="after-all"),
    ],
)
async def test_a_release_between_a_childs_first_and_last_counts_in_its_window(
    api: Api, clock: Clock, window: dict[str, str], released: int
) -> None:
    # given
    await released_three_times(api, clock)

    # when
    found, _open_alerts = await report(api, window)

    # then: the child once, or not at all
    assert found["releasedToSponsor"] == released


async def test_the_represented_share_is_an_exact_fraction(api: Api, cohort: Cohort) -> None:
    # given: three children of the cohort appeared, two of them with counsel now

    # when
    found, _ = await report(api)

    # then
    assert found["representedShare"] == pytest.approx(2 / 3, rel=1e-12)


async def test_open_alerts_count_open_ones_of_all_children_whatever_the_filter(
    api: Api, cohort: Cohort
) -> None:
    # given: the OPEN FAILED_TO_APPEAR alert of in_hhs, a child never released

    # when: a window in which no child was released
    found, open_alerts = await report(api, {"from": "2026-01-01", "to": "2026-01-31"})

    # then
    assert found["releasedToSponsor"] == 0
    assert open_alerts == COHORT_OPEN_ALERTS


async def test_a_release_counts_on_its_utc_day_whatever_offset_it_was_given_in(
    api: Api, clock: Clock
) -> None:
    # given two children released 2026-05-24 20:00 at -05:00 (2026-05-25 01:00 UTC) and one
    # released 2026-05-25 01:00 at +03:00 (2026-05-24 22:00 UTC), all sent to HHS on 05-23
    released_at = [
        "2026-05-24T20:00:00-05:00",
        "2026-05-24T20:00:00-05:00",
        "2026-05-25T01:00:00+03:00",
    ]
    for number, occurred_at in enumerate(released_at):
        child = await in_hhs_child(api, clock, transferred_days_ago=9)
        await ok(
            api,
            RELEASE,
            "releaseToSponsor",
            {
                "childId": child["id"],
                "occurredAt": occurred_at,
                "address": home_address(line1=f"{301 + number} Birch Street"),
                "sponsor": {"firstName": "Rosa", "lastName": "Synthetic", "relationship": "PARENT"},
            },
        )

    # when
    on_24, _ = await report(api, {"from": "2026-05-24", "to": "2026-05-24"})
    on_25, _ = await report(api, {"from": "2026-05-25", "to": "2026-05-25"})

    # then
    assert (on_24["releasedToSponsor"], on_25["releasedToSponsor"]) == (1, 2)


async def test_an_empty_database_reports_zeros_and_every_alert_kind(api: Api) -> None:
    # given no children

    # when
    found, open_alerts = await report(api)
    windowed, windowed_alerts = await report(api, {"from": "2026-05-01", "to": "2026-05-31"})

    # then
    assert found == ZEROS
    assert windowed == ZEROS
    assert open_alerts == NO_OPEN_ALERTS
    assert windowed_alerts == NO_OPEN_ALERTS


async def test_open_alerts_list_each_kind_once_in_the_order_of_the_enum(api: Api) -> None:
    # given no children

    # when
    data = await api.data(REPORT, role=Role.OVERSIGHT)

    # then
    listed = data["oversightReport"]["openAlerts"]
    assert [entry["kind"] for entry in listed] == [kind.value for kind in AlertKind]
    assert {entry["count"] for entry in listed} == {0}


BY_COURT = """
query ByCourt($from: Date, $to: Date, $court: String) {
  oversightReport(from: $from, to: $to, court: $court) { failedToAppear failedToAppearByCourt { court count } }
}"""


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        # fta_absentia failed twice at HOU and counts once; fta_sna failed at SNA; in_hhs failed
        # at HOU but was never released, so is not of the cohort.
        pytest.param({}, [{"court": "HOU", "count": 1}, {"court": "SNA", "count": 1}], id="all"),
        pytest.param({"court": "SNA"}, [{"court": "SNA", "count": 1}], id="one-court"),
        pytest.param({"from": "2026-01-01", "to": "2026-01-31"}, [], id="a-window-of-none"),
    ],
)
async def test_failures_to_appear_by_court_count_the_cohorts_children_at_each(
    api: Api, cohort: Cohort, variables: dict[str, str], expected: list[dict[str, Any]]
) -> None:
    # given the cohort of the fixture

    # when
    found = (await api.data(BY_COURT, variables, role=Role.OVERSIGHT))["oversightReport"]

    # then
    assert found["failedToAppearByCourt"] == expected


# ---------------------------------------------------------------- who, and what is refused


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.INTEGRATION, Role.ADMIN])
async def test_only_oversight_reads_the_report(api: Api, clock: Clock, role: Role) -> None:
    # given a released child
    await released_child(api, clock, address=home_address(line1="201 Pine Street"))

    # when
    refused = await error_codes(api, {}, role=role)
    allowed, _ = await report(api, role=Role.OVERSIGHT)

    # then
    assert refused == ["FORBIDDEN"]
    assert allowed["releasedToSponsor"] == 1


async def test_to_before_from_is_invalid(api: Api) -> None:
    # when
    codes = await error_codes(api, {"from": "2026-05-10", "to": "2026-05-09"})

    # then
    assert codes == ["INVALID"]


@pytest.mark.parametrize("court", ["", "   "])
async def test_a_blank_court_is_invalid(api: Api, court: str) -> None:
    # when
    codes = await error_codes(api, {"court": court})

    # then
    assert codes == ["INVALID"]
