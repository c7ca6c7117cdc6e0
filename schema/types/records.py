"""The case-record types of the API, each built `from_row` of its table with the relations the
query selected already loaded: every field is a plain attribute (no per-field resolver work)."""

import uuid
from datetime import date, datetime
from typing import Any, cast

import strawberry

import models
import schema.types.enums  # noqa: F401  (registers the enums)
from models.enums import (
    AddressIssue,
    AddressSource,
    AlertKind,
    AlertStatus,
    ContactMethod,
    ContactOutcome,
    CustodyEventKind,
    CustodyStatus,
    DuplicateReason,
    HearingStatus,
    HearingType,
    LocationStatus,
    NoticeStatus,
    ServiceMethod,
    SponsorRelationship,
    VerificationStatus,
)
from resolvers import history, reads, work
from resolvers.history import AuditFilter
from resolvers.reads import Include, Reading
from schema.context import Info
from schema.ids import encode
from schema.permissions import CanAudit, CanReadCases, CanReadHistory
from schema.types.base import Node
from schema.types.connections import Connection
from schema.types.history import AccessRecord, AuditEvent, event_connection

# Stands in for a required relation the query did not select: it is never read.
_NOT_SELECTED: Any = None


@strawberry.type
class Sponsor(Node):
    first_name: str
    last_name: str
    relationship: SponsorRelationship
    phone: str | None = strawberry.field(description="E.164, e.g. +12025550143.")
    children: list["Child"]

    @classmethod
    def from_row(cls, row: models.Sponsor, include: Include, reading: Reading) -> "Sponsor":
        below = include.get("children")
        return cls(
            id=encode("Sponsor", row.id),
            first_name=row.first_name,
            last_name=row.last_name,
            relationship=row.relationship,
            phone=row.phone,
            children=[Child.from_row(c, below, reading) for c in row.children]
            if below is not None
            else [],
        )


@strawberry.type
class Address(Node):
    line1: str
    line2: str | None
    city: str
    state: str
    postal_code: str
    effective_from: date
    effective_to: date | None
    source: AddressSource
    verification: VerificationStatus
    verified_at: datetime | None
    issues: list[AddressIssue]

    @classmethod
    def from_row(cls, row: models.Address, include: Include, reading: Reading) -> "Address":
        return cls(
            id=encode("Address", row.id),
            line1=row.line1,
            line2=row.line2,
            city=row.city,
            state=row.state,
            postal_code=row.postal_code,
            effective_from=row.effective_from,
            effective_to=row.effective_to,
            source=row.source,
            verification=row.verification,
            verified_at=row.verified_at,
            issues=reading.address_issues.get(row.id, []),
        )


@strawberry.type
class CustodyEvent(Node):
    kind: CustodyEventKind
    occurred_at: datetime
    facility: str | None
    sponsor: Sponsor | None

    @classmethod
    def from_row(
        cls, row: models.CustodyEvent, include: Include, reading: Reading
    ) -> "CustodyEvent":
        below = include.get("sponsor")
        return cls(
            id=encode("CustodyEvent", row.id),
            kind=row.kind,
            occurred_at=row.occurred_at,
            facility=row.facility,
            sponsor=Sponsor.from_row(row.sponsor, below, reading)
            if below is not None and row.sponsor is not None
            else None,
        )


@strawberry.type
class Notice(Node):
    status: NoticeStatus
    issued_on: date
    served_on: date | None
    service_method: ServiceMethod | None
    filed_on: date | None
    court: str

    @classmethod
    def from_row(cls, row: models.Notice, include: Include, reading: Reading) -> "Notice":
        return cls(
            id=encode("Notice", row.id),
            status=row.status,
            issued_on=row.issued_on,
            served_on=row.served_on,
            service_method=row.service_method,
            filed_on=row.filed_on,
            court=row.court,
        )


