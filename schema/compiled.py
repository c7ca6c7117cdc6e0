"""The compiled read path: a query whose every field it covers is answered by SQL that builds
each child's JSON in the database (resolvers.json_reads), and that JSON goes to the client as
it is, without a field being executed in Python.

The plan of an operation is made once per (document, role, database): permissions are decided
then, from the role; arguments are read from each request's variables and bound as parameters.
An operation the plan does not cover, or whose arguments the ordinary path would refuse, is
executed by Strawberry as before, which answers it and its errors in full."""

import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    located_error,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.pyutils import Path
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.utils.str_converters import to_snake_case

import models
from audit.access import AccessEntry
from models.db import autocommitting
from models.enums import Role
from resolvers import json_reads
from resolvers.errors import DomainError
from resolvers.json_reads import Column, Constant, GlobalId, Related, Shape, StatusAsRead
from schema.context import Context
from schema.ids import decode_any
from schema.permissions import RolePermission
from schema.types.inputs import ChildFilter

# The fields the compiler renders, by GraphQL type: its table, the fields that are columns of
# it (by their snake-case names) and the fields that are relations of it (see
# json_reads.RELATIONS). `id` and `__typename` are covered on each; anything else is not.
_TABLES: dict[str, type[Any]] = {
    "Child": models.Child,
    "Sponsor": models.Sponsor,
    "Address": models.Address,
    "CustodyEvent": models.CustodyEvent,
    "Notice": models.Notice,
    "Hearing": models.Hearing,
    "Representation": models.Representation,
    "ContactAttempt": models.ContactAttempt,
}
_COLUMNS: dict[str, frozenset[str]] = {
    "Child": frozenset(
        {
            "aNumber",
            "firstName",
            "lastName",
            "dateOfBirth",
            "countryOfBirth",
            "custodyStatus",
            "locationStatus",
            "version",
            "fieldOffice",
        }
    ),
    "Sponsor": frozenset({"firstName", "lastName", "relationship", "phone"}),
    "Address": frozenset(
        {
            "line1",
            "line2",
            "city",
            "state",
            "postalCode",
            "effectiveFrom",
            "effectiveTo",
            "source",
            "verification",
            "verifiedAt",
        }
    ),
    "CustodyEvent": frozenset({"kind", "occurredAt", "facility"}),
    "Notice": frozenset({"status", "issuedOn", "servedOn", "serviceMethod", "filedOn", "court"}),
    "Hearing": frozenset({"court", "type", "scheduledFor", "inAbsentiaOrder"}),
    "Representation": frozenset({"attorneyName", "organization", "enteredOn", "withdrawnOn"}),
    "ContactAttempt": frozenset({"attemptedAt", "method", "outcome", "notes"}),
}
_RELATIONS: dict[str, dict[str, str]] = {
    "Child": {
        "sponsor": "sponsor",
        "currentAddress": "current_address",
        "addresses": "addresses",
        "custodyEvents": "custody_events",
        "notices": "notices",
        "hearings": "hearings",
        "nextHearing": "next_hearing",
        "representation": "representation",
        "contactAttempts": "contact_attempts",
    },
    "CustodyEvent": {"sponsor": "sponsor"},
}

PLANS_KEPT = 256


class _NotCovered(Exception):
    """The operation asks for something the compiler does not render."""


class _Refused(Exception):
    """The ordinary path would answer these arguments with an error: let it."""


@dataclass(frozen=True)
class _Connection:
    """`children`: its keys, each (key, what): "__typename", "totalCount", or ("edges" |
    "pageInfo", keys below)."""

    parts: tuple[tuple[str, Any], ...]
    rendering: str
    with_total: bool


@dataclass(frozen=True)
class _Root:
    key: str
    node: FieldNode
    definition: GraphQLField | None  # None for `__typename`
    field: str  # "children", "child" or "__typename"
    rendering: str = ""
    connection: _Connection | None = None


