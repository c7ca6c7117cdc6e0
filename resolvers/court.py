"""A child's case in immigration court: the Notice to Appear that opens it, the hearings that
follow, and the child's counsel. Each change counts as one change of the child's case record."""

import uuid
from datetime import date, datetime

from sqlmodel import col, select

from models import Child, Hearing, Notice, Representation
from models.enums import (
    AlertKind,
    CustodyStatus,
    HearingStatus,
    HearingType,
    NoticeStatus,
    ServiceMethod,
)
from resolvers.children import lock_child, record_changed
from resolvers.errors import Duplicate, InvalidInput, InvalidTransition, NotFound
from resolvers.unit import Unit
from resolvers.validation import aware, optional_text, past_date, required_text

COURT_MAX = 20
# A notice can be served on a child the government can reach: in custody or with a sponsor.
_SERVABLE = frozenset(
    {
        CustodyStatus.IN_DHS_CUSTODY,
        CustodyStatus.IN_HHS_CUSTODY,
        CustodyStatus.RELEASED_TO_SPONSOR,
    }
)
# The outcomes a hearing can be given; SCHEDULED is where it starts and OVERDUE is only read.
OUTCOMES = frozenset(
    {
        HearingStatus.APPEARED,
        HearingStatus.FAILED_TO_APPEAR,
        HearingStatus.CONTINUED,
        HearingStatus.CANCELLED,
    }
)
# Outcomes that say what happened at the hearing, so it must have taken place.
_HELD = frozenset({HearingStatus.APPEARED, HearingStatus.FAILED_TO_APPEAR})


def court_code(value: str, field: str = "court") -> str:
    """Courts are codes (e.g. "HOU"): trimmed, upper case."""
    return required_text(value, field, max_length=COURT_MAX).upper()


def _not_before_birth(child: Child, day: date, field: str) -> None:
    if day < child.date_of_birth:
        raise InvalidInput("This date is before the child's birth.", [field])


# ------------------------------------------------------------------ Notices to Appear


async def issue_notice(unit: Unit, *, child_id: uuid.UUID, issued_on: date, court: str) -> Notice:
    past_date(issued_on, unit.now(), "issuedOn")
    code = court_code(court)
    child = await lock_child(unit, child_id)
    _not_before_birth(child, issued_on, "issuedOn")
    notice = Notice(child_id=child.id, status=NoticeStatus.ISSUED, issued_on=issued_on, court=code)
    unit.session.add(notice)
    await record_changed(unit, child)
    return notice


async def _locked_notice(unit: Unit, notice_id: uuid.UUID) -> tuple[Notice, Child]:
    notice = await unit.session.get(Notice, notice_id)
    if notice is None:
        raise NotFound("No notice has this ID.", ["noticeId"])
    child = await lock_child(unit, notice.child_id, field=("noticeId",))
    await unit.session.refresh(notice)  # as it stands now the child's case is locked
    return notice, child


async def serve_notice(
    unit: Unit, *, notice_id: uuid.UUID, served_on: date, method: ServiceMethod
) -> Notice:
    past_date(served_on, unit.now(), "servedOn")
    notice, child = await _locked_notice(unit, notice_id)
    if notice.status != NoticeStatus.ISSUED:
        raise InvalidTransition(
            f"A {notice.status.value} notice cannot be served; only an ISSUED one can.",
            ["noticeId"],
        )
    if child.custody_status not in _SERVABLE:
        raise InvalidTransition(
            "A notice is served on a child in custody or released to a sponsor; this child "
            f"is {child.custody_status.value}.",
            ["noticeId"],
        )
    if served_on < notice.issued_on:
        raise InvalidInput("A notice cannot be served before it was issued.", ["servedOn"])
    notice.status = NoticeStatus.SERVED
    notice.served_on = served_on
    notice.service_method = method
    unit.session.add(notice)
    await record_changed(unit, child)
    return notice


async def file_notice(unit: Unit, *, notice_id: uuid.UUID, filed_on: date) -> Notice:
    past_date(filed_on, unit.now(), "filedOn")
    notice, child = await _locked_notice(unit, notice_id)
    if notice.status != NoticeStatus.SERVED:
        raise InvalidTransition(
            f"A {notice.status.value} notice cannot be filed; it is filed with the court once "
            "it has been served.",
            ["noticeId"],
        )
    served_on = notice.served_on or notice.issued_on
    if filed_on < served_on:
        raise InvalidInput("A notice cannot be filed before it was served.", ["filedOn"])
    notice.status = NoticeStatus.FILED
    notice.filed_on = filed_on
    unit.session.add(notice)
    await record_changed(unit, child)
    return notice


# ------------------------------------------------------------------ hearings


async def _has_filed_notice(unit: Unit, child_id: uuid.UUID, court: str) -> bool:
    statement = select(Notice.id).where(
        col(Notice.child_id) == child_id,
        col(Notice.court) == court,
        col(Notice.status) == NoticeStatus.FILED,
    )
    return (await unit.session.exec(statement.limit(1))).first() is not None


