"""The interface and small types every other type builds on."""

import strawberry

import schema.types.enums  # noqa: F401  (registers the enums)
from models.enums import Role
from resolvers.unit import Actor as ActorRecord


@strawberry.interface(description="An object with a global ID; `node(id:)` fetches any of them.")
class Node:
    id: strawberry.ID


@strawberry.type
class Actor:
    name: str
    role: Role
    office: str | None = strawberry.field(
        default=None, description="The field office (its code) the token's holder works at."
    )

    @classmethod
    def from_actor(cls, actor: ActorRecord) -> "Actor":
        return cls(name=actor.name, role=actor.role, office=actor.office)
