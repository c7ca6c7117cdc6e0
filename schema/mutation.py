"""The Mutation root, composed from one small class per area. Each mutation decodes its
input, calls one resolver inside one transaction, and answers with what the client selected
of what it wrote, read in that same transaction."""

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import strawberry
from sqlmodel.ext.asyncio.session import AsyncSession

import models
from resolvers import (
    addresses,
    alerts,
    contact,
    court,
    custody,
    docket,
    duplicates,
    merge,
    offices,
    partners,
    tokens,
    work,
)
from resolvers.errors import DomainError
from resolvers.unit import Actor as ActorRecord
from schema.context import Info
from schema.errors import UserError, mutate
from schema.ids import decode
from schema.loading import field_selections, load_children, load_node, present_duplicates
from schema.lookahead import selects
from schema.permissions import (
    CanAssignAlerts,
    CanChangeCases,
    CanManageOffices,
    CanManagePartners,
    CanManageTokens,
    CanMergeChildren,
    CanRecordHearings,
    CanUpdateAlerts,
)
from schema.types.base import Actor
from schema.types.inputs import (
    CreateApiTokenInput,
    FileNoticeInput,
    ImportDocketInput,
    IntakeChildInput,
    IssueNoticeInput,
    MergeChildrenInput,
    RecordAddressInput,
    RecordContactAttemptInput,
    RecordCustodyEventInput,
    RecordHearingOutcomeInput,
    RecordRepresentationInput,
    ReleaseToSponsorInput,
    RevokeApiTokenInput,
    ScheduleHearingInput,
    ServeNoticeInput,
    TransferToHhsInput,
    UpdateAlertInput,
    VerifyAddressInput,
)
from schema.types.offices import (
    AssignAlertInput,
    FieldOffice,
    FieldOfficePayload,
    SetFieldOfficeInput,
    TransferChildInput,
)
from schema.types.partners import (
    Partner,
    PartnerPayload,
    RegisterPartnerInput,
    RegisterPartnerPayload,
    SetPartnerActiveInput,
)
from schema.types.payloads import (
    AddressPayload,
    AlertPayload,
    ChildPayload,
    ContactAttemptPayload,
    CreateApiTokenPayload,
    DocketRowError,
    HearingPayload,
    ImportDocketPayload,
    MergeChildrenPayload,
    NoticePayload,
    RepresentationPayload,
    RevokeApiTokenPayload,
)
from schema.types.records import (
    Address,
    Alert,
    Child,
    ChildMerge,
    ContactAttempt,
)


async def _selected_child(info: Info, session: AsyncSession, child_id: uuid.UUID) -> Child | None:
    children = await load_children(info, [child_id], field_selections(info, "child"), session)
    return children[0] if children else None


async def _child_answer(info: Info, session: AsyncSession, child: models.Child) -> ChildPayload:
    return ChildPayload(child=await _selected_child(info, session, child.id))


async def _intake_answer(info: Info, session: AsyncSession, child: models.Child) -> ChildPayload:
    answer = await _child_answer(info, session, child)
    if selects(info.selected_fields[0].selections, "possibleDuplicates"):
        found = await duplicates.of_children(session, [child.id])
        answer.possible_duplicates = await present_duplicates(
            info,
            found.get(child.id, []),
            field_selections(info, "possibleDuplicates", "child"),
            session,
        )
    return answer


async def _merge_answer(
    info: Info, session: AsyncSession, merged: tuple[models.Child, models.ChildMerge]
) -> MergeChildrenPayload:
    child, link = merged
    return MergeChildrenPayload(
        child=await _selected_child(info, session, child.id), merge=ChildMerge.from_row(link)
    )


async def _address_answer(info: Info, session: AsyncSession, row: models.Address) -> AddressPayload:
    address = await load_node(
        info, models.Address, "Address", row.id, field_selections(info, "address"), session
    )
    return AddressPayload(
        address=address if isinstance(address, Address) else None,
        child=await _selected_child(info, session, row.child_id),
    )


