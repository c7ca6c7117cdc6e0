"""Automatic change capture: every insert, update and delete of an audited table, through
any session, becomes an event in the same transaction. Nothing has to remember to call it.

During the transaction each flush notes what changed (while SQLAlchemy still holds the
before-values); just before commit the notes become events, chained under the head lock.
A rollback drops the notes, so a failed mutation appends nothing.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, UOWTransaction

from audit.canonical import canonical_value
from models import (
    Address,
    Alert,
    ApiToken,
    Child,
    ChildMerge,
    ContactAttempt,
    CustodyEvent,
    FieldOffice,
    Hearing,
    Notice,
    Partner,
    Representation,
    Sponsor,
)

# Audited tables, by the entity name events carry (the API's type names).
AUDITED: dict[type, str] = {
    Child: "Child",
    Sponsor: "Sponsor",
    Address: "Address",
    CustodyEvent: "CustodyEvent",
    ContactAttempt: "ContactAttempt",
    Notice: "Notice",
    Hearing: "Hearing",
    Representation: "Representation",
    Alert: "Alert",
    ApiToken: "ApiToken",
    Partner: "Partner",
    ChildMerge: "ChildMerge",
    FieldOffice: "FieldOffice",
}
TABLE_OF: dict[str, type] = {name: table for table, name in AUDITED.items()}

PENDING_KEY = "audit_pending"
# Columns computed from others for searching and matching; recorded and hashed like every
# column, but a reader of the history has no use for them.
DERIVED_COLUMNS = frozenset({"first_name_key", "last_name_key", "street_key", "address_key"})


class AuditError(RuntimeError):
    """A write that the history cannot record as it must."""


@dataclass
class PendingChange:
    """What one record's changes in this transaction add up to, before it is an event."""

    entity_type: str
    entity_id: uuid.UUID
    child_id: uuid.UUID | None
    operation: str  # insert, update or delete
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def merge(self, later: "PendingChange") -> None:
        """Fold a later flush's change of the same record into this one."""
        if self.operation != "insert":  # an insert's before-values are all null
            for name, value in later.before.items():
                self.before.setdefault(name, value)
        self.after.update(later.after)
        if later.operation == "delete":
            self.operation = "gone" if self.operation == "insert" else "delete"
            self.after = dict.fromkeys(self.after)
        self.context = later.context

    def changes(self) -> list[dict[str, Any]]:
        if self.operation == "insert":  # every column, from null
            after = self.after
            return [{"field": n, "before": None, "after": after[n]} for n in sorted(after)]
        names = sorted(set(self.before) | set(self.after))
        listed = [
            {"field": n, "before": self.before.get(n), "after": self.after.get(n)} for n in names
        ]
        return [c for c in listed if c["before"] != c["after"] or self.operation != "update"]


def columns_of(row: Any) -> dict[str, Any]:
    """Every column of an audited row, in canonical form."""
    mapper = inspect(type(row))
    return {c.key: canonical_value(getattr(row, c.key)) for c in mapper.column_attrs}


def _owner(row: Any) -> uuid.UUID | None:
    if isinstance(row, Child):
        return row.id
    owner = getattr(row, "child_id", None)
    return owner if isinstance(owner, uuid.UUID) else None


def _context(session: Session) -> dict[str, Any]:
    actor = session.info.get("actor")
    if actor is None:
        raise AuditError(
            "a change to an audited table was flushed with no actor: open a unit of work"
        )
    unit = session.info.get("unit")
    return {
        "actor_name": actor.name,
        "actor_role": str(actor.role),
        "action": session.info.get("action") or "unknown",
        "reason": getattr(unit, "reason", None),
        "request_id": getattr(unit, "request_id", None),
    }


def _note(session: Session, change: PendingChange) -> None:
    pending: dict[tuple[str, uuid.UUID], PendingChange] = session.info.setdefault(PENDING_KEY, {})
    key = (change.entity_type, change.entity_id)
    if key in pending:
        pending[key].merge(change)
    else:
        pending[key] = change


@event.listens_for(Session, "before_flush")
def _refuse_writes_without_actor(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    if session.info.get("actor") is None and any(
        type(row) in AUDITED for row in (*session.new, *session.dirty, *session.deleted)
    ):
        _context(session)  # raises


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _flush: UOWTransaction) -> None:
    rows = [(r, "insert") for r in session.new]
    rows += [(r, "update") for r in session.dirty]
    rows += [(r, "delete") for r in session.deleted]
    audited = [(row, operation) for row, operation in rows if type(row) in AUDITED]
    if not audited:
        return
    context = _context(session)
    for row, operation in audited:
        change = PendingChange(
            entity_type=AUDITED[type(row)],
            entity_id=row.id,
            child_id=_owner(row),
            operation=operation,
            context=context,
        )
        if operation == "insert":
            change.after = columns_of(row)
        elif operation == "delete":
            change.before = columns_of(row)
            change.after = dict.fromkeys(change.before)
        else:
            state = inspect(row)
            for attribute in inspect(type(row)).column_attrs:
                history = state.attrs[attribute.key].history
                if history.added or history.deleted:
                    old = history.deleted[0] if history.deleted else None
                    change.before[attribute.key] = canonical_value(old)
                    change.after[attribute.key] = canonical_value(getattr(row, attribute.key))
            if not change.after:
                continue
        _note(session, change)


@event.listens_for(Session, "do_orm_execute")
def _capture_bulk_statements(state: ORMExecuteState) -> None:
    """ORM bulk INSERTs (a list of rows) are captured like flushed inserts; bulk UPDATE and
    DELETE by criteria would change rows the history cannot see, so they are refused."""
    mapper = state.bind_mapper
    table = mapper.class_ if mapper is not None else None
    if table not in AUDITED:
        return
    if state.is_update or state.is_delete:
        raise AuditError(
            f"bulk {'UPDATE' if state.is_update else 'DELETE'} of {AUDITED[table]} is not "
            "recorded in the history: change the rows through the session instead"
        )
    if not state.is_insert:
        return
    parameters = state.parameters
    if isinstance(parameters, Mapping):
        batch: list[Mapping[str, Any]] = [parameters] if parameters else []
    else:
        batch = list(parameters or [])
    if not batch:
        raise AuditError(
            f"an ORM insert of {AUDITED[table]} must pass its rows as parameters "
            "(a list of dicts), so that the history can record them"
        )
    context = _context(state.session)
    names = _column_names(AUDITED[table])
    for values in batch:
        if "id" not in values:
            raise AuditError(f"a bulk insert of {AUDITED[table]} must give each row its id")
        if names.issubset(values):  # every column given: no defaults for a model to fill in
            after = {name: canonical_value(values[name]) for name in names}
            owner = values["id"] if table is Child else values.get("child_id")
        else:
            row = table(**values)
            after, owner = columns_of(row), _owner(row)
        _note(
            state.session,
            PendingChange(
                entity_type=AUDITED[table],
                entity_id=values["id"],
                child_id=owner if isinstance(owner, uuid.UUID) else None,
                operation="insert",
                after=after,
                context=context,
            ),
        )


@cache
def _column_names(entity_type: str) -> frozenset[str]:
    mapper: Mapper[Any] = inspect(TABLE_OF[entity_type])
    return frozenset(attribute.key for attribute in mapper.column_attrs)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
