"""The Query root, composed from one small class per area; each field only declares itself
and calls resolvers."""

from datetime import date, datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from models.enums import AlertKind, DeliveryStatus, Role
from resolvers import history, offices, oversight, partners, reads
from resolvers.errors import InvalidInput
from schema.context import Info
from schema.errors import as_graphql_errors
from schema.ids import decode_any
from schema.loading import field_selections, load_children, load_node, remember
from schema.lookahead import include_for, selects
from schema.permissions import (
    CanAudit,
    CanReadCases,
    CanReadHearings,
    CanReadHistory,
    CanReadPartners,
    CanReadWorkQueues,
)
from schema.types.base import Actor, Node
from schema.types.connections import Connection
from schema.types.history import (
    AuditEvent,
    AuditVerification,
    ChildSnapshot,
    event_connection,
    with_global_ids,
)
from schema.types.inputs import AlertFilter, AuditFilter, ChildFilter, HearingFilter
from schema.types.offices import FieldOffice
from schema.types.oversight import OversightReport
from schema.types.partners import Partner, PartnerDelivery
from schema.types.records import NODE_TABLES, Alert, Child, Hearing


@strawberry.type
class AccessQueries:
    @strawberry.field(description="The caller: the token's name and role.")
    def me(self, info: Info) -> Actor:
        return Actor.from_actor(info.context.actor)