@strawberry.type
class Hearing(Node):
    court: str
    type: HearingType
    scheduled_for: datetime
    status: HearingStatus = strawberry.field(
        description="OVERDUE: SCHEDULED, its time passed, and no outcome recorded yet."
    )
    in_absentia_order: bool
    child: "Child" = strawberry.field(permission_classes=[CanReadCases])

    @classmethod
    def from_row(cls, row: models.Hearing, include: Include, reading: Reading) -> "Hearing":
        below = include.get("child")
        return cls(
            id=encode("Hearing", row.id),
            court=row.court,
            type=row.type,
            scheduled_for=row.scheduled_for,
            status=reads.hearing_status(row, reading.now),
            in_absentia_order=row.in_absentia_order,
            child=Child.from_row(row.child, below, reading) if below is not None else _NOT_SELECTED,
        )


@strawberry.type
class Representation(Node):
    attorney_name: str
    organization: str | None
    entered_on: date
    withdrawn_on: date | None

    @classmethod
    def from_row(
        cls, row: models.Representation, include: Include, reading: Reading
    ) -> "Representation":
        return cls(
            id=encode("Representation", row.id),
            attorney_name=row.attorney_name,
            organization=row.organization,
            entered_on=row.entered_on,
            withdrawn_on=row.withdrawn_on,
        )


@strawberry.type
class ContactAttempt(Node):
    attempted_at: datetime
    method: ContactMethod
    outcome: ContactOutcome
    notes: str | None

    @classmethod
    def from_row(
        cls, row: models.ContactAttempt, include: Include, reading: Reading
    ) -> "ContactAttempt":
        return cls(
            id=encode("ContactAttempt", row.id),
            attempted_at=row.attempted_at,
            method=row.method,
            outcome=row.outcome,
            notes=row.notes,
        )


@strawberry.type
class Alert(Node):
    kind: AlertKind
    status: AlertStatus
    raised_at: datetime
    child: "Child"
    detail: str
    due_at: datetime = strawberry.field(
        description="When it should be acted on: raised, plus its kind's response time "
        "(an alert raised before due times were kept: when raised)."
    )
    assigned_to: str | None = strawberry.field(
        description="The officer working it (a token's name); null: nobody yet."
    )
    next_step: str = strawberry.field(description="What acting on it means.")

    @classmethod
    def from_row(cls, row: models.Alert, include: Include, reading: Reading) -> "Alert":
        below = include.get("child")
        return cls(
            id=encode("Alert", row.id),
            kind=row.kind,
            status=row.status,
            raised_at=row.raised_at,
            child=Child.from_row(row.child, below, reading) if below is not None else _NOT_SELECTED,
            detail=row.detail,
            due_at=work.due_of(row),
            assigned_to=row.assigned_to,
            next_step=work.next_step(row),
        )


