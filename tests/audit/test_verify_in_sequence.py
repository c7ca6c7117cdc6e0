"""SQLite verifies by reading the log once in sequence order and holding each record's replayed
state until its table's row is read; past a bound on the records held it checks by record
instead, as PostgreSQL does. Both ways find the same problems and name them the same."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import orjson
import pytest
from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    Integer,
    String,
    Uuid,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import AutoString

import audit.verify
from audit.canonical import canonical_json, canonical_read, stored_insert_changes
from audit.capture import AUDITED, PendingChange, columns_of
from audit.verify import Verification, _InSequence, _TooManyRecords, verify_database
from models import Address, CustodyEvent, Sponsor
from models.base import UTCDateTime
from tests.audit.test_tamper import (
    build_history,
    child_id,
    event_of,
    events,
    events_table,
    execute,
)
from tests.audit.test_verify_reading import AWKWARD_TEXT
from tests.conftest import ON_POSTGRES, Api, Clock

Tamper = Callable[[AsyncEngine, dict[str, Any]], Awaitable[None]]


class Paths:
    """Counts the verifications that read the log in sequence order, and those that read it
    by record."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.in_sequence = 0
        self.by_record = 0
        in_sequence, by_record = audit.verify._check_in_sequence, audit.verify._check_events

        async def counted_in_sequence(*args: Any) -> Any:
            found = await in_sequence(*args)
            self.in_sequence += 1
            return found

        async def counted_by_record(*args: Any) -> Any:
            self.by_record += 1
            return await by_record(*args)

        monkeypatch.setattr(audit.verify, "_check_in_sequence", counted_in_sequence)
        monkeypatch.setattr(audit.verify, "_check_events", counted_by_record)

    def taken(self) -> tuple[int, int]:
        taken = (self.in_sequence, self.by_record)
        self.in_sequence = self.by_record = 0
        return taken


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> Paths:
    return Paths(monkeypatch)


async def verified_both_ways(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, paths: Paths
) -> Verification:
    """Verify in sequence order, then with no room for any record; returns the first report,
    having checked that the second says the same and each took the path it should."""
    first = await verify_database(engine)
    assert paths.taken() == ((0, 1) if ON_POSTGRES else (1, 0))
    monkeypatch.setattr(audit.verify, "_RECORDS_HELD", 0)
    second = await verify_database(engine)
    assert paths.taken() == (0, 1)
    assert second.as_dict() == first.as_dict()
    assert second.problems == first.problems
    return first


async def live_records(engine: AsyncEngine) -> int:
    records = 0
    async with engine.connect() as connection:
        for table in AUDITED:
            rows = table.__table__  # type: ignore[attr-defined]
            count: int = (
                await connection.execute(select(func.count()).select_from(rows))
            ).scalar_one()
            records += count
    return records


# ---------------------------------------------------------------- the bound


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL always verifies by record")
async def test_the_log_is_read_in_sequence_while_its_records_fit_and_by_record_past_that(
    engine: AsyncEngine, api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch, paths: Paths
) -> None:
    # given
    await build_history(api, clock)
    records = await live_records(engine)

    # when
    monkeypatch.setattr(audit.verify, "_RECORDS_HELD", records)
    fitting = await verify_database(engine)
    fitting_took = paths.taken()
    monkeypatch.setattr(audit.verify, "_RECORDS_HELD", records - 1)
    overflowing = await verify_database(engine)
    overflowing_took = paths.taken()

    # then
    assert fitting_took == (1, 0)
    assert overflowing_took == (0, 1)
    assert fitting.valid is True
    assert overflowing.as_dict() == fitting.as_dict()


def synthetic_event(sequence: int, key: str, changes: list[dict[str, Any]]) -> tuple[Any, ...]:
    """A Sponsor event as verification reads it, its hash aside."""
    return (
        sequence,
        str(uuid.uuid4()),
        "2026-06-01T12:00:00.000000Z",
        "clerk",
        "OFFICER",
        "recordSponsor",
        "Sponsor",
        key,
        1,
        None,
        orjson.dumps(changes).decode(),
        None,
        None,
        "0" * 64,
        "f" * 64,
    )


