"""The GraphQL schema: types, inputs, payloads, permissions and the roots."""

import logging
import traceback
from collections.abc import AsyncIterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext

from resolvers import history
from schema.context import Context, Info
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
        if not isinstance(context, Context) or not context.children_read:
            return
        await history.record_reads(
            context.write_sessions,
            actor=context.actor,
            request_id=context.request_id,
            operation=self.execution_context.operation_name,
            child_ids=context.children_read,
            now=context.clock(),
        )


class CasetrailSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        context = execution_context.context if execution_context is not None else None
        request_id = getattr(context, "request_id", "-")
        for error in errors:
            if not is_unexpected(error) or error.original_error is None:
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


schema = CasetrailSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        # Parsing and validating the same document again costs as much as a small query.
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: MaskErrors(should_mask_error=is_unexpected, error_message="Internal error."),
        AccessLog,
    ],
)

__all__ = ["Context", "Info", "schema"]
