"""Relay connections with keyset cursors and totalCount."""

from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry

from resolvers.pagination import Page

Node = TypeVar("Node")
Row = TypeVar("Row")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="How many match the filter, on all pages.")

    @classmethod
    def from_page(cls, page: Page[Row], convert: Callable[[Row], Node]) -> "Connection[Node]":
        edges = [
            Edge(cursor=c, node=convert(r)) for r, c in zip(page.rows, page.cursors, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
            # Only computed when selected; an unselected field is never read.
            total_count=page.total_count if page.total_count is not None else -1,
        )
