"""When each kind of alert holds, written once as a SQL condition on a child: the same
condition decides for one child in the transaction of a change and for every child in a sweep.
"""

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlmodel import col

from models import Address, Alert, Child, CustodyEvent, Hearing, Notice, Representation
from models.base import UTCDateTime
from models.enums import (
    AlertKind,
    CustodyEventKind,
    CustodyStatus,
    HearingStatus,
    LocationStatus,
    NoticeStatus,
    VerificationStatus,
)

# The same normalised address as the current address of this many children, each under a
# different sponsor, is a trafficking indicator (the address issue SHARED_BY_UNRELATED_CHILDREN).
SHARED_ADDRESS_MIN_SPONSORS = 4
# Session info key under which a writing session carries the thresholds (from the settings).
THRESHOLDS_KEY = "alert_thresholds"


@dataclass(frozen=True)
class AlertThresholds:
    notice_not_served_days: int = 30
    address_unverified_days: int = 30
    transfer_overdue_hours: int = 72
    hearing_without_counsel_days: int = 30


@dataclass(frozen=True)
class Moments:
    """The instants the conditions compare records with, each derived from the evaluation's
    `now` and the thresholds: as values (`at`), or as the named parameters of a statement
    built once (`PARAMETERS`) and given the values when it runs (`parameters`)."""

    now: Any
    notice_due: Any  # released before this with no notice served: NOTICE_NOT_SERVED
    address_due: Any  # a date; an address taken up before it and unverified: ADDRESS_UNVERIFIED
    transfer_due: Any  # in DHS custody since before this: TRANSFER_OVERDUE
    counsel_until: Any  # a hearing from now until this and no counsel: HEARING_WITHOUT_COUNSEL

    @classmethod
    def at(cls, now: datetime, limits: AlertThresholds) -> "Moments":
        return cls(
            now=now,
            notice_due=now - timedelta(days=limits.notice_not_served_days),
            address_due=(now - timedelta(days=limits.address_unverified_days)).date(),
            transfer_due=now - timedelta(hours=limits.transfer_overdue_hours),
            counsel_until=now + timedelta(days=limits.hearing_without_counsel_days),
        )

    def parameters(self) -> dict[str, Any]:
        """The values of `PARAMETERS`, by their names."""
        return {f"moment_{field.name}": getattr(self, field.name) for field in fields(self)}


PARAMETERS = Moments(
    now=bindparam("moment_now", type_=UTCDateTime()),
    notice_due=bindparam("moment_notice_due", type_=UTCDateTime()),
    address_due=bindparam("moment_address_due", type_=Date()),
    transfer_due=bindparam("moment_transfer_due", type_=UTCDateTime()),
    counsel_until=bindparam("moment_counsel_until", type_=UTCDateTime()),
)

Condition = Callable[[Moments], ColumnElement[bool]]
Since = Callable[[Moments], ColumnElement[Any]]
# The children for whom the clock moving from `then` to `now` may have changed whether the
# condition holds or has been dealt with (a superset: each is evaluated again).
Turned = Callable[[datetime, datetime, AlertThresholds], Select[Any]]
# The children whose condition may have changed through changes to the records of others.
Touched = Callable[[Select[Any]], Select[Any]]


@dataclass(frozen=True)
class Rule:
    kind: AlertKind
    # Raised in the transaction of the change that makes it hold; else by the sweep. The
    # system resolves an alert of any kind as soon as a change or a sweep finds it cleared.
    event_driven: bool
    holds: Condition
    # When the condition's present cause began (the hearing missed, the address taken up...):
    # a person who resolved the kind after that has dealt with this cause, so the system does
    # not raise it again until a new one. None: only a new triggering change raises it again.
    since: Since | None
    detail: str
    # What else, besides a change to the child's own case, can change the condition: the
    # clock, or other children's records. A sweep after an earlier one evaluates only the
    # children these name and those whose case changed since (None: nothing else).
    turned: Turned | None = None
    touched: Touched | None = None

    def dealt_with(self, moments: Moments) -> ColumnElement[bool]:
        """A person resolved this kind for the child since its present cause began."""
        conditions = [
            col(Alert.child_id) == Child.id,
            col(Alert.kind) == self.kind,
            col(Alert.resolved_by).is_not(None),
        ]
        if self.since is not None:
            conditions.append(col(Alert.resolved_at) >= self.since(moments))
        return exists().where(*conditions)


