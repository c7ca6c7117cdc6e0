"""Alerts the system raises about a child's case, and what people do with them.

At most one OPEN or ACKNOWLEDGED alert per child and kind (a partial unique index holds it).
Alerts are derived by the system, so they never count as a change of the child's case record.
"""

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import case, exists, func, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import Alert, Child
from models.enums import AlertKind, AlertStatus, Role
from resolvers.alert_rules import RULES, THRESHOLDS_KEY, AlertThresholds, Rule
from resolvers.errors import InvalidTransition, NotFound
from resolvers.live import note_raised
from resolvers.unit import Actor, Clock, Unit, open_unit

ACTIVE = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


async def update_alert(unit: Unit, *, alert_id: uuid.UUID, status: AlertStatus) -> Alert:
    """A person acknowledges an OPEN alert, or resolves an active one (who may do which is
    the API's role table). The note goes to the history as the change's reason."""
    statement = select(Alert).where(col(Alert.id) == alert_id).with_for_update()
    alert = (await unit.session.exec(statement)).one_or_none()
    if alert is None:
        raise NotFound("No alert has this ID.", ["alertId"])
    if status not in (AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED):
        raise InvalidTransition("An alert can be set to ACKNOWLEDGED or RESOLVED.", ["status"])
    if alert.status == AlertStatus.RESOLVED or alert.status == status:
        raise InvalidTransition(f"The alert is already {alert.status.value}.", ["alertId"])
    alert.status = status
    if status == AlertStatus.RESOLVED:
        alert.resolved_at = unit.now()
        alert.resolved_by = unit.actor.name
    unit.session.add(alert)
    await unit.session.flush()
    return alert


def thresholds(unit: Unit) -> AlertThresholds:
    """The thresholds the writing session was configured with (the settings), or the API's."""
    configured = unit.session.info.get(THRESHOLDS_KEY)
    return configured if isinstance(configured, AlertThresholds) else AlertThresholds()


async def evaluate_child(
    unit: Unit, child_id: uuid.UUID, triggered: Collection[AlertKind] = ()
) -> None:
    """After a change to the child's case, in its transaction: raise what holds and is not
    active (the event-driven kinds; a kind a person resolved for the present cause only when
    this change `triggered` it anew), and resolve every active alert whose condition has
    cleared. Two statements."""
    await evaluate_children(unit, {child_id: set(triggered)})


async def evaluate_children(
    unit: Unit,
    triggered: Mapping[uuid.UUID, Collection[AlertKind]],
    kinds: Collection[AlertKind] | None = None,
) -> None:
    """`evaluate_child` for several children at once, still in two statements; only the
    `kinds` the change can affect, when the caller knows them."""
    if not triggered:
        return
    children = list(triggered)
    active = {
        (alert.child_id, alert.kind): alert
        for alert in await unit.session.exec(
            select(Alert).where(col(Alert.child_id).in_(children), col(Alert.status).in_(ACTIVE))
        )
    }
    # What can change here: an event-driven kind may be raised; an active alert resolved.
    # The time-driven kinds with no active alert are the sweep's, and are not evaluated.
    active_kinds = {kind for _, kind in active}
    rules = [
        rule
        for rule in RULES
        if (kinds is None or rule.kind in kinds)
        and (rule.event_driven or rule.kind in active_kinds)
    ]
    if not rules:
        return
    now, limits = unit.now(), thresholds(unit)
    columns: list[Any] = [Child.id]
    for rule in rules:
        columns.append(case((rule.holds(now, limits), True), else_=False))
        columns.append(case((rule.dealt_with(now, limits), True), else_=False))
    await unit.session.flush()  # the flags are read straight from the connection
    connection = await unit.session.connection()
    statement = sa.select(*columns).where(col(Child.id).in_(children))
    rows = await connection.execute(statement)
    flags = {row[0]: row[1:] for row in rows}
    for child_id, caused in triggered.items():
        for index, rule in enumerate(rules):
            holds, dealt_with = flags[child_id][2 * index], flags[child_id][2 * index + 1]
            alert = active.get((child_id, rule.kind))
            if alert is not None and not holds:
                _resolve(unit, alert)
            elif (
                alert is None
                and holds
                and rule.event_driven
                and (rule.kind in caused or not dealt_with)
            ):
                unit.session.add(_new_alert(unit, child_id, rule))
    await unit.session.flush()