@dataclass(frozen=True)
class Plan:
    roots: tuple[_Root, ...]


Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class LeastRecentlyUsed(Generic[Key, Value]):
    """A mapping that keeps its `kept` most recently used entries."""

    def __init__(self, kept: int = PLANS_KEPT) -> None:
        self.kept = kept
        self._entries: OrderedDict[Key, Value] = OrderedDict()

    def get(self, key: Key) -> Value | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: Key, value: Value) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        if len(self._entries) > self.kept:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class Plans:
    """Plans by (operation, role, dialect), the least recently used dropped past `kept`. The
    operation is known by identity (the parser cache hands the same document for the same
    text), and each entry holds its operation, so no other can take its place meanwhile."""

    def __init__(self, kept: int = PLANS_KEPT) -> None:
        self._plans: LeastRecentlyUsed[
            tuple[int, Role, str], tuple[OperationDefinitionNode, Plan | None]
        ] = LeastRecentlyUsed(kept)

    def get(
        self,
        operation: OperationDefinitionNode,
        role: Role,
        dialect: str,
        make: Callable[[], "Plan | None"],
    ) -> "Plan | None":
        key = (id(operation), role, dialect)
        found = self._plans.get(key)
        if found is not None and found[0] is operation:
            return found[1]
        plan = make()
        self._plans.put(key, (operation, plan))
        return plan

    def __len__(self) -> int:
        return len(self._plans)


PLANS = Plans()


@dataclass(frozen=True)
class Prepared:
    """An operation the ordinary path parsed and validated, with the compiler's plan of it."""

    operation: OperationDefinitionNode
    plan: Plan


class PreparedDocuments(LeastRecentlyUsed[tuple[str, str | None, Role, str], Prepared]):
    """Prepared operations by (document text, operation name, role, database), the least
    recently used dropped past `kept`. A request that sends a text answered before by the
    compiled path is answered again without Strawberry's parsing, validation and execution:
    the same text always parses and validates alike."""


class _Failures:
    """Collects what `_answer` reports of a nullable root field's failure."""

    def __init__(self) -> None:
        self.found: list[GraphQLError] = []

    def add(self, error: GraphQLError, _path: Any) -> None:
        self.found.append(error)


async def answer_prepared(
    prepared: Prepared,
    context: Context,
    graphql_schema: GraphQLSchema,
    inputs: dict[str, Any],
) -> dict[str, Any] | None:
    """The data of a prepared operation for these variables, or None where the ordinary path
    must answer: variables or arguments it refuses, or a failure, which it reports in full."""
    coerced = get_variable_values(
        graphql_schema, prepared.operation.variable_definitions or (), inputs
    )
    if isinstance(coerced, list):
        return None
    failures = _Failures()
    try:
        data = await _answer(prepared.plan, context, coerced, failures, prepared.operation)
    except (_Refused, GraphQLError):
        return None
    return None if failures.found else data


def plan_operation(
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    query_type: GraphQLObjectType,
    role: Role,
    dialect: str,
) -> Plan | None:
    """The plan of a query operation, or None when it asks for anything not covered."""
    if operation.operation != OperationType.QUERY or operation.directives:
        return None
    try:
        fields = _collect([operation.selection_set], query_type, fragments)
        roots = tuple(
            _root(key, nodes, query_type, fragments, role, dialect) for key, nodes in fields.items()
        )
    except _NotCovered:
        return None
    if not any(root.field != "__typename" for root in roots):
        return None
    return Plan(roots)


def _collect(
    selection_sets: Iterable[SelectionSetNode | None],
    object_type: GraphQLObjectType,
    fragments: dict[str, FragmentDefinitionNode],
) -> dict[str, list[FieldNode]]:
    """The fields selected on `object_type`, by response key in order, through fragments
    (as graphql's CollectFields, without directives: a directive is not covered)."""
    fields: dict[str, list[FieldNode]] = {}
    for selection_set in selection_sets:
        if selection_set is None:
            continue
        for selection in selection_set.selections:
            if selection.directives:
                raise _NotCovered
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                below = selection.selection_set
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None or fragment.directives:
                    raise _NotCovered
                condition, below = fragment.type_condition, fragment.selection_set
            else:  # pragma: no cover - graphql has no other selection
                raise _NotCovered
            if condition is None or _applies(condition.name.value, object_type):
                for key, nodes in _collect([below], object_type, fragments).items():
                    fields.setdefault(key, []).extend(nodes)
    return fields