async def _contact_attempt_answer(
    info: Info, session: AsyncSession, row: models.ContactAttempt
) -> ContactAttemptPayload:
    attempt = await load_node(
        info,
        models.ContactAttempt,
        "ContactAttempt",
        row.id,
        field_selections(info, "contactAttempt"),
        session,
    )
    return ContactAttemptPayload(
        contact_attempt=attempt if isinstance(attempt, ContactAttempt) else None,
        child=await _selected_child(info, session, row.child_id),
    )


async def _token_answer(
    _session: AsyncSession, made: tuple[str, ActorRecord]
) -> CreateApiTokenPayload:
    token, actor = made
    return CreateApiTokenPayload(token=token, actor=Actor.from_actor(actor))


async def _revoked_answer(_session: AsyncSession, token: models.ApiToken) -> RevokeApiTokenPayload:
    return RevokeApiTokenPayload(
        actor=Actor(name=token.name, role=token.role), revoked_at=token.revoked_at
    )


@strawberry.type
class CustodyMutations:
    @strawberry.mutation(
        permission_classes=[CanChangeCases],
        description="A new case: the child apprehended, in DHS custody, at version 1.",
    )
    async def intake_child(self, info: Info, input: IntakeChildInput) -> ChildPayload:
        return await mutate(
            info,
            "intakeChild",
            input.reason,
            lambda unit: custody.intake_child(
                unit,
                a_number_input=input.a_number,
                first_name=input.first_name,
                last_name=input.last_name,
                date_of_birth=input.date_of_birth,
                country_of_birth=input.country_of_birth,
                apprehended_at=input.apprehended_at,
                facility=input.facility,
            ),
            partial(_intake_answer, info),
            ChildPayload,
        )

    @strawberry.mutation(
        permission_classes=[CanMergeChildren],
        description="Two records of one child made one (SUPERVISOR): the merged record's "
        "custody events, addresses, notices, hearings, contact attempts, counsel and alerts "
        "move to the kept record, the merged row is removed, and both histories stay whole: "
        "the kept child's history includes the merged record's.",
    )
    async def merge_children(self, info: Info, input: MergeChildrenInput) -> MergeChildrenPayload:
        return await mutate(
            info,
            "mergeChildren",
            input.reason,
            lambda unit: merge.merge_children(
                unit,
                kept_id=decode(input.keep_child_id, "Child", "keepChildId"),
                merged_id=decode(input.merge_child_id, "Child", "mergeChildId"),
                reason=input.reason,
                kept_expected_version=input.keep_expected_version,
                merged_expected_version=input.merge_expected_version,
            ),
            partial(_merge_answer, info),
            MergeChildrenPayload,
        )

    @strawberry.mutation(permission_classes=[CanChangeCases])
    async def transfer_to_hhs(self, info: Info, input: TransferToHhsInput) -> ChildPayload:
        return await mutate(
            info,
            "transferToHhs",
            input.reason,
            lambda unit: custody.transfer_to_hhs(
                unit,
                child_id=decode(input.child_id, "Child", "childId"),
                occurred_at=input.occurred_at,
                facility=input.facility,
                expected_version=input.expected_version,
            ),
            partial(_child_answer, info),
            ChildPayload,
        )

    @strawberry.mutation(
        permission_classes=[CanChangeCases],
        description="Release to a sponsor (sponsorId, or a new sponsor); the address becomes current.",
    )
    async def release_to_sponsor(self, info: Info, input: ReleaseToSponsorInput) -> ChildPayload:
        return await mutate(
            info,
            "releaseToSponsor",
            input.reason,
            lambda unit: custody.release_to_sponsor(
                unit,
                child_id=decode(input.child_id, "Child", "childId"),
                occurred_at=input.occurred_at,
                address=input.address.to_fields(),
                sponsor_id=decode(input.sponsor_id, "Sponsor", "sponsorId")
                if input.sponsor_id is not None
                else None,
                sponsor=input.sponsor.to_fields() if input.sponsor is not None else None,
                expected_version=input.expected_version,
            ),
            partial(_child_answer, info),
            ChildPayload,
        )

    @strawberry.mutation(permission_classes=[CanChangeCases])
    async def record_custody_event(
        self, info: Info, input: RecordCustodyEventInput
    ) -> ChildPayload:
        return await mutate(
            info,
            "recordCustodyEvent",
            input.reason,
            lambda unit: custody.record_custody_event(
                unit,
                child_id=decode(input.child_id, "Child", "childId"),
                kind=input.kind,
                occurred_at=input.occurred_at,
                facility=input.facility,
                expected_version=input.expected_version,
            ),
            partial(_child_answer, info),
            ChildPayload,
        )


