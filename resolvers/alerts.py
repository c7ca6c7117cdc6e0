"""Alerts the system raises about a child's case, and what people do with them.

At most one OPEN or ACKNOWLEDGED alert per child and kind (a partial unique index holds it).
Alerts are derived by the system, so they never count as a change of the child's case record.
"""

import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Select, bindparam, case, exists, func, insert, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from audit.capture import AUDITED
from audit.tables import AuditEvent
from models import Alert, Child, SweepMark
from models.enums import AlertKind, AlertStatus, Role
from resolvers.alert_rules import (
    PARAMETERS,
    RULES,
    THRESHOLDS_KEY,
    AlertThresholds,
    Moments,
    Rule,
    due_at,
)
from resolvers.errors import InvalidTransition, NotFound
from resolvers.live import note_raised
from resolvers.partners import register_outbox
from resolvers.unit import Actor, Clock, Unit, open_unit

ACTIVE = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
register_outbox()  # every alert raised here is also written to its partners' outboxes


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


@dataclass
class SweepResult:
    raised: dict[AlertKind, int] = field(default_factory=lambda: dict.fromkeys(AlertKind, 0))
    resolved: dict[AlertKind, int] = field(default_factory=lambda: dict.fromkeys(AlertKind, 0))
    # The children the sweep evaluated; None when it evaluated every child.
    examined: int | None = None

    def add(self, other: "SweepResult") -> None:
        for kind in AlertKind:
            self.raised[kind] += other.raised[kind]
            self.resolved[kind] += other.resolved[kind]


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
    await _evaluate(unit, triggered, kinds, sweeping=False)


# Each rule's state for a child, as the evaluation reads it.
_CLEAR, _HOLDS, _DEALT_WITH = 0, 1, 2


async def _evaluate(
    unit: Unit,
    triggered: Mapping[uuid.UUID, Collection[AlertKind]],
    kinds: Collection[AlertKind] | None,
    *,
    sweeping: bool,
) -> SweepResult:
    """Raise and resolve the children's alerts in two statements. After a change, only the
    event-driven kinds are raised; in a sweep, every kind that holds and that no person has
    resolved for its present cause."""
    result = SweepResult()
    if not triggered:
        return result
    children = list(triggered)
    active = {
        (alert.child_id, alert.kind): alert
        for alert in await unit.session.exec(
            select(Alert).where(col(Alert.child_id).in_(children), col(Alert.status).in_(ACTIVE))
        )
    }
    # What can change here: an event-driven kind may be raised; an active alert resolved.
    # After a change, the time-driven kinds with no active alert are left to the sweep.
    active_kinds = {kind for _, kind in active}
    rules = [
        rule
        for rule in RULES
        if (kinds is None or rule.kind in kinds)
        and (sweeping or rule.event_driven or rule.kind in active_kinds)
    ]
    if not rules:
        return result
    moments = Moments.at(unit.now(), thresholds(unit))
    await unit.session.flush()  # the flags are read straight from the connection
    connection = await unit.session.connection()
    rows = await connection.execute(
        _states(tuple(rules)), {"children": children, **moments.parameters()}
    )
    states = {row[0]: row[1:] for row in rows}
    for child_id, caused in triggered.items():
        for rule, state in zip(rules, states[child_id], strict=True):
            holds, dealt_with = state != _CLEAR, state == _DEALT_WITH
            alert = active.get((child_id, rule.kind))
            if alert is not None and not holds:
                _resolve(unit, alert)
                result.resolved[rule.kind] += 1
            elif (
                alert is None
                and holds
                and (sweeping or rule.event_driven)
                and (rule.kind in caused or not dealt_with)
            ):
                unit.session.add(_new_alert(unit, child_id, rule))
                result.raised[rule.kind] += 1
    await unit.session.flush()
    return result


