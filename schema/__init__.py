"""The GraphQL schema: types, inputs, payloads, permissions and the roots."""

import logging
import sqlite3
import traceback
from collections.abc import AsyncIterator
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from models.db import sqlstate, unreachable
from resolvers import history
from schema.compiled import CompilingExecutor
from schema.context import Context, Info
from schema.errors import DATABASE_UNAVAILABLE, unavailable_message
from schema.mutation import Mutation
from schema.query import Query
from schema.subscription import Subscription

log = logging.getLogger("casetrail.graphql")


def is_unexpected(error: GraphQLError) -> bool:
    """A fault the code did not raise on purpose. Its message may hold SQL parameters, i.e.
    personal data, so it is neither shown to the client nor logged."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class AccessLog(SchemaExtension):
    """When an operation has run, append which children's records it read, by whom, to the
    access log (one statement per request)."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if isinstance(context, Context):
            await record_access(context, self.execution_context.operation_name)


async def record_access(context: Context, operation: str | None) -> None:
    """Append the children this request read to the access log, if it read any that are not
    there yet."""
    unlogged = context.children_read - context.children_logged
    if not unlogged:
        return
    await history.record_reads(
        context.engine,
        actor=context.actor,
        request_id=context.request_id,
        operation=operation,
        child_ids=unlogged,
        now=context.clock(),
    )


def refused_character(error: BaseException | None) -> bool:
    """PostgreSQL refused a character in the request's text: NUL, which its text cannot hold
    (character_not_in_repertoire). The client's input, not a fault of the code."""
    return sqlstate(error) == "22021"


def timed_out(error: BaseException | None) -> bool:
    """The database cancelled a statement that ran past the request's time limit
    (PostgreSQL's query_canceled; SQLite interrupted by the progress handler)."""
    if sqlstate(error) == "57014":
        return True
    original = error.orig if isinstance(error, DBAPIError) else None
    return isinstance(original, sqlite3.OperationalError) and str(original) == "interrupted"


class MaskUnexpected(MaskErrors):
    """A fault the code did not raise on purpose reaches the client as "Internal error." with
    the request's ID, which the server's log line about it carries too; a statement cancelled
    at the time limit says so, and so does a database that could not be reached (the GraphQL
    view answers that 503)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Internal error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        request_id = getattr(self.execution_context.context, "request_id", None)
        code = "INTERNAL"
        reason = unreachable(error.original_error)
        if reason is not None:
            masked.message = unavailable_message(reason)
            code = DATABASE_UNAVAILABLE
        elif timed_out(error.original_error):
            masked.message = "The request ran past the server's time limit."
            code = "TIMEOUT"
        elif refused_character(error.original_error):
            masked.message = "Text in this request holds a NUL character, which is never stored."
            code = "INVALID"
        masked.extensions = {"code": code, "requestId": request_id}
        return masked


# The largest operation a client may send. The deepest the API's own clients go (children,
# their hearings, each hearing's child and sponsor) is 7 levels; a deeper document is a cycle
# walked on purpose (child → hearings → child → …), which costs the server, not the client.
MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 2_000


class CasetrailSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context is not None else None
        request_id = getattr(context, "request_id", "-")
        for error in errors:
            if not is_unexpected(error) or error.original_error is None:
                continue
            reason = unreachable(error.original_error)
            if reason is not None:  # the database's outage, not a fault of the code
                log.warning("request %s: database unavailable (%s)", request_id, reason)
                continue
            if refused_character(error.original_error):  # the client's text, answered INVALID
                continue
            # The frames say where; the message (which may quote data) is left out.
            frames = "".join(traceback.format_tb(error.original_error.__traceback__))
            log.error(
                "request %s: unexpected %s at %s\n%s",
                request_id,
                type(error.original_error).__name__,
                error.path,
                frames,
            )


def build_schema(*, introspection: bool = True) -> CasetrailSchema:
    """The schema, with its limits; production serves it without introspection."""
    # The limiters' validation rules are made once: the validation cache knows a document
    # by its rules too, and a limiter made anew for each request makes new rules.
    limits = [
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(limits),
        # Parsing and validating the same document again costs as much as a small query.
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        MaskUnexpected,
        AccessLog,
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return CasetrailSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=CompilingExecutor,
    )


schema = build_schema()

__all__ = ["Context", "Info", "build_schema", "record_access", "schema"]