@strawberry.type
class AddressMutations:
    @strawberry.mutation(
        permission_classes=[CanChangeCases],
        description="A new residence; the current one ends the day before effectiveFrom.",
    )
    async def record_address(self, info: Info, input: RecordAddressInput) -> AddressPayload:
        return await mutate(
            info,
            "recordAddress",
            input.reason,
            lambda unit: addresses.record_address(
                unit,
                child_id=decode(input.child_id, "Child", "childId"),
                address=input.address.to_fields(),
                effective_from=input.effective_from,
                source=input.source,
                expected_version=input.expected_version,
            ),
            partial(_address_answer, info),
            AddressPayload,
        )

    @strawberry.mutation(permission_classes=[CanChangeCases])
    async def verify_address(self, info: Info, input: VerifyAddressInput) -> AddressPayload:
        return await mutate(
            info,
            "verifyAddress",
            input.reason,
            lambda unit: addresses.verify_address(
                unit,
                address_id=decode(input.address_id, "Address", "addressId"),
                verified_at=input.verified_at,
                verification=input.verification,
                undeliverable=input.undeliverable,
            ),
            partial(_address_answer, info),
            AddressPayload,
        )

    @strawberry.mutation(
        permission_classes=[CanChangeCases],
        description="LOCATED_AT_ADDRESS verifies the current address; NOT_LOCATED makes the "
        "child's location UNKNOWN.",
    )
    async def record_contact_attempt(
        self, info: Info, input: RecordContactAttemptInput
    ) -> ContactAttemptPayload:
        return await mutate(
            info,
            "recordContactAttempt",
            input.reason,
            lambda unit: contact.record_contact_attempt(
                unit,
                child_id=decode(input.child_id, "Child", "childId"),
                attempted_at=input.attempted_at,
                method=input.method,
                outcome=input.outcome,
                notes=input.notes,
            ),
            partial(_contact_attempt_answer, info),
            ContactAttemptPayload,
        )


