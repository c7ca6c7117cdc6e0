"""The role table of the API, as permission classes on fields."""

from typing import Any, ClassVar

from graphql import GraphQLError
from strawberry.permission import BasePermission

from models.enums import AlertStatus, Role
from schema.context import Info


class RolePermission(BasePermission):
    allowed: ClassVar[frozenset[Role]]
    message = "Your role may not do this."
    error_extensions: ClassVar[dict[str, object]] = {"code": "FORBIDDEN"}  # type: ignore[misc]

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.actor.role in self.allowed

    @classmethod
    def forbidden(cls) -> GraphQLError:
        """The same refusal, for a check a resolver makes itself (e.g. on a node's type)."""
        return GraphQLError(cls.message, extensions=dict(cls.error_extensions))


class CanReadCases(RolePermission):
    """Case records: everyone but integrations."""

    allowed = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.OVERSIGHT, Role.ADMIN})
    message = "Your role may not read case records."


class CanReadHearings(RolePermission):
    allowed = frozenset(Role)
    message = "Your role may not read hearings."


class CanChangeCases(RolePermission):
    allowed = frozenset({Role.OFFICER, Role.SUPERVISOR})
    message = "Your role may not change case records."


class CanMergeChildren(RolePermission):
    """Two records made one moves a child's whole case: a supervisor's decision."""

    allowed = frozenset({Role.SUPERVISOR})
    message = "Only a SUPERVISOR may merge records."


class CanManageOffices(RolePermission):
    allowed = frozenset({Role.ADMIN})
    message = "Only an ADMIN may set up field offices."


class CanReadWorkQueues(RolePermission):
    """An office's queue: its officers (their own office's only), supervisors and oversight."""

    allowed = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.OVERSIGHT})
    message = "Your role may not read work queues."


class CanAssignAlerts(RolePermission):
    """A supervisor gives alerts to officers; an officer may take one."""

    allowed = frozenset({Role.OFFICER, Role.SUPERVISOR})
    message = "An OFFICER may take an alert; only a SUPERVISOR gives one to someone else."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        actor = info.context.actor
        if actor.role == Role.OFFICER:
            return getattr(kwargs.get("input"), "assignee", None) == actor.name
        return actor.role == Role.SUPERVISOR


class CanManageTokens(RolePermission):
    allowed = frozenset({Role.ADMIN})
    message = "Only an ADMIN may create or revoke API tokens."


class CanManagePartners(RolePermission):
    allowed = frozenset({Role.ADMIN})
    message = "Only an ADMIN may register partners or change what they are sent."


class CanReadPartners(RolePermission):
    """The partners and their delivery log: who is sent children's data, and whether it
    arrived."""

    allowed = frozenset({Role.ADMIN, Role.OVERSIGHT})
    message = "Only ADMIN and OVERSIGHT may read the partners and their deliveries."


class CanReadHistory(RolePermission):
    """A child's history and as-of view: the case workers and oversight."""

    allowed = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.OVERSIGHT})
    message = "Your role may not read the history of case records."


class CanAudit(RolePermission):
    """The whole log and its verification: oversight."""

    allowed = frozenset({Role.OVERSIGHT})
    message = "Only OVERSIGHT may read the audit log and its verification."


class CanRecordHearings(RolePermission):
    """Scheduling hearings and recording their outcomes: case workers and court integrations."""

    allowed = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.INTEGRATION})
    message = "Your role may not schedule hearings or record their outcomes."


class CanUpdateAlerts(RolePermission):
    """Officers acknowledge alerts; only supervisors resolve them."""

    allowed = frozenset({Role.OFFICER, Role.SUPERVISOR})
    message = "Your role may not change this alert so."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        role = info.context.actor.role
        wanted = getattr(kwargs.get("input"), "status", None)
        if wanted == AlertStatus.RESOLVED:
            return role == Role.SUPERVISOR
        return role in self.allowed
