"""Which record types each role can reach by walking the served schema from its roots, through
the fields its role may resolve: an INTEGRATION token must reach nothing that identifies a
person (names, dates of birth, addresses, phones, or the history that holds them) by any path,
nested fields included. `node(id:)` decides by the record's type when it runs, and is asked
for every type below."""

import uuid
from collections import deque

import pytest
from graphql import GraphQLNamedType, GraphQLObjectType, get_named_type

from models.enums import Role
from schema import schema as served_schema
from schema.ids import encode
from schema.permissions import RolePermission
from schema.types.records import NODE_TABLES
from tests.conftest import Api

# Types whose fields identify a person, or that carry such fields' values.
PERSONAL = frozenset(
    {"Child", "Sponsor", "Address", "ContactAttempt", "ChildSnapshot", "AuditEvent", "FieldChange"}
)
# Resolved by the record's type at run time, per role (tested below).
DYNAMIC = frozenset({"Node"})


def reachable(role: Role) -> dict[str, str]:
    """Each type the role can reach, with a path that reaches it."""
    graphql = served_schema._schema
    roots = [root for root in (graphql.query_type, graphql.mutation_type) if root is not None]
    roots += [graphql.subscription_type] if graphql.subscription_type is not None else []
    paths: dict[str, str] = {root.name: root.name for root in roots}
    queue: deque[GraphQLNamedType] = deque(roots)
    while queue:
        here = queue.popleft()
        if not isinstance(here, GraphQLObjectType):
            continue
        for name, field in here.fields.items():
            definition = field.extensions.get("strawberry-definition")
            permissions = getattr(definition, "permission_classes", [])
            if not all(
                role in permission.allowed
                for permission in permissions
                if issubclass(permission, RolePermission)
            ):
                continue
            target = get_named_type(field.type)
            if target.name in paths or target.name in DYNAMIC:
                continue
            paths[target.name] = f"{paths[here.name]}.{name}"
            queue.append(target)
    return paths


def test_an_integration_reaches_nothing_that_identifies_a_person() -> None:
    # when
    paths = reachable(Role.INTEGRATION)

    # then
    assert {name: paths[name] for name in PERSONAL & paths.keys()} == {}
    assert "Hearing" in paths  # and it does reach what it is for


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.OVERSIGHT])
def test_the_case_roles_reach_the_case_records(role: Role) -> None:
    # when
    paths = reachable(role)

    # then: the walk follows what a role may read (a walk that stopped early would pass above)
    assert {"Child", "Sponsor", "Address"} <= paths.keys()


NODE = "query Node($id: ID!) { node(id: $id) { id } }"


@pytest.mark.parametrize("type_name", sorted({*NODE_TABLES, "AuditEvent"}))
async def test_node_gives_an_integration_hearings_only(api: Api, type_name: str) -> None:
    # when: a record of each type, asked for by ID (refused before it is looked up)
    body = await api.gql(NODE, {"id": encode(type_name, uuid.uuid4())}, role=Role.INTEGRATION)

    # then
    if type_name == "Hearing":
        assert body == {"data": {"node": None}}  # allowed; there is no such hearing
    else:
        assert body["data"] == {"node": None}
        assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
