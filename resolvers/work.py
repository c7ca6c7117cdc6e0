"""Alerts as work: each office's queue of open alerts, oldest due first, with what to do next;
who works each alert; and a child's case moved to another office."""

import uuid
from datetime import datetime

from sqlmodel import col, select

from models import Alert, ApiToken, Child
from models.enums import Role
from resolvers.alert_rules import RESPONSES
from resolvers.children import lock_child, record_changed
from resolvers.errors import InvalidInput, InvalidTransition, NotFound
from resolvers.offices import existing_office
from resolvers.reads import ACTIVE_ALERTS
from resolvers.tokens import usable
from resolvers.unit import Unit
from resolvers.validation import required_text


def next_step(alert: Alert) -> str:
    """What acting on the alert means."""
    return RESPONSES[alert.kind].next_step


def due_of(alert: Alert) -> datetime:
    """The alert's due time; an alert raised before due times were kept is due when raised."""
    return alert.due_at if alert.due_at is not None else alert.raised_at


async def assign_alert(unit: Unit, *, alert_id: uuid.UUID, assignee: str | None) -> Alert:
    """Give an active alert to an officer (a token's name) of the child's office, or take it
    back from whoever has it (`assignee` None)."""
    name = required_text(assignee, "assignee") if assignee is not None else None
    found = await unit.session.exec(select(Alert).where(col(Alert.id) == alert_id))
    alert = found.one_or_none()
    if alert is None:
        raise NotFound("No alert has this ID.", ["alertId"])
    # The child's lock orders this with a transfer (which unassigns) and with the alert's
    # resolution; the alert is read again under it.
    child = await lock_child(unit, alert.child_id, field=("alertId",))
    await unit.session.refresh(alert)
    if alert.status not in ACTIVE_ALERTS:
        raise InvalidTransition("A resolved alert is not work to assign.", ["alertId"])
    if name is not None:
        await _check_assignee(unit, name, child)
    if alert.assigned_to == name:
        raise InvalidTransition(
            "The alert is already assigned so." if name else "The alert is assigned to nobody.",
            ["assignee"],
        )
    alert.assigned_to = name
    unit.session.add(alert)
    await unit.session.flush()
    return alert


async def _check_assignee(unit: Unit, name: str, child: Child) -> None:
    token = (
        await unit.session.exec(select(ApiToken).where(col(ApiToken.name) == name))
    ).one_or_none()
    if (
        token is None
        or not usable(token, unit.now())
        or token.role not in (Role.OFFICER, Role.SUPERVISOR)
    ):
        raise NotFound("No officer or supervisor with a valid token has this name.", ["assignee"])
    if child.field_office is not None and token.office != child.field_office:
        raise InvalidInput(
            "This officer works at another field office than the child's case.", ["assignee"]
        )


async def transfer_child(
    unit: Unit,
    *,
    child_id: uuid.UUID,
    office: str,
    reason: str | None,
    expected_version: int | None = None,
) -> Child:
    """Move the child's case to another field office, for a reason. It stays there until the
    child moves (a new address is covered by its office) or is transferred again. Alerts
    assigned to officers of the old office go back to nobody."""
    required_text(reason or "", "reason")
    code = await existing_office(unit.session, office)
    child = await lock_child(unit, child_id, expected_version=expected_version)
    if child.field_office == code:
        raise InvalidTransition("The child's case is already at this office.", ["office"])
    child.field_office = code
    unit.session.add(child)
    assigned = await unit.session.exec(
        select(Alert).where(
            col(Alert.child_id) == child.id,
            col(Alert.status).in_(ACTIVE_ALERTS),
            col(Alert.assigned_to).is_not(None),
        )
    )
    for alert in assigned.all():
        alert.assigned_to = None
        unit.session.add(alert)
    await record_changed(unit, child)
    return child
