"""Input types of the API: filters and the mutations' inputs."""

from datetime import date, datetime

import strawberry

import schema.types.enums  # noqa: F401  (registers the enums)
from models.enums import (
    AddressSource,
    AlertKind,
    AlertStatus,
    ContactMethod,
    ContactOutcome,
    CustodyEventKind,
    CustodyStatus,
    HearingStatus,
    HearingType,
    LocationStatus,
    Role,
    ServiceMethod,
    SponsorRelationship,
    VerificationStatus,
)
from resolvers import history, reads
from resolvers.addresses import AddressFields
from resolvers.custody import SponsorFields
from resolvers.errors import NotFound
from schema.ids import decode_any


@strawberry.input
class ChildFilter:
    custody_status: list[CustodyStatus] | None = None
    location_status: list[LocationStatus] | None = None
    court: str | None = strawberry.field(default=None, description="Has a hearing at this court.")
    failed_to_appear: bool | None = None
    notice_served: bool | None = strawberry.field(
        default=None, description="Has a notice SERVED or FILED."
    )
    represented: bool | None = None
    released_from: date | None = None
    released_to: date | None = None
    search: str | None = strawberry.field(
        default=None,
        description="An A-number, or words that begin the first or last name (accents ignored).",
    )

    def to_filter(self) -> reads.ChildFilter:
        return reads.ChildFilter(
            custody_status=self.custody_status,
            location_status=self.location_status,
            court=self.court,
            failed_to_appear=self.failed_to_appear,
            notice_served=self.notice_served,
            represented=self.represented,
            released_from=self.released_from,
            released_to=self.released_to,
            search=self.search,
        )


@strawberry.input
class HearingFilter:
    court: str | None = None
    status: list[HearingStatus] | None = None
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None

    def to_filter(self) -> reads.HearingFilter:
        return reads.HearingFilter(
            court=self.court, status=self.status, scheduled_from=self.from_, scheduled_to=self.to
        )


@strawberry.input
class AlertFilter:
    kind: list[AlertKind] | None = None
    status: list[AlertStatus] | None = None

    def to_filter(self) -> reads.AlertFilter:
        return reads.AlertFilter(kind=self.kind, status=self.status)


@strawberry.input
class AddressInput:
    line1: str
    line2: str | None = None
    city: str
    state: str
    postal_code: str

    def to_fields(self) -> AddressFields:
        return AddressFields(
            line1=self.line1,
            line2=self.line2,
            city=self.city,
            state=self.state,
            postal_code=self.postal_code,
        )


@strawberry.input
class SponsorInput:
    first_name: str
    last_name: str
    relationship: SponsorRelationship
    phone: str | None = None

    def to_fields(self) -> SponsorFields:
        return SponsorFields(
            first_name=self.first_name,
            last_name=self.last_name,
            relationship=self.relationship,
            phone=self.phone,
        )


@strawberry.input
class IntakeChildInput:
    a_number: str
    first_name: str
    last_name: str
    date_of_birth: date
    country_of_birth: str
    apprehended_at: datetime
    facility: str | None = None
    reason: str | None = None


@strawberry.input
class TransferToHhsInput:
    child_id: strawberry.ID
    occurred_at: datetime
    facility: str
    expected_version: int | None = None
    reason: str | None = None


@strawberry.input(
    description="Make two records of one child one: everything the merged record holds moves "
    "to the kept one, whose own fields stand."
)
class MergeChildrenInput:
    keep_child_id: strawberry.ID
    merge_child_id: strawberry.ID
    reason: str = strawberry.field(description="Why the two are one child; required.")
    keep_expected_version: int | None = None
    merge_expected_version: int | None = None


@strawberry.input
class ReleaseToSponsorInput:
    child_id: strawberry.ID
    occurred_at: datetime
    sponsor_id: strawberry.ID | None = None
    sponsor: SponsorInput | None = None
    address: AddressInput
    expected_version: int | None = None
    reason: str | None = None


@strawberry.input
class RecordCustodyEventInput:
    child_id: strawberry.ID
    kind: CustodyEventKind
    occurred_at: datetime
    facility: str | None = None
    expected_version: int | None = None
    reason: str | None = None


@strawberry.input
class RecordAddressInput:
    child_id: strawberry.ID
    address: AddressInput
    effective_from: date
    source: AddressSource
    expected_version: int | None = None
    reason: str | None = None


@strawberry.input
class VerifyAddressInput:
    address_id: strawberry.ID
    verified_at: datetime
    verification: VerificationStatus
    undeliverable: bool | None = None
    reason: str | None = None


@strawberry.input
class RecordContactAttemptInput:
    child_id: strawberry.ID
    attempted_at: datetime
    method: ContactMethod
    outcome: ContactOutcome
    notes: str | None = None
    reason: str | None = None


@strawberry.input
class IssueNoticeInput:
    child_id: strawberry.ID
    issued_on: date
    court: str
    reason: str | None = None


@strawberry.input
class ServeNoticeInput:
    notice_id: strawberry.ID
    served_on: date
    method: ServiceMethod
    reason: str | None = None


@strawberry.input
class FileNoticeInput:
    notice_id: strawberry.ID
    filed_on: date
    reason: str | None = None


@strawberry.input
class ScheduleHearingInput:
    child_id: strawberry.ID
    court: str
    type: HearingType
    scheduled_for: datetime
    reason: str | None = None


@strawberry.input
class RecordHearingOutcomeInput:
    hearing_id: strawberry.ID
    status: HearingStatus
    in_absentia_order: bool | None = None
    continued_to: datetime | None = None
    reason: str | None = None


@strawberry.input
class RecordRepresentationInput:
    child_id: strawberry.ID
    attorney_name: str
    organization: str | None = None
    entered_on: date
    reason: str | None = None


@strawberry.input
class UpdateAlertInput:
    alert_id: strawberry.ID
    status: AlertStatus
    note: str | None = None


@strawberry.input
class ImportDocketInput:
    csv: str = strawberry.field(
        description="a_number,court,hearing_type,scheduled_for,status,in_absentia_order"
    )


@strawberry.input
class CreateApiTokenInput:
    name: str
    role: Role
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="After this instant the token is refused like an unknown one; "
        "absent: it holds until revoked.",
    )
    office: str | None = strawberry.field(
        default=None,
        description="The field office (its code) an OFFICER or SUPERVISOR works at: their "
        "work queue's, and the office whose alerts they may be assigned.",
    )


@strawberry.input
class RevokeApiTokenInput:
    name: str = strawberry.field(description="The token's name (its actor's name).")
    reason: str | None = None


@strawberry.input
class AuditFilter:
    entity_id: strawberry.ID | None = strawberry.field(
        default=None, description="The global ID of a record: its events only."
    )
    entity_type: str | None = strawberry.field(default=None, description="e.g. Child, Address.")
    actor_name: str | None = None
    action: str | None = strawberry.field(default=None, description="e.g. releaseToSponsor.")
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None

    def to_filter(self) -> history.AuditFilter:
        entity_type, entity_id = self.entity_type, None
        if self.entity_id is not None:
            decoded = decode_any(self.entity_id)
            if decoded is None:
                raise NotFound("No record has this ID.", ["filter", "entityId"])
            entity_type, entity_id = decoded
        return history.AuditFilter(
            entity_type=entity_type,
            entity_id=entity_id,
            actor_name=self.actor_name,
            action=self.action,
            recorded_from=self.from_,
            recorded_to=self.to,
        )