@strawberry.type
class Child(Node):
    a_number: str = strawberry.field(description="9 digits, no prefix or dashes.")
    first_name: str
    last_name: str
    date_of_birth: date
    country_of_birth: str = strawberry.field(description="ISO 3166-1 alpha-2 code.")
    custody_status: CustodyStatus
    location_status: LocationStatus
    version: int
    field_office: str | None = strawberry.field(
        description="The field office (its code) working the case: the one covering the "
        "current address's ZIP, else its latest hearing's court, until a transferChild; null "
        "while no office covers the child."
    )
    sponsor: Sponsor | None
    current_address: Address | None
    addresses: list[Address] = strawberry.field(description="Residence history, oldest first.")
    custody_events: list[CustodyEvent]
    notices: list[Notice]
    hearings: list[Hearing]
    next_hearing: Hearing | None
    representation: Representation | None
    contact_attempts: list[ContactAttempt]
    all_alerts: strawberry.Private[list[Alert]]
    record_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    def alerts(self, status: AlertStatus | None = None) -> list[Alert]:
        return [a for a in self.all_alerts if status is None or a.status == status]

    @strawberry.field(
        permission_classes=[CanReadHistory],
        description="Every recorded change of the child and its records, oldest first.",
    )
    async def history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[AuditEvent]:
        return await event_connection(
            info, AuditFilter(child_id=self.record_id), first=first, after=after
        )

    @strawberry.field(
        permission_classes=[CanAudit],
        description="Who read this child's record and when, newest first (OVERSIGHT).",
    )
    async def access_log(self, info: Info, first: int | None = None) -> list[AccessRecord]:
        async with info.context.read_sessions() as session:
            rows = await history.reads_of(session, self.record_id, first=first)
        return [AccessRecord.from_row(r) for r in rows]

    @strawberry.field(
        description="Other records that may be this same child, likeliest first: a name spelled "
        "differently on the same birth date, or the A-number one keystroke off. For a person "
        "to check; `mergeChildren` makes two records one."
    )
    async def possible_duplicates(self, info: Info) -> list["PossibleDuplicate"]:
        # Here, not at the top: schema.loading imports this module.
        from schema.loading import duplicates_of

        return await duplicates_of(info, self.record_id)

    @strawberry.field(description="The records merged into this one, oldest first.")
    async def merges(self, info: Info) -> list["ChildMerge"]:
        async with info.context.read_sessions() as session:
            rows = await history.merges_into(session, self.record_id)
        return [ChildMerge.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: models.Child, include: Include, reading: Reading) -> "Child":
        def many(relation: str, convert: Any) -> list[Any]:
            below = include.get(relation)
            if below is None:
                return []
            return [convert(r, below, reading) for r in getattr(row, relation)]

        addresses = many("addresses", Address.from_row)
        hearing_rows = row.hearings if "hearings" in include else []
        hearings = many("hearings", Hearing.from_row)
        upcoming = reads.next_hearing(hearing_rows, reading.now)
        representation = reads.current_representation(
            row.representations if "representations" in include else []
        )
        sponsor_below = include.get("sponsor")
        return cls(
            id=encode("Child", row.id),
            a_number=row.a_number,
            first_name=row.first_name,
            last_name=row.last_name,
            date_of_birth=row.date_of_birth,
            country_of_birth=row.country_of_birth,
            custody_status=row.custody_status,
            location_status=row.location_status,
            version=row.version,
            field_office=row.field_office,
            sponsor=Sponsor.from_row(row.sponsor, sponsor_below, reading)
            if sponsor_below is not None and row.sponsor is not None
            else None,
            current_address=next((a for a in addresses if a.effective_to is None), None),
            addresses=addresses,
            custody_events=many("custody_events", CustodyEvent.from_row),
            notices=many("notices", Notice.from_row),
            hearings=hearings,
            next_hearing=hearings[hearing_rows.index(upcoming)] if upcoming is not None else None,
            representation=Representation.from_row(representation, {}, reading)
            if representation is not None
            else None,
            contact_attempts=many("contact_attempts", ContactAttempt.from_row),
            all_alerts=many("alerts", Alert.from_row),
            record_id=row.id,
        )


@strawberry.type(
    description="Another record that may be this same child: a warning for a person to "
    "check, not a finding."
)
class PossibleDuplicate:
    child: Child
    similarity: float = strawberry.field(description="How alike the two names are, 0 to 1.")
    reasons: list[DuplicateReason]


@strawberry.type(
    description="A second record of a child, merged into this one: its records were moved "
    "here and its own row removed. Its history is kept under its own ID and is part of this "
    "child's history."
)
class ChildMerge:
    merged_child_id: strawberry.ID = strawberry.field(
        description="The merged record's ID, as its history events still name it."
    )
    merged_a_number: str
    merged_at: datetime

    @classmethod
    def from_row(cls, row: models.ChildMerge) -> "ChildMerge":
        return cls(
            merged_child_id=encode("Child", row.merged_child_id),
            merged_a_number=row.merged_a_number,
            merged_at=row.merged_at,
        )


def as_node(row: Any, include: Include, reading: Reading) -> Node:
    """The API object for any record loaded by `node(id:)`."""
    converter = cast(Any, _BY_TABLE[type(row)]).from_row
    return cast(Node, converter(row, include, reading))


_BY_TABLE: dict[type, type[Node]] = {
    models.Child: Child,
    models.Sponsor: Sponsor,
    models.Address: Address,
    models.CustodyEvent: CustodyEvent,
    models.Notice: Notice,
    models.Hearing: Hearing,
    models.Representation: Representation,
    models.ContactAttempt: ContactAttempt,
    models.Alert: Alert,
}
NODE_TABLES: dict[str, type] = {node.__name__: table for table, node in _BY_TABLE.items()}