def _applies(type_name: str, object_type: GraphQLObjectType) -> bool:
    return type_name == object_type.name or any(
        interface.name == type_name for interface in object_type.interfaces
    )


def _allowed(definition: GraphQLField, role: Role) -> None:
    """A field whose permissions are the role table's is decided now; any other check is
    left to the ordinary path."""
    strawberry_field = definition.extensions.get("strawberry-definition")
    for permission in getattr(strawberry_field, "permission_classes", ()):
        if (
            not issubclass(permission, RolePermission)
            or permission.has_permission is not RolePermission.has_permission
            or role not in permission.allowed
        ):
            raise _NotCovered


def _root(
    key: str,
    nodes: list[FieldNode],
    query_type: GraphQLObjectType,
    fragments: dict[str, FragmentDefinitionNode],
    role: Role,
    dialect: str,
) -> _Root:
    name = nodes[0].name.value
    if name == "__typename":
        return _Root(key, nodes[0], None, name)
    if name not in ("children", "child") or len(nodes) > 1:
        raise _NotCovered  # several nodes would each need their arguments compared
    definition = query_type.fields[name]
    _allowed(definition, role)
    result_type = get_named_type(definition.type)
    assert isinstance(result_type, GraphQLObjectType)
    fields = _collect([nodes[0].selection_set], result_type, fragments)
    if name == "child":
        rendering = json_reads.record_sql(_shape(fields, result_type, fragments, role), dialect)
        return _Root(key, nodes[0], definition, name, rendering=rendering)
    return _Root(
        key,
        nodes[0],
        definition,
        name,
        connection=_connection(fields, result_type, fragments, role, dialect),
    )


def _connection(
    fields: dict[str, list[FieldNode]],
    connection_type: GraphQLObjectType,
    fragments: dict[str, FragmentDefinitionNode],
    role: Role,
    dialect: str,
) -> _Connection:
    parts: list[tuple[str, Any]] = []
    rendering = None
    for key, nodes in fields.items():
        name = nodes[0].name.value
        if name in ("__typename", "totalCount"):
            parts.append((key, name))
            continue
        if name not in ("edges", "pageInfo"):
            raise _NotCovered
        below_type = get_named_type(connection_type.fields[name].type)
        assert isinstance(below_type, GraphQLObjectType)
        below = _collect([n.selection_set for n in nodes], below_type, fragments)
        if name == "pageInfo":
            if any(n[0].name.value not in _PAGE_INFO for n in below.values()):
                raise _NotCovered
            parts.append((key, (name, tuple((k, n[0].name.value) for k, n in below.items()))))
            continue
        edge: list[tuple[str, str]] = []
        for edge_key, edge_nodes in below.items():
            edge_name = edge_nodes[0].name.value
            if edge_name == "node":
                if rendering is not None:
                    raise _NotCovered  # one rendering of the node per statement
                node_type = get_named_type(below_type.fields["node"].type)
                assert isinstance(node_type, GraphQLObjectType)
                shape = _shape(
                    _collect([n.selection_set for n in edge_nodes], node_type, fragments),
                    node_type,
                    fragments,
                    role,
                )
                rendering = json_reads.record_sql(shape, dialect)
            elif edge_name not in ("cursor", "__typename"):
                raise _NotCovered
            edge.append((edge_key, edge_name))
        parts.append((key, (name, tuple(edge))))
    return _Connection(
        tuple(parts),
        rendering or "NULL",
        with_total=any(what == "totalCount" for _, what in parts),
    )


