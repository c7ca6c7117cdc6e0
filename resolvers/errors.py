"""The small family of domain errors every operation raises; schema/ turns them into
`userErrors` (mutations) or GraphQL errors (queries) in one place."""

from collections.abc import Sequence


class DomainError(Exception):
    """A request the domain refuses. The message is for a person and never holds record data."""

    code = "INVALID"

    def __init__(self, message: str, field: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = list(field) if field is not None else None

    def at(self, *prefix: str) -> "DomainError":
        """The same error with its field path placed under `prefix` (e.g. "input")."""
        self.field = [*prefix, *(self.field or [])]
        return self


class InvalidInput(DomainError):
    code = "INVALID"


class NotFound(DomainError):
    code = "NOT_FOUND"


class VersionConflict(DomainError):
    code = "VERSION_CONFLICT"


class InvalidTransition(DomainError):
    code = "INVALID_TRANSITION"


class Duplicate(DomainError):
    code = "DUPLICATE"