def test_a_deleted_record_is_no_longer_held() -> None:
    # given: room for one record, which is inserted and deleted before another is inserted
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    inserted = [{"field": "id", "after": first}, {"field": "first_name", "after": "Rosa"}]
    deleted = [{"field": "id", "after": None}, {"field": "first_name", "after": None}]
    replaced = [{"field": "id", "after": second}, {"field": "first_name", "after": "Ana"}]
    log = _InSequence(Verification(), set(), {"Sponsor": ["id", "first_name"]}, limit=1)

    # when
    log.feed(
        [
            synthetic_event(1, first, inserted),
            synthetic_event(2, first, deleted),
            synthetic_event(3, second, replaced),
        ]
    )

    # then
    assert log.states["Sponsor"][0] == {second: (second, "Ana")}
    with pytest.raises(_TooManyRecords):
        log.feed([synthetic_event(4, first, inserted)])


def test_an_insert_gives_the_same_state_whatever_the_order_of_its_changes() -> None:
    # given: two records inserted with every column, one in the state's order (taken as it
    # is) and one in another (replayed change by change), then both updated
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    names = ["first_name", "id", "last_name"]

    def inserted(key: str) -> list[dict[str, Any]]:
        return [
            {"field": "first_name", "after": "Rosa"},
            {"field": "id", "after": key},
            {"field": "last_name", "after": "Mejía"},
        ]

    renamed = [{"field": "last_name", "after": "Mejía Cruz"}]
    log = _InSequence(Verification(), set(), {"Sponsor": names}, limit=10)

    # when
    log.feed(
        [
            synthetic_event(1, first, inserted(first)),
            synthetic_event(2, second, inserted(second)[::-1]),
            synthetic_event(3, first, renamed),
            synthetic_event(4, second, renamed),
        ]
    )

    # then
    assert log.states["Sponsor"][0] == {
        first: ("Rosa", first, "Mejía Cruz"),
        second: ("Rosa", second, "Mejía Cruz"),
    }


# ---------------------------------------------------------------- the same findings both ways


async def update_a_child(engine: AsyncEngine, child: dict[str, Any]) -> None:
    await execute(
        engine,
        text("UPDATE child SET first_name = 'Zoë' WHERE a_number = :a_number").bindparams(
            a_number=child["aNumber"]
        ),
    )


async def insert_a_sponsor(engine: AsyncEngine, child: dict[str, Any]) -> None:
    await execute(
        engine,
        insert(Sponsor.__table__).values(  # type: ignore[attr-defined]
            id=uuid.uuid4(), first_name="Rosa", last_name="Díaz", relationship="PARENT"
        ),
    )


async def delete_an_address(engine: AsyncEngine, child: dict[str, Any]) -> None:
    table = Address.__table__  # type: ignore[attr-defined]
    owner = await child_id(engine, child["aNumber"])
    await execute(engine, delete(table).where(table.c.child_id == owner))


async def edit_the_changes_of_an_event(engine: AsyncEngine, child: dict[str, Any]) -> None:
    event = event_of(await events(engine), "releaseToSponsor", "Child")
    changes = [
        {**change, "after": "IN_HHS_CUSTODY"} if change["field"] == "custody_status" else change
        for change in event["changes"]
    ]
    await execute(
        engine,
        update(events_table)
        .where(events_table.c.sequence == event["sequence"])
        .values(changes=changes),
    )


async def delete_an_event(engine: AsyncEngine, child: dict[str, Any]) -> None:
    event = event_of(await events(engine), "releaseToSponsor", "Address")
    await execute(engine, delete(events_table).where(events_table.c.sequence == event["sequence"]))


async def edit_every_event(engine: AsyncEngine, child: dict[str, Any]) -> None:
    # More problems than a report keeps, so both ways must keep the same first ones.
    await execute(engine, update(events_table).values(reason="edited"))