@strawberry.type
class CaseQueries:
    @strawberry.field(
        permission_classes=[CanReadHearings],
        description="Any object by its global ID; null when there is none.",
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        decoded = decode_any(id)
        if decoded is None or decoded[0] not in (*NODE_TABLES, "AuditEvent"):
            return None
        type_name, record_id = decoded
        role = info.context.actor.role
        if type_name == "AuditEvent":
            if role not in CanAudit.allowed:
                raise CanAudit.forbidden()
            async with info.context.read_sessions() as session:
                row = await history.event(session, record_id)
            return AuditEvent.from_row(row) if row is not None else None
        if role == Role.INTEGRATION and type_name != "Hearing":
            raise CanReadCases.forbidden()
        return await load_node(
            info, NODE_TABLES[type_name], type_name, record_id, field_selections(info)
        )

    @strawberry.field(
        permission_classes=[CanReadCases],
        description="One child, by global ID or by A-number (either accepted with A and dashes).",
    )
    async def child(
        self, info: Info, id: strawberry.ID | None = None, a_number: str | None = None
    ) -> Child | None:
        selections = field_selections(info)
        with as_graphql_errors():
            if (id is None) == (a_number is None):
                raise InvalidInput("Give either id or aNumber.", ["id"])
            if a_number is not None:
                include = include_for(selections, "Child")
                async with info.context.read_sessions() as session:
                    row, reading = await reads.child_by_a_number(
                        session, a_number, include, info.context.clock()
                    )
                remember(info, reading)
                return Child.from_row(row, include, reading) if row is not None else None
        decoded = decode_any(id or "")
        if decoded is None or decoded[0] != "Child":
            return None
        children = await load_children(info, [decoded[1]], selections)
        return children[0] if children else None

    @strawberry.field(permission_classes=[CanReadCases])
    async def children(
        self,
        info: Info,
        filter: ChildFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Child]:
        selections = field_selections(info)
        include = include_for(field_selections(info, "edges", "node"), "Child")
        with as_graphql_errors():
            async with info.context.read_sessions() as session:
                page, reading = await reads.children_page(
                    session,
                    (filter or ChildFilter()).to_filter(),
                    include,
                    info.context.clock(),
                    first=first,
                    after=after,
                    with_total=selects(selections, "totalCount"),
                )
        remember(info, reading)
        return Connection.from_page(page, lambda row: Child.from_row(row, include, reading))


@strawberry.type
class HearingQueries:
    @strawberry.field(permission_classes=[CanReadHearings], description="Soonest first.")
    async def hearings(
        self,
        info: Info,
        filter: HearingFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Hearing]:
        include = include_for(field_selections(info, "edges", "node"), "Hearing")
        if "child" in include and info.context.actor.role == Role.INTEGRATION:
            raise CanReadCases.forbidden()
        with as_graphql_errors():
            async with info.context.read_sessions() as session:
                page, reading = await reads.hearings_page(
                    session,
                    (filter or HearingFilter()).to_filter(),
                    include,
                    info.context.clock(),
                    first=first,
                    after=after,
                    with_total=selects(field_selections(info), "totalCount"),
                )
        remember(info, reading)
        return Connection.from_page(page, lambda row: Hearing.from_row(row, include, reading))


@strawberry.type
class AlertQueries:
    @strawberry.field(permission_classes=[CanReadCases], description="Oldest first.")
    async def alerts(
        self,
        info: Info,
        filter: AlertFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Alert]:
        include = include_for(field_selections(info, "edges", "node"), "Alert")
        with as_graphql_errors():
            async with info.context.read_sessions() as session:
                page, reading = await reads.alerts_page(
                    session,
                    (filter or AlertFilter()).to_filter(),
                    include,
                    info.context.clock(),
                    first=first,
                    after=after,
                    with_total=selects(field_selections(info), "totalCount"),
                )
        remember(info, reading)
        return Connection.from_page(page, lambda row: Alert.from_row(row, include, reading))


@strawberry.type
class HistoryQueries:
    @strawberry.field(
        permission_classes=[CanAudit], description="Every recorded change, oldest first."
    )
    async def audit_log(
        self,
        info: Info,
        filter: AuditFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEvent]:
        with as_graphql_errors():
            audit_filter = (filter or AuditFilter()).to_filter()
        return await event_connection(info, audit_filter, first=first, after=after)

    @strawberry.field(
        permission_classes=[CanAudit],
        description="Recompute the chain, check checkpoints and replay every record.",
    )
    async def audit_verification(self, info: Info) -> AuditVerification:
        report = await history.verification(info.context.engine, info.context.audit_public_key)
        return AuditVerification.from_report(report)

    @strawberry.field(
        permission_classes=[CanReadHistory],
        description="The child and its records rebuilt from the history as recorded at `at`; "
        "null before the child was recorded.",
    )
    async def child_as_of(
        self, info: Info, id: strawberry.ID, at: datetime
    ) -> ChildSnapshot | None:
        decoded = decode_any(id)
        if decoded is None or decoded[0] != "Child":
            return None
        with as_graphql_errors():
            async with info.context.read_sessions() as session:
                snapshot = await history.child_as_of(session, decoded[1], at)
        if snapshot is None:
            return None
        return ChildSnapshot(at=at, child=cast(JSON, with_global_ids(snapshot, "Child")))


@strawberry.type
class OversightQueries:
    @strawberry.field(
        permission_classes=[CanAudit],
        description="The figures of API.md's Oversight section, computed by SQL aggregates.",
    )
    async def oversight_report(
        self,
        info: Info,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        court: str | None = None,
    ) -> OversightReport:
        with as_graphql_errors():
            async with info.context.read_sessions() as session:
                report = await oversight.oversight_report(
                    session,
                    start=from_,
                    end=to,
                    court=court,
                    by_court=selects(field_selections(info), "failedToAppearByCourt"),
                )
        return OversightReport.from_report(report)


@strawberry.type
class PartnerQueries:
    @strawberry.field(
        permission_classes=[CanReadPartners],
        description="The partner agencies sent alerts, by name.",
    )
    async def partners(self, info: Info) -> list[Partner]:
        async with info.context.read_sessions() as session:
            rows = await partners.partners(session)
        return [Partner.from_row(row) for row in rows]

    @strawberry.field(
        permission_classes=[CanReadPartners],
        description="The delivery log, newest first: each alert sent (or still to be sent) to "
        "a partner, with its attempts and its last failure. `first` is capped at 100.",
    )
    async def partner_deliveries(
        self,
        info: Info,
        partner: str | None = None,
        status: list[DeliveryStatus] | None = None,
        first: int | None = None,
    ) -> list[PartnerDelivery]:
        async with info.context.read_sessions() as session:
            rows = await partners.deliveries(
                session, partner_name=partner, statuses=status, first=first or 50
            )
        return [PartnerDelivery.from_row(row, name) for row, name in rows]


@strawberry.type
class OfficeQueries:
    @strawberry.field(permission_classes=[CanReadCases], description="By code.")
    async def field_offices(self, info: Info) -> list[FieldOffice]:
        async with info.context.read_sessions() as session:
            rows = await offices.field_offices(session)
        return [FieldOffice.from_row(r) for r in rows]

    @strawberry.field(
        permission_classes=[CanReadWorkQueues],
        description="The office's open and acknowledged alerts (of `kinds`, or all), oldest "
        "due first, each with its next step and who works it. `office` defaults to the "
        "caller's; an OFFICER reads only their own office's queue.",
    )
    async def work_queue(
        self,
        info: Info,
        office: str | None = None,
        kinds: list[AlertKind] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Alert]:
        actor = info.context.actor
        include = include_for(field_selections(info, "edges", "node"), "Alert")
        with as_graphql_errors():
            if office is None and actor.office is None:
                raise InvalidInput("Name an office: your token carries none.", ["office"])
            async with info.context.read_sessions() as session:
                code = await offices.existing_office(session, office or actor.office or "")
                if actor.role == Role.OFFICER and code != actor.office:
                    raise CanReadWorkQueues.forbidden()
                page, reading = await reads.work_queue_page(
                    session,
                    code,
                    kinds,
                    include,
                    info.context.clock(),
                    first=first,
                    after=after,
                    with_total=selects(field_selections(info), "totalCount"),
                )
        remember(info, reading)
        return Connection.from_page(page, lambda row: Alert.from_row(row, include, reading))


@strawberry.type
class Query(
    AccessQueries,
    CaseQueries,
    HearingQueries,
    AlertQueries,
    HistoryQueries,
    OversightQueries,
    PartnerQueries,
    OfficeQueries,
):
    pass
