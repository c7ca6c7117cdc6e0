"""docs/operations.md and docs/typescript/, kept true.

Every operation of docs/operations/ runs through the real app against synthetic case records;
the page must show the answers it gets (less what differs from run to run), the roles the
schema's permissions let run it, and docs/typescript/ must be what the codegen makes of the
operations today. With CASETRAIL_WRITE_DOCS=1 the same tests rewrite the page and the types
instead of checking them.
"""

import base64
import binascii
import copy
import difflib
import json
import os
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from itertools import takewhile
from pathlib import Path
from typing import Any, ClassVar

import graphql
import pytest
from graphql import FieldNode, OperationDefinitionNode
from strawberry.codegen import CodegenFile, QueryCodegen
from strawberry.codegen.plugins.typescript import TypeScriptPlugin
from strawberry.codegen.types import (
    GraphQLField,
    GraphQLList,
    GraphQLObjectType,
    GraphQLOperation,
    GraphQLOptional,
    GraphQLType,
)
from strawberry.types.base import StrawberryObjectDefinition

from models.enums import Role
from schema import schema
from schema.ids import decode_any
from schema.permissions import RolePermission
from tests.conftest import START, Api, Clock
from tests.factories import (
    HEARING_OUTCOME,
    home_address,
    in_hhs_child,
    iso,
    ok,
    released_child,
    scheduled_hearing,
)

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations"
PAGE = ROOT / "docs" / "operations.md"
TYPESCRIPT = ROOT / "docs" / "typescript"

WRITING = os.environ.get("CASETRAIL_WRITE_DOCS") == "1"
REWRITE = "CASETRAIL_WRITE_DOCS=1 .venv/bin/python -m pytest -q tests/docs"

# ---------------------------------------------------------------- what differs from run to run

