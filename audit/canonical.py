"""The canonical form every event is hashed in, so anyone can recompute a hash.

An event's document is a JSON object with keys sorted, no insignificant white space, UTF-8
(non-ASCII characters as themselves); instants as UTC `YYYY-MM-DDTHH:MM:SS.ffffffZ`, dates as
`YYYY-MM-DD`, UUIDs in lower-case 8-4-4-4-12 form, decimals as plain decimal strings, enums by
value. hash = SHA-256(previous hash as 64 lower-case hex ASCII characters ‖ document), in hex.
"""

import enum
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from json.encoder import encode_basestring  # json's own (C) string encoder, non-ASCII as is
from typing import Any, TypeVar

import orjson
import sqlalchemy as sa
from sqlalchemy import ColumnElement, func
from sqlmodel import AutoString

from models.base import UTCDateTime

INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_T = TypeVar("_T")
_AS_IS = frozenset({type(None), bool, int, str})


def canonical_value(value: Any) -> Any:
    """A value in the form it is hashed and stored in `changes`."""
    kind = type(value)  # the commonest types first, by identity: bulk writes call this a lot
    if kind in _AS_IS:
        return value
    if kind is uuid.UUID:
        return str(value)
    if kind is date:
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return canonical_value(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in an audited record")
        return value.astimezone(UTC).strftime(INSTANT_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, list | tuple):
        return [canonical_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical_value(v) for k, v in value.items()}
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """Canonical values (see `canonical_value`: no floats) as the JSON text `canonical_bytes`
    writes, with sorted keys: orjson writes the same text for every character, measured, in an
    eighth of json's time."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER).decode()
    except orjson.JSONEncodeError:  # an integer past 53 bits, which json writes as it is
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )


def canonical_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def chain_hash(previous_hash: str, document: dict[str, Any]) -> str:
    """SHA-256 of the previous hash followed by the canonical document."""
    return hashlib.sha256(previous_hash.encode("ascii") + canonical_bytes(document)).hexdigest()


def event_document(
    *,
    sequence: int,
    event_id: uuid.UUID | str,
    recorded_at: datetime | str,
    actor_name: str,
    actor_role: str,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str,
    entity_version: int,
    child_id: uuid.UUID | str | None,
    changes: list[dict[str, Any]],
    reason: str | None,
    request_id: str | None,
    previous_hash: str,
) -> dict[str, Any]:
    """Everything an event says, except its own hash, in canonical form."""
    return {
        "sequence": sequence,
        "event_id": canonical_value(_uuid(event_id)),
        "recorded_at": recorded_at
        if isinstance(recorded_at, str)
        else canonical_value(recorded_at),
        "actor": {"name": actor_name, "role": actor_role},
        "action": action,
        "entity_type": entity_type,
        "entity_id": canonical_value(_uuid(entity_id)),
        "entity_version": entity_version,
        "child_id": canonical_value(_uuid(child_id)) if child_id is not None else None,
        "changes": changes,
        "reason": reason,
        "request_id": request_id,
        "previous_hash": previous_hash,
    }


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


# An event's fields in the order `document_text` takes them.
EVENT_FIELDS = (
    "sequence",
    "event_id",
    "recorded_at",
    "actor_name",
    "actor_role",
    "action",
    "entity_type",
    "entity_id",
    "entity_version",
    "child_id",
    "changes",
    "reason",
    "request_id",
    "previous_hash",
)


def document_text(event: Sequence[Any]) -> str:
    """The canonical document of an event whose fields (in EVENT_FIELDS order) are read as
    canonical text (see `canonical_sql`), `changes` as its stored JSON text: the text of
    `canonical_bytes(event_document(...))` when that JSON is canonical, built without decoding
    it. Verification hashes this first, and decodes and re-encodes only an event it does not
    match."""
    return _document(
        event, event[_EVENT_ID], event[_RECORDED_AT], event[_ENTITY_ID], event[_CHILD_ID]
    )


def stored_document_text(event: Sequence[Any]) -> str:
    """`document_text` of an event read from SQLite as `canonical_read` selects it, before its
    `finish`: UUIDs as the 32 hex digits SQLite keeps and the instant as its UTC
    "YYYY-MM-DD HH:MM:SS.ffffff", turned canonical as `finish` turns them, so that a value
    either way gives the same document; but a control character in one of those values is
    left as it is rather than escaped (see below). A value of another type raises TypeError or
    AttributeError.

    Verification on SQLite builds this for every event in this process, where it is most of
    the work, so it is written out here rather than through `_document` and `_uuid_text` (a
    tenth of its time, measured); tests/audit/test_verify_reading.py holds the two to one
    document."""
    (
        sequence,
        e,  # event_id
        recorded_at,
        actor_name,
        actor_role,
        action,
        entity_type,
        n,  # entity_id
        entity_version,
        c,  # child_id
        changes,
        reason,
        request_id,
        previous_hash,
    ) = event[:14]
    # The UUIDs, the previous hash and the instant are hex digits, hyphens, colons and the like,
    # which JSON writes as they are, so they are put between quotes without escaping (a tenth
    # of the document's cost, measured) once a search of them together finds no quote or
    # backslash; where it finds one, which only an edit behind the history's back leaves, each
    # value is escaped. A control character is not searched for, which would cost as much as
    # escaping: left unescaped, it makes a text that no hashed document is (every one escapes
    # them), so that event matches no hash and is checked again in canonical form, as it
    # would be if it were escaped.
    fixed = e + n + previous_hash + recorded_at + ("" if c is None else c)
    if '"' in fixed or "\\" in fixed:
        return _document(
            event,
            _uuid_text(e),
            _instant_text(recorded_at),
            _uuid_text(n),
            None if c is None else _uuid_text(c),
        )
    quote = encode_basestring
    child_id = "null" if c is None else f'"{c[:8]}-{c[8:12]}-{c[12:16]}-{c[16:20]}-{c[20:]}"'
    return (
        f'{{"action":{quote(action)},"actor":{{"name":{quote(actor_name)},'
        f'"role":{quote(actor_role)}}},"changes":{changes},"child_id":{child_id},'
        f'"entity_id":"{n[:8]}-{n[8:12]}-{n[12:16]}-{n[16:20]}-{n[20:]}",'
        f'"entity_type":{quote(entity_type)},"entity_version":{entity_version},'
        f'"event_id":"{e[:8]}-{e[8:12]}-{e[12:16]}-{e[16:20]}-{e[20:]}",'
        f'"previous_hash":"{previous_hash}",'
        f'"reason":{"null" if reason is None else quote(reason)},'
        f'"recorded_at":"{recorded_at.replace(" ", "T")}Z",'
        f'"request_id":{"null" if request_id is None else quote(request_id)},'
        f'"sequence":{sequence}}}'
    )


_EVENT_ID = EVENT_FIELDS.index("event_id")
_RECORDED_AT = EVENT_FIELDS.index("recorded_at")
_ENTITY_ID = EVENT_FIELDS.index("entity_id")
_CHILD_ID = EVENT_FIELDS.index("child_id")


def _document(
    event: Sequence[Any], event_id: str, recorded_at: str, entity_id: str, child_id: str | None
) -> str:
    """The canonical document of `event`, with these canonical texts of its UUIDs and its
    instant, in place of its own."""
    (
        sequence,
        _event_id,
        _recorded_at,
        actor_name,
        actor_role,
        action,
        entity_type,
        _entity_id,
        entity_version,
        _child_id,
        changes,
        reason,
        request_id,
        previous_hash,
    ) = event[:14]
    quote = encode_basestring
    return (
        f'{{"action":{quote(action)},"actor":{{"name":{quote(actor_name)},'
        f'"role":{quote(actor_role)}}},"changes":{changes},'
        f'"child_id":{"null" if child_id is None else quote(child_id)},'
        f'"entity_id":{quote(entity_id)},"entity_type":{quote(entity_type)},'
        f'"entity_version":{entity_version},"event_id":{quote(event_id)},'
        f'"previous_hash":{quote(previous_hash)},'
        f'"reason":{"null" if reason is None else quote(reason)},'
        f'"recorded_at":{quote(recorded_at)},'
        f'"request_id":{"null" if request_id is None else quote(request_id)},'
        f'"sequence":{sequence}}}'
    )


def _uuid_text(stored: str) -> str:
    """A UUID's canonical text from the 32 hex digits SQLite keeps."""
    return f"{stored[:8]}-{stored[8:12]}-{stored[12:16]}-{stored[16:20]}-{stored[20:]}"


def _instant_text(stored: str) -> str:
    """An instant's canonical text from SQLite's UTC "YYYY-MM-DD HH:MM:SS.ffffff"."""
    return stored.replace(" ", "T") + "Z"


def canonical_sql(column: sa.Column[Any], dialect: str) -> ColumnElement[Any]:
    """The column read in the form `canonical_value` gives, computed by the database: UUIDs,
    instants and dates as their canonical text, JSON as its stored text, enums as their plain
    values. Reading rows this way spares the driver and Python decoding every value."""
    kind = column.type
    postgres = dialect == "postgresql"
    expression: ColumnElement[Any]
    if isinstance(kind, sa.Uuid):
        # SQLite keeps a UUID as 32 lower-case hex digits.
        expression = sa.cast(column, sa.Text) if postgres else _hyphenated(column)
    elif isinstance(kind, UTCDateTime):
        # SQLite keeps an instant as UTC "YYYY-MM-DD HH:MM:SS.ffffff".
        expression = (
            func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
            if postgres
            else func.replace(column, " ", "T", type_=sa.Text) + "Z"
        )
    elif isinstance(kind, sa.Date):
        expression = (
            func.to_char(column, "YYYY-MM-DD") if postgres else sa.type_coerce(column, sa.Text)
        )
    elif isinstance(kind, sa.JSON):
        expression = sa.cast(column, sa.Text) if postgres else sa.type_coerce(column, sa.Text)
    elif isinstance(kind, sa.Enum):
        expression = sa.type_coerce(column, sa.Text)
    else:
        return column
    return expression.label(column.name)


def _hyphenated(column: sa.Column[Any]) -> ColumnElement[str]:
    """8-4-4-4-12 from SQLite's 32 hex digits."""
    parts = [func.substr(column, start, length, type_=sa.Text) for start, length in _UUID_GROUPS]
    text: ColumnElement[str] = parts[0]
    for part in parts[1:]:
        text = text + "-" + part
    return text


_UUID_GROUPS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


Rows = Sequence[Sequence[Any]]


@dataclass(frozen=True)
class CanonicalRead:
    """Columns to select so that each row, once `finish` has turned it, holds the values
    `canonical_sql` would give."""

    columns: list[ColumnElement[Any]]
    finish: Callable[[Rows], Rows]
    # One row of canonical values in the form the columns are selected in: the inverse of
    # `finish`, for comparing many stored rows with few canonical values (turning these costs
    # half of what turning those would, measured).
    as_selected: Callable[[Sequence[Any]], Sequence[Any]] = field(default=lambda row: row)


def canonical_read(columns: Sequence[sa.Column[Any]], dialect: str) -> CanonicalRead:
    """Read these columns in canonical form, each computed where it is cheapest.

    PostgreSQL computes every canonical value in its own process. SQLite would compute a
    UUID's hyphens and an instant's "T" and "Z" in this one, through five calls of its string
    functions a UUID, and Python does the same for a fifth of the cost: such columns are read
    as stored and turned here."""
    if dialect == "postgresql":
        return CanonicalRead([canonical_sql(c, dialect) for c in columns], unchanged)
    uuids = [at for at, c in enumerate(columns) if isinstance(c.type, sa.Uuid)]
    instants = [at for at, c in enumerate(columns) if isinstance(c.type, UTCDateTime)]
    selected = [
        c if at in uuids or at in instants else canonical_sql(c, dialect)
        for at, c in enumerate(columns)
    ]
    if not uuids and not instants:
        return CanonicalRead(selected, unchanged)

    def finish(rows: Rows) -> Rows:
        turned = []
        for row in rows:
            values = list(row)
            for at in uuids:
                value = values[at]
                if value is not None:
                    values[at] = _uuid_text(value if type(value) is str else str(value))
            for at in instants:
                value = values[at]
                if value is not None:
                    values[at] = _instant_text(value if type(value) is str else str(value))
            turned.append(tuple(values))
        return turned

    def as_selected(row: Sequence[Any]) -> tuple[Any, ...]:
        # A stored value equals what this makes of a canonical one exactly when `finish`
        # turns it into that value, but for an instant stored with "T" for the space, which
        # only this tells apart (and which sorts apart from the others in SQLite's text
        # comparisons). A value not canonical comes only from an event that fails its hash,
        # reported already, or from a history rewritten whole, which checkpoints catch.
        values = list(row)
        for at in uuids:
            value = values[at]
            if type(value) is str:
                values[at] = value.replace("-", "")
        for at in instants:
            value = values[at]
            if type(value) is str:
                values[at] = value.removesuffix("Z").replace("T", " ")
        return tuple(values)

    return CanonicalRead(selected, finish, as_selected)


def unchanged(value: _T) -> _T:
    """Rows (or a row) read already in the form wanted."""
    return value


def stored_insert_changes(
    columns: Sequence[sa.Column[Any]],
) -> Callable[[Sequence[Any]], str | None] | None:
    """For a row of these columns read from SQLite as `canonical_read` selects them (before
    its `finish`), the `changes` text of the event that inserted it, as the history writes
    it: every column from null, in the order of their names. None when a column is of a kind
    this does not write.

    A row's text equals its record's insert exactly when its record, replayed from those
    changes, is the row; verification compares most rows so, without decoding their
    inserts (a fifth of what decoding and comparing them costs, measured). So the text never
    matches when it cannot say that: a UUID holding a hyphen, quote or backslash, an instant
    holding a "T", quote or backslash (which `as_selected` would tell apart) give None, and a
    value of a type its column never holds raises TypeError or AttributeError or gives a
    text no insert has.

    The function is generated for its columns, a single expression with every name and
    punctuation in it as a constant: a loop over the columns costs twice as much, measured."""
    names = [column.name for column in columns]
    pieces: list[tuple[bool, str]] = []  # (is code, text)
    uuids: list[str] = []
    instants: list[str] = []
    for number, at in enumerate(sorted(range(len(columns)), key=names.__getitem__)):
        column, value = columns[at], f"c{at}"
        written = _written(column.type, value)
        if written is None:
            return None
        if isinstance(column.type, UTCDateTime):
            instants.append(value)
        elif isinstance(column.type, sa.Uuid):
            uuids.append(value)
        pieces.append((False, '[{"after":' if number == 0 else ',{"after":'))
        if column.nullable and not column.primary_key:
            # One expression, so that null is written in place of the whole value.
            whole = " + ".join(text if is_code else repr(text) for is_code, text in written)
            pieces.append((True, f'("null" if {value} is None else {whole})'))
        else:
            pieces += written
        pieces.append((False, f',"before":null,"field":{encode_basestring(column.name)}}}'))
    pieces.append((False, "]"))
    merged: list[tuple[bool, str]] = []
    for is_code, text in pieces:
        if merged and not is_code and not merged[-1][0]:
            merged[-1] = (False, merged[-1][1] + text)
        else:
            merged.append((is_code, text))
    joined = ", ".join(text if is_code else repr(text) for is_code, text in merged)
    checks = [f'"{forbidden}" in raw_uuids' for forbidden in ("-", '\\"', "\\\\") if uuids] + [
        f'"{forbidden}" in raw_instants' for forbidden in ("T", '\\"', "\\\\") if instants
    ]
    source = "\n".join(
        [
            "def render(row):",
            f"    {''.join(f'c{at}, ' for at in range(len(columns)))}= row",
            f"    raw_uuids = f'{''.join('{' + value + '}' for value in uuids)}'",
            f"    raw_instants = f'{''.join('{' + value + '}' for value in instants)}'",
            f"    if {' or '.join(checks) or 'False'}:",
            "        return None",
            f"    return ''.join(({joined},))",
        ]
    )
    namespace: dict[str, Any] = {"_quote": encode_basestring, "_BOOLEANS": _BOOLEANS}
    exec(source, namespace)  # noqa: S102 - code built above from column names and kinds
    render: Callable[[Sequence[Any]], str | None] = namespace["render"]
    return render


def _written(kind: sa.types.TypeEngine[Any], value: str) -> list[tuple[bool, str]] | None:
    """The pieces (code, or text as it is) that write the variable `value`, a column of this
    kind as SQLite stores it, as an insert's changes hold it; None for a kind not written."""
    if isinstance(kind, UTCDateTime):
        return [(False, '"'), (True, f'{value}.replace(" ", "T")'), (False, 'Z"')]
    if isinstance(kind, sa.Uuid):
        # The last group runs to the end: a longer value is not cut to fit.
        bounds = [(start - 1, start - 1 + length) for start, length in _UUID_GROUPS[:-1]]
        groups = [f"{value}[{first}:{end}]" for first, end in bounds]
        groups.append(f"{value}[{_UUID_GROUPS[-1][0] - 1}:]")
        hyphenated: list[tuple[bool, str]] = [(False, '"')]
        for group in groups:
            hyphenated += [(True, group), (False, "-")]
        return [*hyphenated[:-1], (False, '"')]
    if isinstance(kind, AutoString | sa.String | sa.Date):  # an Enum is a String
        return [(True, f"_quote({value})")]
    if isinstance(kind, sa.Boolean):
        return [(True, f'_BOOLEANS.get({value}, "\\x00")')]
    if isinstance(kind, sa.Integer):
        return [(True, f'(str({value}) if type({value}) is int else "\\x00")')]
    return None


# A boolean as SQLite keeps it (an integer, 1 or 0) in the JSON an insert writes.
_BOOLEANS = {1: "true", 0: "false", None: "null"}