def _new_alert(unit: Unit, child_id: uuid.UUID, rule: Rule) -> Alert:
    alert = Alert(
        child_id=child_id,
        kind=rule.kind,
        status=AlertStatus.OPEN,
        raised_at=unit.now(),
        detail=rule.detail,
    )
    note_raised(unit.session.sync_session, alert.id, rule.kind)
    return alert


def _resolve(unit: Unit, alert: Alert) -> None:
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = unit.now()
    unit.session.add(alert)


@dataclass
class SweepResult:
    raised: dict[AlertKind, int] = field(default_factory=dict)
    resolved: dict[AlertKind, int] = field(default_factory=dict)


# PostgreSQL advisory lock key of the sweep: one process sweeps at a time.
SWEEP_LOCK_KEY = 0x63_74_73_77_65_65_70  # "ctsweep"
SWEEPER = Actor(name="alert-sweep", role=Role.ADMIN)
SWEEP_WORK_MEM = "128MB"


async def sweep_now(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> SweepResult | None:
    """One sweep in a transaction of its own, by the sweeper, at `clock`'s time."""
    async with open_unit(sessions, SWEEPER, "sweep", clock=clock) as unit:
        return await sweep(unit)


async def sweep(unit: Unit) -> SweepResult | None:
    """Every rule over every child, at the unit's clock: raise each alert that holds, is not
    active and no person has resolved for its present cause; resolve each active alert whose
    condition has cleared. The time-driven kinds are raised here only; an event-driven kind
    here too when its cause came from outside the child's own case (another child's move
    made the address shared). Per rule, one statement finds the children to alert and one the
    alerts to resolve. None when another process is sweeping (PostgreSQL; on SQLite the
    writer's lock already serialises sweeps)."""
    connection = await unit.session.connection()
    if connection.dialect.name == "postgresql":
        locked = await unit.session.exec(select(func.pg_try_advisory_xact_lock(SWEEP_LOCK_KEY)))
        if not locked.one():
            return None
    if connection.dialect.name == "postgresql":
        # Room for those sets to be hashed in memory (for this transaction only).
        await connection.execute(text(f"SET LOCAL work_mem = '{SWEEP_WORK_MEM}'"))
    now, limits = unit.now(), thresholds(unit)
    result = SweepResult()
    for rule in RULES:
        condition = rule.holds(now, limits)
        already = exists().where(
            col(Alert.child_id) == Child.id,
            col(Alert.kind) == rule.kind,
            col(Alert.status).in_(ACTIVE),
        )
        dealt_with = rule.dealt_with(now, limits)
        to_alert = (
            await unit.session.exec(select(Child.id).where(condition, ~already, ~dealt_with))
        ).all()
        unit.session.add_all(_new_alert(unit, child_id, rule) for child_id in to_alert)
        # The children the condition holds for, as a set the database builds once (its
        # EXISTS run as joins); negating the condition alert by alert would probe each.
        holding = sa.select(col(Child.id)).where(condition)
        cleared = (
            await unit.session.exec(
                select(Alert).where(
                    col(Alert.kind) == rule.kind,
                    col(Alert.status).in_(ACTIVE),
                    col(Alert.child_id).not_in(holding),
                )
            )
        ).all()
        for alert in cleared:
            _resolve(unit, alert)
        await unit.session.flush()
        result.raised[rule.kind] = len(to_alert)
        result.resolved[rule.kind] = len(cleared)
    return result