def _failed_to_appear(_moments: Moments) -> ColumnElement[bool]:
    """A hearing the child failed to appear at, and no appearance at a later one."""
    later = _table(Hearing).alias("later")
    return exists().where(
        col(Hearing.child_id) == Child.id,
        col(Hearing.status) == HearingStatus.FAILED_TO_APPEAR,
        ~exists()
        .where(
            later.c.child_id == Child.id,
            later.c.status == HearingStatus.APPEARED,
            later.c.scheduled_for > Hearing.scheduled_for,
        )
        .correlate(Child, Hearing),
    )


def _failed_to_appear_since(_moments: Moments) -> ColumnElement[Any]:
    return (
        select(func.max(Hearing.scheduled_for))
        .where(
            col(Hearing.child_id) == Child.id,
            col(Hearing.status) == HearingStatus.FAILED_TO_APPEAR,
        )
        .scalar_subquery()
        .correlate(Child)
    )


def _location_unknown(_moments: Moments) -> ColumnElement[bool]:
    return col(Child.location_status) == LocationStatus.UNKNOWN


def _latest_custody_event(*kinds: CustodyEventKind) -> ColumnElement[datetime]:
    statement = select(func.max(CustodyEvent.occurred_at)).where(
        col(CustodyEvent.child_id) == Child.id
    )
    if kinds:
        statement = statement.where(col(CustodyEvent.kind).in_(kinds))
    return statement.scalar_subquery().correlate(Child)