@lru_cache(maxsize=1 << len(RULES))  # every subset of the rules
def _states(rules: tuple[Rule, ...]) -> Select[Any]:
    """Each rule's state for each of the `children` given, built once for each set of rules
    with the instants as parameters: every change to a case evaluates its rules, and building
    this statement anew took a few milliseconds of the change's CPU."""
    columns: list[Any] = [Child.id]
    for rule in rules:
        # Whether a person has dealt with the condition matters only where it holds; the
        # database looks only there.
        dealt_with = case((rule.dealt_with(PARAMETERS), _DEALT_WITH), else_=_HOLDS)
        columns.append(case((rule.holds(PARAMETERS), dealt_with), else_=_CLEAR))
    return sa.select(*columns).where(col(Child.id).in_(bindparam("children", expanding=True)))


def _new_alert(unit: Unit, child_id: uuid.UUID, rule: Rule) -> Alert:
    raised_at = unit.now()
    alert = Alert(
        child_id=child_id,
        kind=rule.kind,
        status=AlertStatus.OPEN,
        raised_at=raised_at,
        detail=rule.detail,
        due_at=due_at(rule.kind, raised_at),
    )
    note_raised(unit.session.sync_session, alert.id, rule.kind)
    return alert


async def _raise_in_bulk(unit: Unit, children: Sequence[uuid.UUID], rule: Rule) -> None:
    """`_new_alert` for many children, by bulk insert: a first sweep raises hundreds of
    thousands, and a session's objects would cost several times as much."""
    raised_at = unit.now()
    for start in range(0, len(children), _BULK_ALERTS):
        keys = [uuid.uuid4() for _ in children[start : start + _BULK_ALERTS]]
        rows: list[dict[str, Any]] = [
            {
                "id": key,
                "child_id": child_id,
                "kind": rule.kind,
                "status": AlertStatus.OPEN,
                "raised_at": raised_at,
                "detail": rule.detail,
                "resolved_at": None,
                "resolved_by": None,
                "due_at": due_at(rule.kind, raised_at),
                "assigned_to": None,
            }
            for key, child_id in zip(keys, children[start : start + _BULK_ALERTS], strict=True)
        ]
        await unit.session.exec(insert(Alert).execution_options(render_nulls=True), params=rows)
        for key in keys:
            note_raised(unit.session.sync_session, key, rule.kind)


_BULK_ALERTS = 10_000


def _resolve(unit: Unit, alert: Alert) -> None:
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = unit.now()
    unit.session.add(alert)


# PostgreSQL advisory lock key of the sweep: one process sweeps at a time.
SWEEP_LOCK_KEY = 0x63_74_73_77_65_65_70  # "ctsweep"
SWEEPER = Actor(name="alert-sweep", role=Role.ADMIN)
SWEEP_WORK_MEM = "128MB"


async def sweep_now(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, everyone: bool = False
) -> SweepResult | None:
    """One sweep in a transaction of its own, by the sweeper, at `clock`'s time."""
    async with open_unit(sessions, SWEEPER, "sweep", clock=clock) as unit:
        return await sweep(unit, everyone=everyone)


