"""The history's types: events with field-level changes, verification, snapshots."""

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from models.enums import Role
from resolvers import history
from resolvers.history import (
    DERIVED_COLUMNS,
    AccessLogEntry,
    AuditEventRow,
    AuditFilter,
    Verification,
    api_field_name,
)
from resolvers.pagination import Page
from schema.context import Info
from schema.errors import as_graphql_errors
from schema.ids import encode
from schema.lookahead import child_selections, selects
from schema.types.base import Actor, Node
from schema.types.connections import Connection


@strawberry.type
class FieldChange:
    field: str = strawberry.field(description="The API's name of the field, e.g. custodyStatus.")
    before: JSON | None
    after: JSON | None


@strawberry.type
class AuditEvent(Node):
    sequence: int
    recorded_at: datetime = strawberry.field(description="The database's clock.")
    actor: Actor
    action: str = strawberry.field(description="The mutation or command that made the change.")
    entity_type: str
    entity_id: strawberry.ID
    entity_version: int = strawberry.field(description="The record's revision: 1, 2, 3 …")
    changes: list[FieldChange]
    reason: str | None
    request_id: str | None
    previous_hash: str
    hash: str

    @classmethod
    def from_row(cls, row: AuditEventRow) -> "AuditEvent":
        return cls(
            id=encode("AuditEvent", row.event_id),
            sequence=row.sequence,
            recorded_at=row.recorded_at,
            actor=Actor(name=row.actor_name, role=Role(row.actor_role)),
            action=row.action,
            entity_type=row.entity_type,
            entity_id=encode(row.entity_type, row.entity_id),
            entity_version=row.entity_version,
            changes=[
                FieldChange(field=api_field_name(c["field"]), before=c["before"], after=c["after"])
                for c in row.changes
                if c["field"] not in DERIVED_COLUMNS
            ],
            reason=row.reason,
            request_id=row.request_id,
            previous_hash=row.previous_hash,
            hash=row.hash,
        )


@strawberry.type
class AuditVerification:
    valid: bool
    event_count: int
    head_hash: str
    first_invalid_sequence: int | None
    drifted_entities: list[strawberry.ID] = strawberry.field(
        description="Records whose stored state differs from their replayed history."
    )
    problems: list[str] = strawberry.field(description="What is wrong, by sequence and record.")
    checkpoints_checked: int

    @classmethod
    def from_report(cls, report: Verification) -> "AuditVerification":
        return cls(
            valid=report.valid,
            event_count=report.event_count,
            head_hash=report.head_hash,
            first_invalid_sequence=report.first_invalid_sequence,
            drifted_entities=[encode(kind, key) for kind, key in report.drifted],
            problems=report.problems,
            checkpoints_checked=report.checkpoints_checked,
        )


@strawberry.type
class ChildSnapshot:
    at: datetime
    child: JSON


async def event_connection(
    info: Info,
    audit_filter: AuditFilter,
    *,
    first: int | None,
    after: str | None,
) -> Connection[AuditEvent]:
    """A page of events as a connection, totalCount computed only when selected."""
    with as_graphql_errors():
        async with info.context.read_sessions() as session:
            page = await history.events(
                session,
                audit_filter,
                first=first,
                after=after,
                with_total=selects(
                    child_selections(info.selected_fields[0].selections), "totalCount"
                ),
            )
    rows = Page(
        rows=page.events,
        cursors=[history.event_cursor(e) for e in page.events],
        has_next=page.has_next,
        has_previous=after is not None,
        total_count=page.total_count,
    )
    return Connection.from_page(rows, AuditEvent.from_row)


@strawberry.type(description="One read of a child's record.")
class AccessRecord:
    read_at: datetime
    actor: Actor
    request_id: str | None
    operation: str | None = strawberry.field(description="The GraphQL operation's name.")

    @classmethod
    def from_row(cls, row: AccessLogEntry) -> "AccessRecord":
        return cls(
            read_at=row.read_at,
            actor=Actor(name=row.actor_name, role=Role(row.actor_role)),
            request_id=row.request_id,
            operation=row.operation,
        )


# What each part of a rebuilt child is, to give its IDs as the API's global IDs.
_SNAPSHOT_PARTS = {
    "sponsor": "Sponsor",
    "currentAddress": "Address",
    "addresses": "Address",
    "custodyEvents": "CustodyEvent",
    "contactAttempts": "ContactAttempt",
    "notices": "Notice",
    "hearings": "Hearing",
    "representations": "Representation",
    "alerts": "Alert",
}


def with_global_ids(record: dict[str, Any], type_name: str) -> dict[str, Any]:
    """A snapshot record whose `id` and `sponsorId` are global IDs, as everywhere in the API."""
    shown = dict(record)
    if isinstance(shown.get("id"), str):
        shown["id"] = encode(type_name, uuid.UUID(shown["id"]))
    if isinstance(shown.get("sponsorId"), str):
        shown["sponsorId"] = encode("Sponsor", uuid.UUID(shown["sponsorId"]))
    for part, kind in _SNAPSHOT_PARTS.items():
        value = shown.get(part)
        if isinstance(value, list):
            shown[part] = [with_global_ids(item, kind) for item in value]
        elif isinstance(value, dict):
            shown[part] = with_global_ids(value, kind)
    return shown