def _latest_custody_event_before(instant: Any, *kinds: CustodyEventKind) -> ColumnElement[bool]:
    """The child's latest custody event (of these kinds) came before `instant`: one before
    it and none since. Said as two EXISTS, which the database runs as a semi-join and an
    anti-join over all children, where comparing a correlated max() is one probe a child."""

    def events(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
        of_kind = [col(CustodyEvent.kind).in_(kinds)] if kinds else []
        return exists().where(col(CustodyEvent.child_id) == Child.id, *of_kind, *conditions)

    return and_(
        events(col(CustodyEvent.occurred_at) < instant),
        ~events(col(CustodyEvent.occurred_at) >= instant),
    )


def _notice_not_served(moments: Moments) -> ColumnElement[bool]:
    return and_(
        col(Child.custody_status) == CustodyStatus.RELEASED_TO_SPONSOR,
        _latest_custody_event_before(moments.notice_due, CustodyEventKind.RELEASED_TO_SPONSOR),
        _no_notice_served(Child.id),
    )


def _no_notice_served(child_id: Any) -> ColumnElement[bool]:
    return ~exists().where(
        col(Notice.child_id) == child_id,
        col(Notice.status).in_((NoticeStatus.SERVED, NoticeStatus.FILED)),
    )


def _released_since(_moments: Moments) -> ColumnElement[Any]:
    return _latest_custody_event(CustodyEventKind.RELEASED_TO_SPONSOR)


def _custody_since(_moments: Moments) -> ColumnElement[Any]:
    return _latest_custody_event()


def _address_since(_moments: Moments) -> ColumnElement[Any]:
    """The current address's first day: what was resolved before it concerned another."""
    return (
        select(func.max(Address.effective_from))
        .where(col(Address.child_id) == Child.id, col(Address.effective_to).is_(None))
        .scalar_subquery()
        .correlate(Child)
    )


def _current_address(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        col(Address.child_id) == Child.id, col(Address.effective_to).is_(None), *conditions
    )


def _address_unverified(moments: Moments) -> ColumnElement[bool]:
    return _current_address(
        col(Address.verification) == VerificationStatus.UNVERIFIED,
        col(Address.effective_from) < moments.address_due,
    )


def _address_issue(_moments: Moments) -> ColumnElement[bool]:
    """The current address has any of the issues `Address.issues` reads (see addresses.py)."""
    other = _table(Address).alias("other")
    sharing = _table(Address).alias("sharing")
    sharer = _table(Child).alias("sharer")
    missing_unit = and_(
        col(Address.line2).is_(None),
        exists().where(
            other.c.street_key == Address.street_key,
            other.c.line2.is_not(None),
            other.c.child_id != Address.child_id,
        ),
    )
    sponsors_at_address = (
        select(func.count(func.distinct(sharer.c.sponsor_id)))
        .select_from(sharing.join(sharer, sharer.c.id == sharing.c.child_id))
        .where(sharing.c.address_key == Address.address_key, sharing.c.effective_to.is_(None))
        .scalar_subquery()
    )
    return _current_address(
        or_(
            col(Address.undeliverable).is_(True),
            missing_unit,
            sponsors_at_address >= SHARED_ADDRESS_MIN_SPONSORS,
        )
    )


def _transfer_overdue(moments: Moments) -> ColumnElement[bool]:
    return and_(
        col(Child.custody_status) == CustodyStatus.IN_DHS_CUSTODY,
        _latest_custody_event_before(moments.transfer_due),
    )


def _hearing_without_counsel(moments: Moments) -> ColumnElement[bool]:
    return and_(
        exists().where(
            col(Hearing.child_id) == Child.id,
            col(Hearing.status) == HearingStatus.SCHEDULED,
            col(Hearing.scheduled_for) >= moments.now,
            col(Hearing.scheduled_for) <= moments.counsel_until,
        ),
        _without_counsel(Child.id),
    )


def _without_counsel(child_id: Any) -> ColumnElement[bool]:
    return ~exists().where(
        col(Representation.child_id) == child_id,
        col(Representation.withdrawn_on).is_(None),
    )


def _upcoming_hearing_since(moments: Moments) -> ColumnElement[Any]:
    """Since the child's last hearing before now (or ever): a resolution after it covers the
    hearings still to come."""
    last = (
        select(func.max(Hearing.scheduled_for))
        .where(col(Hearing.child_id) == Child.id, col(Hearing.scheduled_for) < moments.now)
        .scalar_subquery()
        .correlate(Child)
    )
    return func.coalesce(last, _BEGINNING)


_BEGINNING = datetime(1900, 1, 1, tzinfo=UTC)


# Each rule's `turned`: the children for whom the clock carried a date past the threshold
# between two sweeps, read from the dated records' indexes. Where it is cheap to tell there,
# those for whom the rest of the condition cannot hold are left out: the clock cannot make
# the condition hold for them, and the change that made the rest stop holding resolved any
# alert.


def _custody_event_came_of_age(
    then: datetime, now: datetime, age: timedelta, *kinds: CustodyEventKind
) -> list[ColumnElement[bool]]:
    """A custody event (of these kinds) that reached `age` between the sweeps: the child's
    latest such event may have just come of age."""
    return [
        col(CustodyEvent.kind).in_(kinds or tuple(CustodyEventKind)),
        col(CustodyEvent.occurred_at).between(then - age, now - age),
    ]


def _release_came_of_age(then: datetime, now: datetime, limits: AlertThresholds) -> Select[Any]:
    age = timedelta(days=limits.notice_not_served_days)
    return select(col(CustodyEvent.child_id)).where(
        *_custody_event_came_of_age(then, now, age, CustodyEventKind.RELEASED_TO_SPONSOR),
        _no_notice_served(CustodyEvent.child_id),
    )


def _custody_came_of_age(then: datetime, now: datetime, limits: AlertThresholds) -> Select[Any]:
    age = timedelta(hours=limits.transfer_overdue_hours)
    return select(col(CustodyEvent.child_id)).where(*_custody_event_came_of_age(then, now, age))


def _address_came_of_age(then: datetime, now: datetime, limits: AlertThresholds) -> Select[Any]:
    age = timedelta(days=limits.address_unverified_days)
    return select(col(Address.child_id)).where(
        col(Address.effective_to).is_(None),
        col(Address.verification) == VerificationStatus.UNVERIFIED,
        col(Address.effective_from).between((then - age).date(), (now - age).date()),
    )


def _hearing_came_near_or_passed(
    then: datetime, now: datetime, limits: AlertThresholds
) -> Select[Any]:
    """A scheduled hearing entered the window before it, or a hearing left it by passing
    (which also moves what a person's resolution covers)."""
    ahead = timedelta(days=limits.hearing_without_counsel_days)
    return select(col(Hearing.child_id)).where(
        or_(
            col(Hearing.scheduled_for).between(then, now),
            and_(
                col(Hearing.status) == HearingStatus.SCHEDULED,
                col(Hearing.scheduled_for).between(then + ahead, now + ahead),
            ),
        ),
        _without_counsel(Hearing.child_id),
    )


def _living_where_they_live(changed: Select[Any]) -> Select[Any]:
    """The children the `changed` children's addresses can give an address issue or take one
    from: those with no unit on a street where one of them has or had a unit (the unit is
    missing), and those at an address where one of them lives or lived (a move in or out, or
    a new sponsor, changes whether it is shared)."""
    theirs = _table(Address).alias("theirs")
    streets_with_units = select(theirs.c.street_key).where(
        theirs.c.child_id.in_(changed), theirs.c.line2.is_not(None)
    )
    their_addresses = select(theirs.c.address_key).where(theirs.c.child_id.in_(changed))
    return select(col(Address.child_id)).where(
        col(Address.effective_to).is_(None),
        or_(
            and_(
                col(Address.line2).is_(None),
                col(Address.street_key).in_(streets_with_units),
            ),
            col(Address.address_key).in_(their_addresses),
        ),
    )


def _table(model: type) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


RULES = (
    Rule(
        AlertKind.FAILED_TO_APPEAR,
        True,
        _failed_to_appear,
        _failed_to_appear_since,
        "The child failed to appear at a hearing and has not appeared at a later one.",
    ),
    Rule(
        AlertKind.LOCATION_UNKNOWN,
        True,
        _location_unknown,
        None,
        "Where the child is living is not known.",
    ),
    Rule(
        AlertKind.ADDRESS_ISSUE,
        True,
        _address_issue,
        _address_since,
        "The child's current address has an issue (missing unit, undeliverable or shared).",
        touched=_living_where_they_live,
    ),
    Rule(
        AlertKind.NOTICE_NOT_SERVED,
        False,
        _notice_not_served,
        _released_since,
        "Released to a sponsor past the threshold with no Notice to Appear served.",
        turned=_release_came_of_age,
    ),
    Rule(
        AlertKind.ADDRESS_UNVERIFIED,
        False,
        _address_unverified,
        _address_since,
        "The child's current address has been unverified past the threshold.",
        turned=_address_came_of_age,
    ),
    Rule(
        AlertKind.TRANSFER_OVERDUE,
        False,
        _transfer_overdue,
        _custody_since,
        "In DHS custody past the threshold without transfer to HHS.",
        turned=_custody_came_of_age,
    ),
    Rule(
        AlertKind.HEARING_WITHOUT_COUNSEL,
        False,
        _hearing_without_counsel,
        _upcoming_hearing_since,
        "A hearing is coming up within the threshold and the child has no counsel.",
        turned=_hearing_came_near_or_passed,
    ),
)


# How soon each kind of alert should be acted on, and what acting on it means: an alert's due
# time (raised + within) orders the work queues (resolvers/work.py).
@dataclass(frozen=True)
class Response:
    """How soon an alert of a kind should be acted on, and what acting on it means."""

    within: timedelta
    next_step: str


RESPONSES: dict[AlertKind, Response] = {
    AlertKind.TRANSFER_OVERDUE: Response(
        timedelta(hours=12),
        "Transfer the child to HHS custody, or record why the transfer cannot happen yet.",
    ),
    AlertKind.FAILED_TO_APPEAR: Response(
        timedelta(days=1),
        "Reach the child and the sponsor now: visit the current address, call the sponsor, "
        "record each contact attempt, and tell the court what you find.",
    ),
    AlertKind.LOCATION_UNKNOWN: Response(
        timedelta(days=1),
        "Find where the child lives: call the sponsor, visit the last address, ask HHS; "
        "record each contact attempt and any new address.",
    ),
    AlertKind.ADDRESS_ISSUE: Response(
        timedelta(days=3),
        "Confirm the address with the sponsor (the unit number, who else lives there) and "
        "record the corrected address or verify it.",
    ),
    AlertKind.NOTICE_NOT_SERVED: Response(
        timedelta(days=7),
        "Serve the Notice to Appear at the current address and record the service.",
    ),
    AlertKind.ADDRESS_UNVERIFIED: Response(
        timedelta(days=7),
        "Verify the current address by a visit or a call that reaches the child there, and "
        "record the contact attempt.",
    ),
    AlertKind.HEARING_WITHOUT_COUNSEL: Response(
        timedelta(days=7),
        "Give the child and the sponsor the list of free legal service providers before the "
        "hearing; record counsel once entered.",
    ),
}


def due_at(kind: AlertKind, raised_at: datetime) -> datetime:
    """When an alert of `kind` raised at `raised_at` should have been acted on."""
    return raised_at + RESPONSES[kind].within