_PAGE_INFO = {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"}


def _shape(
    fields: dict[str, list[FieldNode]],
    object_type: GraphQLObjectType,
    fragments: dict[str, FragmentDefinitionNode],
    role: Role,
) -> Shape:
    type_name = object_type.name
    table = _TABLES.get(type_name)
    if table is None:
        raise _NotCovered
    columns = _COLUMNS[type_name]
    relations = _RELATIONS.get(type_name, {})
    parts: list[tuple[str, json_reads.Part]] = []
    for key, nodes in fields.items():
        name = nodes[0].name.value
        if name == "__typename":
            parts.append((key, Constant(type_name)))
            continue
        if any(node.arguments for node in nodes):
            raise _NotCovered
        definition = object_type.fields[name]
        _allowed(definition, role)
        if name == "id":
            parts.append((key, GlobalId(type_name)))
        elif type_name == "Hearing" and name == "status":
            parts.append((key, StatusAsRead()))
        elif name in columns:
            parts.append((key, Column(to_snake_case(name))))
        elif name in relations:
            related_type = get_named_type(definition.type)
            assert isinstance(related_type, GraphQLObjectType)
            below = _collect([n.selection_set for n in nodes], related_type, fragments)
            parts.append(
                (key, Related(relations[name], _shape(below, related_type, fragments, role)))
            )
        else:
            raise _NotCovered
    if len(parts) > json_reads.MAX_KEYS:
        raise _NotCovered
    return Shape(table, tuple(parts))


class CompilingExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, answering an operation that a plan covers by compiled reads,
    where the request's context asks for them."""

    def execute_collected_root_fields(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: Any,
        serially: bool,
        new_defer_usages: Sequence[Any],
    ) -> Any:
        ordinary = super().execute_collected_root_fields

        def run_ordinary() -> Any:
            return ordinary(root_type, root_value, grouped_field_set, serially, new_defer_usages)

        context = self.context_value
        if not isinstance(context, Context) or not context.compiled_reads:
            return run_ordinary()
        operation, fragments = self.operation, self.fragment_definitions
        role, dialect = context.actor.role, context.engine.dialect.name
        plan = PLANS.get(
            operation,
            role,
            dialect,
            lambda: plan_operation(operation, fragments, root_type, role, dialect),
        )
        if plan is None:
            return run_ordinary()
        return self._compiled(plan, context, run_ordinary)

    async def _compiled(
        self, plan: Plan, context: Context, run_ordinary: Callable[[], Any]
    ) -> dict[str, Any]:
        try:
            data = await _answer(
                plan, context, self.variable_values, self.collected_errors, self.operation
            )
        except _Refused:
            answered = run_ordinary()
            return await answered if isinstance(answered, Awaitable) else answered  # type: ignore[no-any-return]
        context.compiled_prepared = Prepared(self.operation, plan)
        return data


async def _answer(
    plan: Plan,
    context: Context,
    variables: Any,
    errors: Any,
    operation: OperationDefinitionNode,
) -> dict[str, Any]:
    """The data of a planned operation. Raises _Refused for arguments the ordinary path
    refuses, before anything is recorded.

    On PostgreSQL an operation of one root field reads and appends its access-log entries in
    one statement, in a transaction of its own (see `audit.access.logging_reads`); otherwise
    the children read are left in the context for the log (`schema.record_access`)."""
    data: dict[str, Any] = {}
    read: set[uuid.UUID] = set()
    fields = [root for root in plan.roots if root.definition is not None]
    logging = len(fields) == 1 and context.engine.dialect.name == "postgresql"
    # One child read (and on PostgreSQL logged) by one statement is run by the driver itself,
    # with no connection of SQLAlchemy's: the commonest read of all, and most of its cost was
    # theirs.
    by_driver = len(fields) == 1 and fields[0].connection is None
    async with _reading(context, logging, by_driver) as reader:
        for root in plan.roots:
            if root.definition is None:
                data[root.key] = "Query"
                continue
            arguments = get_argument_values(root.definition, root.node, variables)
            now = context.clock()
            logged = _entry(context, operation, now) if logging else None
            try:
                if root.connection is not None:
                    assert isinstance(reader, AsyncConnection)  # the driver reads one child only
                    data[root.key] = await _children(
                        reader, root.connection, arguments, now, read, logged
                    )
                else:
                    data[root.key] = await _child(
                        reader, root.rendering, arguments, now, read, logged
                    )
            except (_Refused, DomainError) as refusal:
                raise _Refused from refusal
            except Exception as error:  # as the ordinary path reports a field's failure
                located = located_error(error, [root.node], [root.key])
                if isinstance(root.definition.type, GraphQLNonNull):
                    raise located from error
                errors.add(located, Path(None, root.key, "Query"))
                data[root.key] = None
    context.children_read |= read
    if logging:
        context.children_logged |= read
    context.compiled_answer = True
    return data


@asynccontextmanager
async def _reading(
    context: Context, logging: bool, by_driver: bool
) -> AsyncIterator[AsyncConnection | AsyncEngine]:
    """What to read on: where the read is run by the driver, the engine it takes its own
    connection from; where the reads log themselves, a connection that commits each statement
    (no BEGIN and no COMMIT to send); otherwise a read session's connection."""
    if by_driver:
        yield autocommitting(context.engine)
    elif logging:
        async with autocommitting(context.engine).connect() as connection:
            yield connection
    else:
        async with context.read_sessions() as session:
            yield await session.connection()


def _entry(context: Context, operation: OperationDefinitionNode, now: Any) -> AccessEntry:
    return AccessEntry(
        read_at=now,
        actor_name=context.actor.name,
        actor_role=str(context.actor.role),
        request_id=context.request_id,
        operation=operation.name.value if operation.name is not None else None,
    )


async def _child(
    reader: AsyncConnection | AsyncEngine,
    rendering: str,
    arguments: dict[str, Any],
    now: Any,
    read: set[uuid.UUID],
    logged: AccessEntry | None,
) -> orjson.Fragment | None:
    key, number = arguments.get("id"), arguments.get("aNumber")
    if (key is None) == (number is None):
        raise _Refused
    if number is not None:
        found = await json_reads.child(reader, rendering, now, a_number=number, logged=logged)
    else:
        decoded = decode_any(str(key))
        if decoded is None or decoded[0] != "Child":
            return None
        found = await json_reads.child(reader, rendering, now, child_id=decoded[1], logged=logged)
    if found is None:
        return None
    read.add(found[0])
    return orjson.Fragment(found[1])


async def _children(
    reading: AsyncConnection,
    connection: _Connection,
    arguments: dict[str, Any],
    now: Any,
    read: set[uuid.UUID],
    logged: AccessEntry | None,
) -> dict[str, Any]:
    given = arguments.get("filter")
    child_filter = (
        ChildFilter(**{to_snake_case(k): v for k, v in given.items()}) if given else ChildFilter()
    )
    page = await json_reads.children_page(
        reading,
        child_filter.to_filter(),
        connection.rendering,
        now,
        first=arguments.get("first"),
        after=arguments.get("after"),
        with_total=connection.with_total,
        logged=logged,
    )
    read.update(page.ids)
    cursors = page.cursors
    value: dict[str, Any] = {}
    for key, what in connection.parts:
        if what == "__typename":
            value[key] = "ChildConnection"
        elif what == "totalCount":
            value[key] = page.total_count
        elif what[0] == "pageInfo":
            info = {
                "hasNextPage": page.has_next,
                "hasPreviousPage": page.has_previous,
                "startCursor": cursors[0] if cursors else None,
                "endCursor": cursors[-1] if cursors else None,
                "__typename": "PageInfo",
            }
            value[key] = {below: info[name] for below, name in what[1]}
        else:
            edge_parts = what[1]
            value[key] = [
                {
                    below: cursor
                    if name == "cursor"
                    else orjson.Fragment(record)
                    if name == "node"
                    else "ChildEdge"
                    for below, name in edge_parts
                }
                for cursor, record in zip(cursors, page.records, strict=True)
            ]
    return value