async def relink_an_event(engine: AsyncEngine, child: dict[str, Any]) -> None:
    event = event_of(await events(engine), "recordAddress", "Address")
    await execute(
        engine,
        update(events_table)
        .where(events_table.c.sequence == event["sequence"])
        .values(previous_hash="e" * 64),
    )


@pytest.mark.parametrize(
    ("tamper", "drifted", "chain_broken"),
    [
        (update_a_child, ["Child"], False),
        (insert_a_sponsor, ["Sponsor"], False),
        (delete_an_address, ["Address", "Address"], False),
        (edit_the_changes_of_an_event, ["Child"], True),
        (delete_an_event, ["Address"], True),
        (edit_every_event, [], True),
        (relink_an_event, [], True),
    ],
)
@pytest.mark.usefixtures("unguarded")
async def test_both_ways_find_the_same(
    engine: AsyncEngine,
    api: Api,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    paths: Paths,
    tamper: Tamper,
    drifted: list[str],
    chain_broken: bool,
) -> None:
    # given
    child = await build_history(api, clock)

    # when
    await tamper(engine, child)

    # then
    report = await verified_both_ways(engine, monkeypatch, paths)
    assert report.valid is False
    assert [entity_type for entity_type, _ in report.drifted] == drifted
    assert (report.first_invalid_sequence is not None) == chain_broken
    assert bool(report.problems) == chain_broken


async def test_an_untouched_history_verifies_both_ways(
    engine: AsyncEngine, api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch, paths: Paths
) -> None:
    # given
    await build_history(api, clock)
    rows = await events(engine)

    # when
    report = await verified_both_ways(engine, monkeypatch, paths)

    # then
    assert report.valid is True
    assert report.event_count == len(rows)
    assert report.head_hash == rows[-1]["hash"]