@strawberry.type
class AccessMutations:
    @strawberry.mutation(permission_classes=[CanManageTokens])
    async def create_api_token(
        self, info: Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        return await mutate(
            info,
            "createApiToken",
            None,
            lambda unit: tokens.create_api_token(
                unit,
                name=input.name,
                role=input.role,
                expires_at=input.expires_at,
                office=input.office,
            ),
            _token_answer,
            CreateApiTokenPayload,
        )

    @strawberry.mutation(
        permission_classes=[CanManageTokens],
        description="From now on the token is refused like an unknown one. In the history "
        "with the caller and the reason given.",
    )
    async def revoke_api_token(
        self, info: Info, input: RevokeApiTokenInput
    ) -> RevokeApiTokenPayload:
        return await mutate(
            info,
            "revokeApiToken",
            input.reason,
            lambda unit: tokens.revoke_api_token(unit, name=input.name),
            _revoked_answer,
            RevokeApiTokenPayload,
        )


async def _record_answer(
    info: Info, field: str, payload: Callable[..., Any], session: AsyncSession, row: Any
) -> Any:
    """The payload, with what the client selected under `field` of the record just written
    (its table's name is its GraphQL type's)."""
    table = type(row)
    node = await load_node(
        info, table, table.__name__, row.id, field_selections(info, field), session
    )
    return payload(**{field: node})


@strawberry.type
class CourtMutations:
    @strawberry.mutation(permission_classes=[CanChangeCases])
    async def issue_notice(self, info: Info, input: IssueNoticeInput) -> NoticePayload:
        return await mutate(
            info,
            "issueNotice",
            input.reason,
            lambda unit: court.issue_notice(
                unit,
                child_id=decode(input.child_id, "Child", "childId"),
                issued_on=input.issued_on,
                court=input.court,
            ),
            partial(_record_answer, info, "notice", NoticePayload),
            NoticePayload,
        )

    @strawberry.mutation(permission_classes=[CanChangeCases])
    async def serve_notice(self, info: Info, input: ServeNoticeInput) -> NoticePayload:
        return await mutate(
            info,
            "serveNotice",
            input.reason,
            lambda unit: court.serve_notice(
                unit,
                notice_id=decode(input.notice_id, "Notice", "noticeId"),
                served_on=input.served_on,
                method=input.method,
            ),
            partial(_record_answer, info, "notice", NoticePayload),
            NoticePayload,
        )

    @strawberry.mutation(permission_classes=[CanChangeCases])
    async def file_notice(self, info: Info, input: FileNoticeInput) -> NoticePayload:
        return await mutate(
            info,
            "fileNotice",
            input.reason,
            lambda unit: court.file_notice(
                unit,
                notice_id=decode(input.notice_id, "Notice", "noticeId"),
                filed_on=input.filed_on,
            ),
            partial(_record_answer, info, "notice", NoticePayload),
            NoticePayload,
        )

    @strawberry.mutation(permission_classes=[CanRecordHearings])
    async def schedule_hearing(self, info: Info, input: ScheduleHearingInput) -> HearingPayload:
        return await mutate(
            info,
            "scheduleHearing",
            input.reason,
            lambda unit: court.schedule_hearing(
                unit,
                child_id=decode(input.child_id, "Child", "childId"),
                court=input.court,
                type=input.type,
                scheduled_for=input.scheduled_for,
            ),
            partial(_record_answer, info, "hearing", HearingPayload),
            HearingPayload,
        )

    @strawberry.mutation(permission_classes=[CanRecordHearings])
    async def record_hearing_outcome(
        self, info: Info, input: RecordHearingOutcomeInput
    ) -> HearingPayload:
        return await mutate(
            info,
            "recordHearingOutcome",
            input.reason,
            lambda unit: court.record_hearing_outcome(
                unit,
                hearing_id=decode(input.hearing_id, "Hearing", "hearingId"),
                status=input.status,
                in_absentia_order=input.in_absentia_order,
                continued_to=input.continued_to,
            ),
            partial(_record_answer, info, "hearing", HearingPayload),
            HearingPayload,
        )

    @strawberry.mutation(permission_classes=[CanChangeCases])
    async def record_representation(
        self, info: Info, input: RecordRepresentationInput
    ) -> RepresentationPayload:
        return await mutate(
            info,
            "recordRepresentation",
            input.reason,
            lambda unit: court.record_representation(
                unit,
                child_id=decode(input.child_id, "Child", "childId"),
                attorney_name=input.attorney_name,
                organization=input.organization,
                entered_on=input.entered_on,
            ),
            partial(_record_answer, info, "representation", RepresentationPayload),
            RepresentationPayload,
        )

    @strawberry.mutation(permission_classes=[CanRecordHearings])
    async def import_docket(self, info: Info, input: ImportDocketInput) -> ImportDocketPayload:
        """The rows are applied in batches of their own transactions: a bad row is listed in
        `rejected` by its line and the others are applied; the same file again changes
        nothing."""
        context = info.context
        try:
            rows = list(docket.parse(docket.read_csv(input.csv), context.clock()))
        except DomainError as error:
            return ImportDocketPayload(user_errors=[UserError.from_error(error.at("input"))])
        result = await docket.import_docket(
            context.write_sessions,
            context.actor,
            rows,
            clock=context.clock,
            request_id=context.request_id,
        )
        return ImportDocketPayload(
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected=[DocketRowError(line=r.line, message=r.message) for r in result.rejected],
        )


@strawberry.type
class AlertMutations:
    @strawberry.mutation(permission_classes=[CanUpdateAlerts])
    async def update_alert(self, info: Info, input: UpdateAlertInput) -> AlertPayload:
        return await mutate(
            info,
            "updateAlert",
            input.note,
            lambda unit: alerts.update_alert(
                unit, alert_id=decode(input.alert_id, "Alert", "alertId"), status=input.status
            ),
            partial(_record_answer, info, "alert", AlertPayload),
            AlertPayload,
        )


@strawberry.type
class PartnerMutations:
    @strawberry.mutation(
        permission_classes=[CanManagePartners],
        description="A partner agency sent each alert of these kinds from now on, as a signed "
        "HTTP POST with only these fields of the child. In the history with the caller.",
    )
    async def register_partner(
        self, info: Info, input: RegisterPartnerInput
    ) -> RegisterPartnerPayload:
        return await mutate(
            info,
            "registerPartner",
            input.reason,
            lambda unit: partners.register_partner(
                unit,
                name=input.name,
                endpoint=input.endpoint,
                kinds=input.kinds,
                fields=input.fields,
            ),
            _registered_answer,
            RegisterPartnerPayload,
        )

    @strawberry.mutation(
        permission_classes=[CanManagePartners],
        description="Stop (false) or start again (true) sending a partner alerts; what is "
        "already in its outbox is still sent.",
    )
    async def set_partner_active(self, info: Info, input: SetPartnerActiveInput) -> PartnerPayload:
        return await mutate(
            info,
            "setPartnerActive",
            input.reason,
            lambda unit: partners.set_partner_active(unit, name=input.name, active=input.active),
            _partner_answer,
            PartnerPayload,
        )


async def _registered_answer(
    _session: AsyncSession, made: tuple[models.Partner, str]
) -> RegisterPartnerPayload:
    partner, secret = made
    return RegisterPartnerPayload(partner=Partner.from_row(partner), secret=secret)


async def _partner_answer(_session: AsyncSession, partner: models.Partner) -> PartnerPayload:
    return PartnerPayload(partner=Partner.from_row(partner))


async def _office_answer(_session: AsyncSession, office: models.FieldOffice) -> FieldOfficePayload:
    return FieldOfficePayload(office=FieldOffice.from_row(office))


async def _alert_answer(info: Info, session: AsyncSession, alert: models.Alert) -> AlertPayload:
    node = await load_node(
        info, models.Alert, "Alert", alert.id, field_selections(info, "alert"), session
    )
    return AlertPayload(alert=node if isinstance(node, Alert) else None)


@strawberry.type
class OfficeMutations:
    @strawberry.mutation(
        permission_classes=[CanManageOffices],
        description="Create a field office or replace what it covers (ADMIN). A court or a ZIP "
        "prefix belongs to one office at most.",
    )
    async def set_field_office(self, info: Info, input: SetFieldOfficeInput) -> FieldOfficePayload:
        return await mutate(
            info,
            "setFieldOffice",
            input.reason,
            lambda unit: offices.set_field_office(
                unit,
                code=input.code,
                name=input.name,
                courts=input.courts,
                zip_prefixes=input.zip_prefixes,
            ),
            _office_answer,
            FieldOfficePayload,
        )

    @strawberry.mutation(
        permission_classes=[CanChangeCases],
        description="Move the child's case to another field office, for a reason. It stays "
        "there until the child moves or is transferred again; its alerts go back to nobody.",
    )
    async def transfer_child(self, info: Info, input: TransferChildInput) -> ChildPayload:
        return await mutate(
            info,
            "transferChild",
            input.reason,
            lambda unit: work.transfer_child(
                unit,
                child_id=decode(input.child_id, "Child", "childId"),
                office=input.office,
                reason=input.reason,
                expected_version=input.expected_version,
            ),
            partial(_child_answer, info),
            ChildPayload,
        )

    @strawberry.mutation(
        permission_classes=[CanAssignAlerts],
        description="Give an open alert to an officer of the child's office, or to nobody. A "
        "SUPERVISOR assigns anyone; an OFFICER may take an alert for themselves.",
    )
    async def assign_alert(self, info: Info, input: AssignAlertInput) -> AlertPayload:
        return await mutate(
            info,
            "assignAlert",
            input.reason,
            lambda unit: work.assign_alert(
                unit,
                alert_id=decode(input.alert_id, "Alert", "alertId"),
                assignee=input.assignee,
            ),
            partial(_alert_answer, info),
            AlertPayload,
        )


@strawberry.type
class Mutation(
    CustodyMutations,
    AddressMutations,
    CourtMutations,
    AlertMutations,
    AccessMutations,
    PartnerMutations,
    OfficeMutations,
):
    pass