PLACEHOLDER = "…"
# Hashes cover the database's own timestamps; request IDs are random; an event's recordedAt is
# the database's clock, not the app's injected one.
VOLATILE_KEYS = frozenset({"hash", "previousHash", "headHash", "requestId", "recordedAt"})
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalised(value: Any, key: str | None = None) -> Any:
    """`value` with every value that differs from run to run (IDs, cursors, hashes, request IDs,
    the database's timestamps) replaced by PLACEHOLDER: what the page shows, and so what the
    check compares."""
    if isinstance(value, dict):
        return {k: normalised(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalised(item, key) for item in value]
    if isinstance(value, str) and (key in VOLATILE_KEYS or is_key(value) or is_cursor(value)):
        return PLACEHOLDER
    return value


def is_key(text: str) -> bool:
    """A record's key: a global ID, or the bare UUID the history's changes hold."""
    return UUID.fullmatch(text) is not None or decode_any(text) is not None


def is_cursor(text: str) -> bool:
    """A keyset cursor (base64 of the sort key as a JSON list), which holds a record's key."""
    try:
        key = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        return False
    return isinstance(key, list)


def user_errors(value: Any) -> list[Any]:
    """Every userError anywhere in an answer."""
    if isinstance(value, dict):
        found = list(value.get("userErrors") or [])
        for key, item in value.items():
            if key != "userErrors":
                found.extend(user_errors(item))
        return found
    if isinstance(value, list):
        return [error for item in value for error in user_errors(item)]
    return []


# ---------------------------------------------------------------- the operations


@dataclass(frozen=True)
class Operation:
    path: Path
    about: str
    document: str
    name: str
    is_mutation: bool
    roles: tuple[Role, ...]


def read_operation(path: Path) -> Operation:
    """An operation file: what it is for (its leading comment) and one named operation."""
    lines = path.read_text(encoding="utf-8").splitlines()
    comment = list(takewhile(lambda line: line.startswith("#"), lines))
    document = "\n".join(lines[len(comment) :]).strip() + "\n"
    parsed = graphql.parse(document)
    definitions = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    assert len(definitions) == 1, f"{path.name}: one operation a file (the codegen needs it)"
    (definition,) = definitions
    assert definition.name is not None, f"{path.name}: the operation needs a name"
    assert comment, f"{path.name}: start with a comment saying what the operation is for"
    return Operation(
        path=path,
        about=" ".join(line.lstrip("#").strip() for line in comment),
        document=document,
        name=definition.name.value,
        is_mutation=definition.operation == graphql.OperationType.MUTATION,
        roles=roles_that_may_run(parsed),
    )


@cache
def graphql_schema() -> graphql.GraphQLSchema:
    return graphql.build_schema(schema.as_str())


def roles_that_may_run(document: graphql.DocumentNode) -> tuple[Role, ...]:
    """The roles that every permission on the document's fields allows."""
    allowed = set(Role)
    type_info = graphql.TypeInfo(graphql_schema())

    class Permissions(graphql.Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = type_info.get_parent_type()
            assert parent is not None
            selected = schema.get_field_for_type(node.name.value, parent.name)
            assert selected is not None, f"{parent.name}.{node.name.value} is not in the schema"
            for permission in selected.permission_classes:
                assert issubclass(permission, RolePermission), permission
                allowed.intersection_update(permission.allowed)

    graphql.visit(document, graphql.TypeInfoVisitor(type_info, Permissions()))
    return tuple(role for role in Role if role in allowed)


def operation_files() -> list[Path]:
    return sorted(OPERATIONS.glob("*.graphql"))


# ---------------------------------------------------------------- the records and the runs


@dataclass
class Cases:
    """The synthetic records the operations run against, and the answers so far (a later
    operation uses what an earlier one answered, as a front end would)."""

    now: datetime
    lucia: dict[str, Any]
    overdue_hearing: dict[str, Any]
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def data(self, operation: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.answers[operation]["data"]
        return answer


async def given_cases(api: Api, clock: Clock) -> Cases:
    """Four children at different points of their cases, made through the API."""
    lucia = await released_child(
        api,
        clock,
        released_days_ago=8,
        aNumber="209000011",
        firstName="Lucía",
        lastName="Fernández Ruiz",
        dateOfBirth="2011-02-14",
        countryOfBirth="GT",
    )
    await scheduled_hearing(api, clock, lucia, court="HOU")
    mateo = await released_child(
        api,
        clock,
        address=home_address(line1="88 Harbor Lane", city="Pasadena", postalCode="77506"),
        released_days_ago=20,
        aNumber="209000012",
        firstName="Mateo",
        lastName="Castillo Díaz",
        dateOfBirth="2010-07-30",
        countryOfBirth="HN",
    )
    overdue = await scheduled_hearing(
        api, clock, mateo, court="HOU", at=clock() - timedelta(days=2)
    )
    valentina = await released_child(
        api,
        clock,
        address=home_address(
            line1="730 Cedar Avenue", city="Los Angeles", state="CA", postalCode="90012"
        ),
        released_days_ago=30,
        aNumber="209000013",
        firstName="Valentina",
        lastName="Ortiz Morales",
        dateOfBirth="2012-11-05",
        countryOfBirth="SV",
    )
    missed = await scheduled_hearing(
        api, clock, valentina, court="LOS", at=clock() - timedelta(days=5)
    )
    await ok(
        api,
        HEARING_OUTCOME,
        "recordHearingOutcome",
        {"hearingId": missed["id"], "status": "FAILED_TO_APPEAR", "inAbsentiaOrder": True},
    )
    await in_hhs_child(
        api,
        clock,
        aNumber="209000014",
        firstName="Santiago",
        lastName="Rivas León",
        dateOfBirth="2009-04-22",
        countryOfBirth="MX",
    )
    return Cases(now=clock(), lucia=lucia, overdue_hearing=overdue)


@dataclass(frozen=True)
class Example:
    operation: str
    caption: str
    variables: Callable[[Cases], dict[str, Any]]


RELEASED_AT_HOU = {"custodyStatus": ["RELEASED_TO_SPONSOR"], "court": "HOU"}

# In the page's order, which is the order they run in: each change shows in what follows.
EXAMPLES = (
    Example(
        "ChildrenPage",
        "The first page of the children released to a sponsor with a hearing at HOU",
        lambda cases: {"filter": RELEASED_AT_HOU, "first": 1},
    ),
    Example(
        "ChildrenPage",
        "The next page: the same filter, after the first page's endCursor",
        lambda cases: {
            "filter": RELEASED_AT_HOU,
            "first": 1,
            "after": cases.data("ChildrenPage")["children"]["pageInfo"]["endCursor"],
        },
    ),
    Example(
        "Child",
        "A case file with the first three events of its history",
        lambda cases: {"id": cases.lucia["id"], "historyFirst": 3},
    ),
    Example(
        "IntakeChild",
        "A new case; the A-number typed with its prefix and dashes",
        lambda cases: {
            "input": {
                "aNumber": "A-209-000-015",
                "firstName": "Camila",
                "lastName": "Reyes Soto",
                "dateOfBirth": "2011-09-17",
                "countryOfBirth": "HN",
                "apprehendedAt": iso(cases.now - timedelta(hours=6)),
                "facility": "CBP Donna Processing Center",
            }
        },
    ),
    Example(
        "RecordAddress",
        "A move reported by the sponsor, sent with the version the case file showed",
        lambda cases: {
            "input": {
                "childId": cases.lucia["id"],
                "address": {
                    "line1": "4410 oak street",
                    "line2": "apt 3b",
                    "city": "houston",
                    "state": "Texas",
                    "postalCode": "77009",
                },
                "effectiveFrom": cases.now.date().isoformat(),
                "source": "SPONSOR_REPORTED",
                "expectedVersion": cases.data("Child")["child"]["version"],
                "reason": "The sponsor reported the move by phone.",
            }
        },
    ),
    Example(
        "RecordHearingOutcome",
        "The child appeared at a hearing two days ago",
        lambda cases: {
            "input": {
                "hearingId": cases.overdue_hearing["id"],
                "status": "APPEARED",
                "reason": "Entered from the court's minute order.",
            }
        },
    ),
    Example(
        "RecordContactAttempt",
        "A home visit that found the child at the new address",
        lambda cases: {
            "input": {
                "childId": cases.lucia["id"],
                "attemptedAt": iso(cases.now - timedelta(hours=2)),
                "method": "HOME_VISIT",
                "outcome": "LOCATED_AT_ADDRESS",
                "notes": "Met the child and the sponsor at home.",
            }
        },
    ),
    Example(
        "OversightReport",
        "The children released in May 2026, at every court",
        lambda cases: {"from": "2026-05-01", "to": "2026-05-31"},
    ),
    Example(
        "AuditLog",
        "The first two events that recordAddress appended",
        lambda cases: {"filter": {"action": "recordAddress"}, "first": 2},
    ),
    Example("AuditVerification", "The history as it stands", lambda cases: {}),
)


@dataclass(frozen=True)
class Run:
    example: Example
    role: Role
    variables: dict[str, Any]
    answer: dict[str, Any]


async def run_examples(api: Api, cases: Cases, operations: dict[str, Operation]) -> list[Run]:
    """Each example through the app as the first role that may run it; none may fail."""
    runs: list[Run] = []
    failures: list[str] = []
    for example in EXAMPLES:
        operation = operations[example.operation]
        assert operation.roles, f"{operation.name}: no role may run it"
        role = operation.roles[0]
        variables = example.variables(cases)
        answer = await api.gql(operation.document, variables, role=role)
        if "errors" in answer:
            failures.append(f"{operation.name}: errors {answer['errors']}")
        elif user_errors(answer):
            failures.append(f"{operation.name}: userErrors {user_errors(answer)}")
        cases.answers[operation.name] = answer
        runs.append(Run(example, role, variables, answer))
    assert not failures, "\n".join(failures)
    return runs


async def refusals_and_grants(
    api: Api, runs: list[Run], operations: dict[str, Operation]
) -> list[str]:
    """Where the roles the page names are not the whole truth: a role left out that is not
    refused, or a role named that is refused. Changes are not run again by the roles named
    (that would change the records); a refused change writes nothing."""
    wrong: list[str] = []
    for operation in operations.values():
        variables = next(r.variables for r in runs if r.example.operation == operation.name)
        for role in Role:
            may = role in operation.roles
            if may and operation.is_mutation:
                continue
            answer = await api.gql(operation.document, variables, role=role)
            codes = [e.get("extensions", {}).get("code") for e in answer.get("errors", [])]
            if may and codes:
                wrong.append(f"{operation.name}: {role.value} is named but got {codes}")
            if not may and "FORBIDDEN" not in codes:
                wrong.append(f"{operation.name}: {role.value} is not named but was not refused")
    return wrong


# ---------------------------------------------------------------- the page

INTRODUCTION = f"""\
# Common operations

The operations a case officer's front end runs most, each with what it is for, the roles that
may run it, the variables it was sent and the answer the API gave. Each operation is a file in
[`operations/`](operations/), ready to send as it is; the TypeScript types of its variables and
its answer are in [`typescript/`](typescript/), one file per operation.

Every request is a `POST /graphql` with `Authorization: Bearer <token>` and a JSON body
`{{"query": …, "variables": …}}`. A mutation that cannot be done answers with `userErrors`
(`code`, a `message` to show, the input `field` at fault) and writes nothing; a role that may
not run an operation gets a GraphQL error with `extensions.code` `FORBIDDEN`.

The answers are real: the operations ran, in this order, through the application against
synthetic records, at a clock fixed at {START:%Y-%m-%d %H:%M} UTC. Values that differ on every run
(IDs, cursors, hashes, request IDs, the times the database stamps) are shown as `{PLACEHOLDER}`.
This page and the types are generated and checked by `tests/docs/test_operations_doc.py`; after
changing an operation, rewrite both with:

```
{REWRITE}
```
"""


def anchor(name: str) -> str:
    return name.lower()


def json_block(value: Any) -> str:
    return "```json\n" + json.dumps(normalised(value), indent=2, ensure_ascii=False) + "\n```"


def section(operation: Operation, runs: list[Run]) -> str:
    stem = operation.path.stem
    roles = ", ".join(role.value for role in operation.roles)
    parts = [
        f"## {operation.name}",
        operation.about,
        f"**Roles:** {roles}. **Files:** [`operations/{stem}.graphql`](operations/{stem}.graphql), "
        f"[`typescript/{stem}.ts`](typescript/{stem}.ts).",
        "```graphql\n" + operation.document.rstrip() + "\n```",
    ]
    for run in runs:
        parts.append(f"### {run.example.caption}")
        if run.variables:
            parts += ["Variables:", json_block(run.variables)]
        parts += [f"Answer (as {run.role.value}):", json_block(run.answer)]
    return "\n\n".join(parts) + "\n"


def render_page(operations: dict[str, Operation], runs: list[Run]) -> str:
    names = list(dict.fromkeys(run.example.operation for run in runs))
    contents = "\n".join(f"- [{name}](#{anchor(name)})" for name in names)
    sections = [
        section(operations[name], [r for r in runs if r.example.operation == name])
        for name in names
    ]
    return "\n".join(
        [INTRODUCTION, "The operations, in the order they ran:\n", contents + "\n", *sections]
    )


def sections_by_heading(text: str) -> dict[str, str]:
    parts = re.split(r"^(?=## )", text, flags=re.MULTILINE)
    return {part.splitlines()[0]: part for part in parts if part}


def stale_page_message(written: str, expected: str) -> str:
    """Which operations the page shows wrongly, the difference, and how to mend it."""
    have, want = sections_by_heading(written), sections_by_heading(expected)
    stale = [heading.removeprefix("## ") for heading in want if have.get(heading) != want[heading]]
    stale += [heading.removeprefix("## ") for heading in have if heading not in want]
    diff = difflib.unified_diff(
        written.splitlines(),
        expected.splitlines(),
        "docs/operations.md",
        "what the API answers",
        lineterm="",
        n=2,
    )
    shown = "\n".join(list(diff)[:60])
    return (
        f"docs/operations.md is out of date ({', '.join(stale) or 'its order'}). "
        f"Rewrite it with:\n    {REWRITE}\n{shown}"
    )


# ---------------------------------------------------------------- the TypeScript types


class ConnectionAwareCodegen(QueryCodegen):
    """Strawberry's query codegen, able to select a scalar field of a generic type (a
    connection's totalCount, an edge's cursor): 0.341 looks such a field up under the generic's
    own name ("Connection") rather than the schema's ("ChildConnection") and fails
    (strawberry-graphql/strawberry#3925)."""

    def _field_from_selection(
        self, selection: FieldNode, parent_type: StrawberryObjectDefinition
    ) -> GraphQLField:
        if parent_type.type_var_map:
            parent_type = copy.copy(parent_type)
            parent_type.name = self.schema.config.name_converter.from_generic(
                parent_type, list(parent_type.type_var_map.values())
            )
        return super()._field_from_selection(selection, parent_type)


class ApiTypeScript(TypeScriptPlugin):
    """Strawberry's TypeScript plugin, made to describe the JSON the API takes and sends.

    The stock plugin names fields as the Python code does (total_count, not totalCount), marks
    a nullable field `| undefined` where the JSON has null, makes every input field required,
    exports nothing (so files that declare the same enum collide in one project) and cannot
    print the JSON scalar. Here a field has its GraphQL name, a nullable one is `| null`, a
    nullable variable or input field may be left out, every declaration is exported and JSON
    is `unknown`."""

    SCALARS_TO_TS_TYPE: ClassVar[dict[str | type, str]] = {
        **TypeScriptPlugin.SCALARS_TO_TS_TYPE,
        "JSON": "unknown",
    }

    def __init__(self, query: Path) -> None:
        super().__init__(query)
        self.input_types: set[str] = set()

    def generate_code(
        self, types: list[GraphQLType], operation: GraphQLOperation
    ) -> list[CodegenFile]:
        self.input_types = object_type_names(operation.variables_type)
        printed = [f"export {text}" for text in map(self._print_type, types) if text]
        source = self.query.relative_to(ROOT).as_posix()
        header = (
            f"// Types of {source}, made by Strawberry's codegen; do not edit.\n"
            f"// Rewrite with: {REWRITE}"
        )
        return [CodegenFile(self.outfile_name, "\n\n".join([header, *printed]) + "\n")]

    def _get_type_name(self, type_: GraphQLType) -> str:
        if isinstance(type_, GraphQLOptional):
            return f"{self._get_type_name(type_.of_type)} | null"
        return super()._get_type_name(type_)

    def _print_object_type(self, type_: GraphQLObjectType) -> str:
        omissible = type_.name in self.input_types
        lines = []
        for selected in type_.fields:
            key = selected.alias or schema.config.name_converter.apply_naming_config(selected.name)
            optional = "?" if omissible and isinstance(selected.type, GraphQLOptional) else ""
            lines.append(f"{key}{optional}: {self._get_type_name(selected.type)}")
        body = textwrap.indent("\n".join(lines), " " * 4)
        return f"type {type_.name} = {{\n{body}\n}}"


def object_type_names(type_: GraphQLType | None) -> set[str]:
    """The object types `type_` is made of, itself included."""
    if isinstance(type_, GraphQLOptional | GraphQLList):
        return object_type_names(type_.of_type)
    if not isinstance(type_, GraphQLObjectType):
        return set()
    names = {type_.name}
    for member in type_.fields:
        names |= object_type_names(member.type)
    return names


def generate_typescript(folder: Path) -> None:
    """One .ts file of types per operation file, into `folder`."""
    for path in operation_files():
        codegen = ConnectionAwareCodegen(schema, plugins=[ApiTypeScript(path)])
        codegen.run(path.read_text(encoding="utf-8")).write(folder)


def folder_files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.ts"))}


# ---------------------------------------------------------------- the checks


def operations_by_name() -> dict[str, Operation]:
    operations = [read_operation(path) for path in operation_files()]
    by_name = {operation.name: operation for operation in operations}
    assert len(by_name) == len(operations), "two operation files share an operation name"
    return by_name


async def test_the_page_shows_what_the_api_answers(api: Api, clock: Clock) -> None:
    # given
    operations = operations_by_name()
    unshown = set(operations) - {example.operation for example in EXAMPLES}
    assert not unshown, f"give {sorted(unshown)} an Example in {Path(__file__).name}"
    cases = await given_cases(api, clock)

    # when
    runs = await run_examples(api, cases, operations)

    # then
    assert await refusals_and_grants(api, runs, operations) == []
    page = render_page(operations, runs)
    if WRITING:
        PAGE.write_text(page, encoding="utf-8")
        return
    written = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    if written != page:
        pytest.fail(stale_page_message(written, page), pytrace=False)


def test_the_typescript_types_are_what_the_codegen_makes(tmp_path: Path) -> None:
    # when
    generate_typescript(tmp_path)
    made = folder_files(tmp_path)

    # then
    if WRITING:
        TYPESCRIPT.mkdir(parents=True, exist_ok=True)
        for stale in set(folder_files(TYPESCRIPT)) - set(made):
            (TYPESCRIPT / stale).unlink()
        for name, text in made.items():
            (TYPESCRIPT / name).write_text(text, encoding="utf-8")
        return
    committed = folder_files(TYPESCRIPT)
    differing = sorted(
        name for name in set(made) | set(committed) if made.get(name) != committed.get(name)
    )
    if differing:
        pytest.fail(
            f"docs/typescript is out of date ({', '.join(differing)}). "
            f"Rewrite it with:\n    {REWRITE}",
            pytrace=False,
        )
