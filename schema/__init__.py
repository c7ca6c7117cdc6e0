"""The GraphQL schema: types, inputs, payloads, permissions and the roots."""

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from schema.context import Context, Info
from schema.mutation import Mutation
from schema.query import Query

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    # Parsing and validating the same document again costs as much as a small query.
    extensions=[lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)],
)

__all__ = ["Context", "Info", "schema"]