async def _add_hearing(
    unit: Unit,
    child: Child,
    *,
    court: str,
    type: HearingType,
    scheduled_for: datetime,
    field: str,
) -> Hearing:
    duplicate = select(Hearing.id).where(
        col(Hearing.child_id) == child.id,
        col(Hearing.court) == court,
        col(Hearing.scheduled_for) == scheduled_for,
    )
    if (await unit.session.exec(duplicate.limit(1))).first() is not None:
        raise Duplicate("The child already has a hearing at this court at this time.", [field])
    hearing = Hearing(
        child_id=child.id,
        court=court,
        type=type,
        scheduled_for=scheduled_for,
        status=HearingStatus.SCHEDULED,
    )
    unit.session.add(hearing)
    return hearing


async def schedule_hearing(
    unit: Unit,
    *,
    child_id: uuid.UUID,
    court: str,
    type: HearingType,
    scheduled_for: datetime,
) -> Hearing:
    """A hearing before the court that has the child's case: the court must hold a FILED
    notice. It may lie in the past (a docket entered late), never before the child's birth."""
    aware(scheduled_for, "scheduledFor")
    code = court_code(court)
    child = await lock_child(unit, child_id)
    _not_before_birth(child, scheduled_for.date(), "scheduledFor")
    if not await _has_filed_notice(unit, child.id, code):
        raise InvalidTransition(
            "The court has no case for this child until a Notice to Appear is filed there.",
            ["court"],
        )
    hearing = await _add_hearing(
        unit, child, court=code, type=type, scheduled_for=scheduled_for, field="scheduledFor"
    )
    await record_changed(unit, child)
    return hearing


async def record_hearing_outcome(
    unit: Unit,
    *,
    hearing_id: uuid.UUID,
    status: HearingStatus,
    in_absentia_order: bool | None = None,
    continued_to: datetime | None = None,
) -> Hearing:
    """What happened at a SCHEDULED hearing. CONTINUED schedules the next one at `continuedTo`."""
    if status not in OUTCOMES:
        raise InvalidInput(
            "An outcome is APPEARED, FAILED_TO_APPEAR, CONTINUED or CANCELLED.", ["status"]
        )
    if in_absentia_order and status != HearingStatus.FAILED_TO_APPEAR:
        raise InvalidInput(
            "An in absentia order is only made when the child failed to appear.",
            ["inAbsentiaOrder"],
        )
    if (continued_to is not None) != (status == HearingStatus.CONTINUED):
        raise InvalidInput(
            "continuedTo is given with CONTINUED, and only with it.",
            ["continuedTo" if continued_to is not None else "status"],
        )
    hearing = await unit.session.get(Hearing, hearing_id)
    if hearing is None:
        raise NotFound("No hearing has this ID.", ["hearingId"])
    child = await lock_child(unit, hearing.child_id, field=("hearingId",))
    await unit.session.refresh(hearing)
    if hearing.status != HearingStatus.SCHEDULED:
        raise InvalidTransition(
            f"This hearing already has its outcome ({hearing.status.value}).", ["hearingId"]
        )
    if status in _HELD and hearing.scheduled_for > unit.now():
        raise InvalidTransition(
            "The hearing has not taken place yet; record whether the child appeared once it has.",
            ["status"],
        )
    if continued_to is not None:
        aware(continued_to, "continuedTo")
        if continued_to <= hearing.scheduled_for:
            raise InvalidInput(
                "A hearing is continued to a later time than its own.", ["continuedTo"]
            )
        await _add_hearing(
            unit,
            child,
            court=hearing.court,
            type=hearing.type,
            scheduled_for=continued_to,
            field="continuedTo",
        )
    hearing.status = status
    hearing.in_absentia_order = bool(in_absentia_order)
    unit.session.add(hearing)
    failed = status == HearingStatus.FAILED_TO_APPEAR
    await record_changed(unit, child, [AlertKind.FAILED_TO_APPEAR] if failed else [])
    return hearing


# ------------------------------------------------------------------ representation


async def record_representation(
    unit: Unit,
    *,
    child_id: uuid.UUID,
    attorney_name: str,
    organization: str | None,
    entered_on: date,
) -> Representation:
    """New counsel of record. Counsel before it, if any, withdrew the day the new one entered."""
    past_date(entered_on, unit.now(), "enteredOn")
    attorney = required_text(attorney_name, "attorneyName", max_length=200)
    firm = optional_text(organization, "organization", max_length=200)
    child = await lock_child(unit, child_id)
    _not_before_birth(child, entered_on, "enteredOn")
    current = (
        await unit.session.exec(
            select(Representation).where(
                col(Representation.child_id) == child.id,
                col(Representation.withdrawn_on).is_(None),
            )
        )
    ).all()
    for earlier in current:
        if entered_on < earlier.entered_on:
            raise InvalidInput(
                "The child's current counsel entered after this date; record counsel in order.",
                ["enteredOn"],
            )
        earlier.withdrawn_on = entered_on
        unit.session.add(earlier)
    representation = Representation(
        child_id=child.id, attorney_name=attorney, organization=firm, entered_on=entered_on
    )
    unit.session.add(representation)
    await record_changed(unit, child)
    return representation