# ---------------------------------------------------------------- SQLite's stored form


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL reads every value in canonical form")
async def test_an_untouched_history_is_hashed_as_stored_without_turning_an_event(
    engine: AsyncEngine, api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    await build_history(api, clock)
    turned: list[Any] = []
    checked = audit.verify._checked_changes

    def counted(report: Verification, event: Any) -> Any:
        turned.append(event)
        return checked(report, event)

    monkeypatch.setattr(audit.verify, "_checked_changes", counted)

    # when
    report = await verify_database(engine)

    # then
    assert report.valid is True
    assert report.event_count > 0
    assert turned == []


@pytest.mark.skipif(ON_POSTGRES, reason="only SQLite keeps UUIDs and instants as text")
@pytest.mark.parametrize(
    ("column", "stored"),
    [
        ("recorded_at", "substr(recorded_at, 1, 10) || '_' || substr(recorded_at, 12)"),
        ("event_id", "substr(event_id, 1, 31)"),
        ("child_id", "12345"),
        ("recorded_at", "12345"),  # a number, where the history writes text
    ],
)
@pytest.mark.usefixtures("unguarded")
async def test_a_value_stored_in_another_form_breaks_its_event(
    engine: AsyncEngine, api: Api, clock: Clock, column: str, stored: str
) -> None:
    # given
    await build_history(api, clock)
    event = event_of(await events(engine), "releaseToSponsor", "Child")

    # when
    edit = f"UPDATE audit_event SET {column} = {stored} WHERE sequence = :sequence"  # noqa: S608 - constants
    await execute(engine, text(edit).bindparams(sequence=event["sequence"]))
    report = await verify_database(engine)

    # then
    assert report.valid is False
    assert report.first_invalid_sequence == event["sequence"]
    assert report.problems == [f"event {event['sequence']} does not match its hash"]


@pytest.mark.skipif(ON_POSTGRES, reason="only SQLite keeps UUIDs as text")
@pytest.mark.usefixtures("unguarded")
async def test_a_record_key_stored_in_another_form_names_another_record(
    engine: AsyncEngine, api: Api, clock: Clock
) -> None:
    # given: the event names its child with hyphens, which SQLite does not store
    child = await build_history(api, clock)
    event = event_of(await events(engine), "releaseToSponsor", "Child")

    # when
    await execute(
        engine,
        text(
            "UPDATE audit_event SET entity_id = substr(entity_id, 1, 8) || '-' || "
            "substr(entity_id, 9) WHERE sequence = :sequence"
        ).bindparams(sequence=event["sequence"]),
    )
    report = await verify_database(engine)

    # then: the child's history stops before it, and another's starts with a change
    owner = await child_id(engine, child["aNumber"])
    assert report.valid is False
    assert report.drifted == [("Child", owner), ("Child", owner)]


@pytest.mark.skipif(ON_POSTGRES, reason="only SQLite keeps UUIDs and instants as text")
@pytest.mark.parametrize(
    ("column", "stored"),
    [
        # the same values in forms SQLAlchemy never writes (which sort otherwise as text) ...
        ("id", "substr(id, 1, 8) || '-' || substr(id, 9)"),
        ("id", "upper(id)"),
        ("occurred_at", "replace(occurred_at, ' ', 'T')"),
        # ... and another instant, another value and another text
        ("occurred_at", "replace(occurred_at, '.', '1.')"),
        ("kind", "'RETURNED_TO_HHS'"),
        ("facility", "'a \"quoted\" facility'"),
    ],
)
@pytest.mark.usefixtures("unguarded")
async def test_a_row_value_stored_in_another_form_has_drifted(
    engine: AsyncEngine, api: Api, clock: Clock, column: str, stored: str
) -> None:
    # given: the released child's custody events, as their history has them
    child = await build_history(api, clock)
    owner = await child_id(engine, child["aNumber"])
    table = CustodyEvent.__table__  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        edited = (
            await connection.execute(select(table.c.id).where(table.c.child_id == owner).limit(1))
        ).scalar_one()
    assert (await verify_database(engine)).valid

    # when
    edit = f"UPDATE custody_event SET {column} = {stored} WHERE id = :id"  # noqa: S608 - constants
    await execute(engine, text(edit).bindparams(id=edited.hex))
    report = await verify_database(engine)

    # then: the row has drifted (a new key is a record no event made, and one gone)
    assert report.valid is False
    assert report.problems == []
    assert report.drifted == [("CustodyEvent", edited)] * (2 if column == "id" else 1)


# ---------------------------------------------------------------- a row against its insert


def row_values(table: Any, number: int) -> dict[str, Any]:
    """A synthetic row of any audited table, its text awkward and every nullable column null
    on odd numbers."""
    values: dict[str, Any] = {}
    for column in table.c:
        kind = column.type
        value: Any
        if column.nullable and number % 2:
            value = None
        elif isinstance(kind, UTCDateTime):
            value = datetime(2026, 6, 1, 12, 0, 0, number * 123457 % 1_000_000, tzinfo=UTC)
        elif isinstance(kind, Uuid):
            value = uuid.uuid4()
        elif isinstance(kind, Enum):
            members: list[Any] = list(kind.enum_class or ())
            value = members[number % len(members)]
        elif isinstance(kind, Date):
            value = date(2026, 6, 1) + timedelta(days=number)
        elif isinstance(kind, Boolean):
            value = bool(number % 2)
        elif isinstance(kind, Integer):
            value = number + 1
        else:  # each row's own, for the tables' unique columns
            again = number // len(AWKWARD_TEXT)
            value = AWKWARD_TEXT[number % len(AWKWARD_TEXT)] + " again" * again
        values[column.name] = value
    return values


async def insert_unchecked(engine: AsyncEngine, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert through the engine's types, past the table's foreign keys and checks."""
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute("PRAGMA foreign_keys = OFF")
        await driver.execute("PRAGMA ignore_check_constraints = ON")
        await connection.execute(insert(table), rows)
        await connection.commit()


async def rendered_as_stored(
    engine: AsyncEngine, table: Any
) -> tuple[Callable[[Any], str | None], list[tuple[Any, ...]]]:
    """The renderer of the table's inserts, and its rows as verification reads them from
    SQLite: as stored, past the engine's types, in the order of their columns' names."""
    columns = sorted(table.c, key=lambda column: column.name)
    render = stored_insert_changes(columns)
    assert render is not None
    reading = canonical_read(columns, "sqlite")
    async with engine.connect() as connection:
        rows = await connection.exec_driver_sql(
            str(select(*reading.columns).compile(dialect=connection.dialect))
        )
        return render, [tuple(row) for row in rows]


def insert_text(model: Any, values: dict[str, Any]) -> str:
    """The `changes` text the history writes for this row's insert."""
    inserted = PendingChange("any", values["id"], None, "insert", after=columns_of(model(**values)))
    return canonical_json(inserted.changes())


def renders_as(render: Callable[[Any], str | None], row: tuple[Any, ...], text: str) -> bool:
    try:
        return render(row) == text
    except (TypeError, AttributeError):
        return False


_Test = TypeVar("_Test", bound=Callable[..., Any])


def each_stored_table(test: _Test) -> _Test:
    """The test for each audited table, on SQLite, whose rows are compared as stored."""
    for_each = pytest.mark.parametrize("model", list(AUDITED), ids=lambda model: model.__name__)
    skipped = pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL's rows are read canonical")
    marked: _Test = skipped(for_each(test))
    return marked


@each_stored_table
async def test_a_row_as_sqlite_stores_it_renders_as_its_insert(
    engine: AsyncEngine, model: Any
) -> None:
    # given: rows of awkward values, stored by the engine's own types (the tables' foreign
    # keys and checks are not the point here)
    table = model.__table__
    rows = [row_values(table, number) for number in range(2 * len(AWKWARD_TEXT))]
    await insert_unchecked(engine, table, rows)

    # when
    render, stored = await rendered_as_stored(engine, table)

    # then
    texts = {values["id"].hex: insert_text(model, values) for values in rows}
    key_at = sorted(table.c.keys()).index("id")
    assert len(stored) == len(rows)
    for row in stored:
        assert render(row) == texts[row[key_at]]


# Forms of a stored value that its record's insert never had: a UUID with hyphens, a quote
# or a backslash, an instant with a "T", and values of another type.
OTHER_FORMS: list[tuple[type, Callable[[Any], Any]]] = [
    (Uuid, lambda value: f"{value[:8]}-{value[8:]}"),
    (Uuid, lambda value: f'{value[:31]}"'),
    (Uuid, lambda value: f"{value[:31]}\\"),
    (Uuid, lambda value: value + "0"),
    (Uuid, lambda value: value.encode()),
    (UTCDateTime, lambda value: value.replace(" ", "T")),
    (UTCDateTime, lambda value: f'{value}"'),
    (UTCDateTime, lambda value: value.encode()),
    (String, lambda value: value.encode()),
    (String, lambda value: 7),
    (Date, lambda value: value.replace("-", "/")),
    (Integer, lambda value: str(value)),
    (Integer, lambda value: float(value) + 0.5),
    (Boolean, lambda value: 2),
    (Boolean, lambda value: str(value)),
]


@each_stored_table
async def test_a_row_in_another_form_does_not_render_as_its_insert(
    engine: AsyncEngine, model: Any
) -> None:
    # given: one stored row (its constraints aside, as above), which renders as its insert
    table = model.__table__
    values = row_values(table, 0)
    await insert_unchecked(engine, table, [values])
    render, (row,) = await rendered_as_stored(engine, table)
    text = insert_text(model, values)
    assert render(row) == text

    # when: each value in turn in each form its kind is never stored in
    changed = 0
    for at, column in enumerate(sorted(table.c, key=lambda column: column.name)):
        kind = column.type.impl if isinstance(column.type, AutoString) else column.type
        for form_of, other_form in OTHER_FORMS:
            if not isinstance(kind, form_of) or (form_of is String and isinstance(kind, Enum)):
                continue
            other = (*row[:at], other_form(row[at]), *row[at + 1 :])

            # then
            assert not renders_as(render, other, text), (column.name, other[at])
            changed += 1
    assert changed >= len(table.c)