async def sweep(unit: Unit, *, everyone: bool = False) -> SweepResult | None:
    """Bring every child's alerts up to the unit's clock: raise each alert that holds, is not
    active and no person has resolved for its present cause; resolve each active alert whose
    condition has cleared. The time-driven kinds are raised here only; an event-driven kind
    here too when its cause came from outside the child's own case (another child's move made
    the address shared).

    After an earlier sweep (the mark it left), only the children whose alerts can have changed
    since are evaluated: those whose case changed (the history says which, and no write
    escapes it), those the rules name as touched by those changes, and those whose dates the
    clock carried past a threshold. Every child is evaluated when there is no usable mark
    (none yet, thresholds changed, a clock behind the mark) or `everyone` is asked for.
    None when another process is sweeping (PostgreSQL; on SQLite the writer's lock already
    serialises sweeps)."""
    connection = await unit.session.connection()
    if connection.dialect.name == "postgresql":
        locked = await unit.session.exec(select(func.pg_try_advisory_xact_lock(SWEEP_LOCK_KEY)))
        if not locked.one():
            return None
        # Room for the sets of a full sweep to be hashed in memory (this transaction only).
        await connection.execute(text(f"SET LOCAL work_mem = '{SWEEP_WORK_MEM}'"))
    now, limits = unit.now(), thresholds(unit)
    # Read before the changes it covers: a transaction committing later has a later sequence.
    through = (
        await unit.session.exec(select(func.coalesce(func.max(AuditEvent.sequence), 0)))
    ).one()
    mark = await unit.session.get(SweepMark, 1)
    applied = _thresholds_text(limits)
    groups = None
    if not (
        everyone
        or mark is None
        or mark.thresholds != applied
        or now < mark.swept_at
        or through < mark.through_sequence
    ):
        groups = await _changed_since(unit, mark, through)
    examined = set().union(*(children for _, children in groups or ()))
    if groups is None or len(examined) > EVALUATED_AT_MOST:
        result = await _sweep_everyone(unit)
    else:
        result = SweepResult(examined=len(examined))
        for kinds, children in groups:
            batch = list(children)
            for start in range(0, len(batch), _EVALUATED_TOGETHER):
                chunk = dict.fromkeys(batch[start : start + _EVALUATED_TOGETHER], ())
                result.add(await _evaluate(unit, chunk, kinds, sweeping=True))
    if mark is None:
        mark = SweepMark(swept_at=now, through_sequence=through, thresholds=applied)
    else:
        mark.swept_at, mark.through_sequence, mark.thresholds = now, through, applied
    unit.session.add(mark)
    await unit.session.flush()
    return result


# Past this many children, one set-based pass over all of them costs less than evaluating
# each; they are evaluated this many at a time (one statement's parameters).
EVALUATED_AT_MOST = 20_000
_EVALUATED_TOGETHER = 2_000


def _thresholds_text(limits: AlertThresholds) -> str:
    return json.dumps(asdict(limits), sort_keys=True)


async def _changed_since(
    unit: Unit, mark: SweepMark, through: int
) -> list[tuple[set[AlertKind], set[uuid.UUID]]]:
    """The children whose alerts can have changed since the sweep that left `mark`, each
    with the kinds to evaluate: those whose case changed, for the time-driven kinds (the
    change itself evaluated the others); those each rule names as touched by those changes
    or as carried past a threshold by the clock, for that rule's kind."""
    now, limits = unit.now(), thresholds(unit)
    changed = sa.select(col(AuditEvent.child_id)).where(
        col(AuditEvent.sequence) > mark.through_sequence,
        col(AuditEvent.sequence) <= through,
        col(AuditEvent.child_id).is_not(None),
        # The alerts' own events: an alert a person handled stands as it is.
        col(AuditEvent.entity_type) != AUDITED[Alert],
    )
    sources: list[tuple[set[AlertKind], sa.Select[Any]]] = [
        ({rule.kind for rule in RULES if not rule.event_driven}, changed)
    ]
    for rule in RULES:
        if rule.touched is not None:
            sources.append(({rule.kind}, rule.touched(changed)))
        if rule.turned is not None:
            sources.append(({rule.kind}, rule.turned(mark.swept_at, now, limits)))
    groups = []
    for kinds, source in sources:
        rows = await unit.session.exec(source.distinct())  # type: ignore[call-overload]
        groups.append((kinds, {child_id for (child_id,) in rows}))
    return groups


async def _sweep_everyone(unit: Unit) -> SweepResult:
    """Every rule over every child: per rule, one statement finds the children to alert and
    one the alerts to resolve."""
    moments = Moments.at(unit.now(), thresholds(unit))
    result = SweepResult()
    for rule in RULES:
        condition = rule.holds(moments)
        already = exists().where(
            col(Alert.child_id) == Child.id,
            col(Alert.kind) == rule.kind,
            col(Alert.status).in_(ACTIVE),
        )
        dealt_with = rule.dealt_with(moments)
        to_alert = (
            await unit.session.exec(select(Child.id).where(condition, ~already, ~dealt_with))
        ).all()
        await _raise_in_bulk(unit, to_alert, rule)
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
