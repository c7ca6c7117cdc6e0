"""Field offices, and the inputs of the work that moves between them."""

import strawberry

from models import FieldOffice as FieldOfficeRow
from schema.errors import UserError


@strawberry.type(
    description="A field office and what it covers: a child belongs to the office covering its "
    "current address's ZIP code, else the court of its latest hearing."
)
class FieldOffice:
    code: str
    name: str
    courts: list[str] = strawberry.field(description="Immigration court codes (HOU).")
    zip_prefixes: list[str] = strawberry.field(
        description="ZIP codes by 3- or 5-digit prefix; the longest that matches decides."
    )

    @classmethod
    def from_row(cls, row: FieldOfficeRow) -> "FieldOffice":
        return cls(
            code=row.code,
            name=row.name,
            courts=[c for c in row.courts.split(",") if c],
            zip_prefixes=[z for z in row.zip_prefixes.split(",") if z],
        )


@strawberry.input(description="Create a field office, or replace its name and what it covers.")
class SetFieldOfficeInput:
    code: str
    name: str
    courts: list[str] = strawberry.field(default_factory=list)
    zip_prefixes: list[str] = strawberry.field(default_factory=list)
    reason: str | None = None


@strawberry.type
class FieldOfficePayload:
    office: FieldOffice | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Move a child's case to another field office.")
class TransferChildInput:
    child_id: strawberry.ID
    office: str = strawberry.field(description="The receiving office's code.")
    reason: str = strawberry.field(description="Why; required.")
    expected_version: int | None = None


@strawberry.input(
    description="Give an open alert to an officer of the child's office (a SUPERVISOR, or an "
    "OFFICER taking it), or to nobody (assignee null)."
)
class AssignAlertInput:
    alert_id: strawberry.ID
    assignee: str | None = strawberry.field(description="A token's name; null: nobody.")
    reason: str | None = None
