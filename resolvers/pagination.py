"""Keyset pagination: a cursor is the last row's sort key, opaque to clients."""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from typing import Generic, TypeVar

from resolvers.errors import InvalidInput

DEFAULT_PAGE = 20
MAX_PAGE = 100

Row = TypeVar("Row")


@dataclass(frozen=True)
class Page(Generic[Row]):
    rows: Sequence[Row]
    cursors: Sequence[str]
    has_next: bool
    has_previous: bool
    total_count: int | None


def page_size(first: int | None) -> int:
    """`first`, defaulted and capped at MAX_PAGE; a negative size is refused."""
    if first is None:
        return DEFAULT_PAGE
    if first < 0:
        raise InvalidInput("`first` must be 0 or more.", ["first"])
    return min(first, MAX_PAGE)


def encode_cursor(*key: str) -> str:
    # The text json.dumps(list(key)) writes, by json's C string encoder alone: a page encodes a
    # hundred cursors, and json.dumps's own work for each cost more than the encoding.
    listed = "[" + ", ".join(map(encode_basestring_ascii, key)) + "]"
    return base64.urlsafe_b64encode(listed.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int) -> list[str]:
    """The sort key inside a cursor; anything not made by encode_cursor is refused."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not isinstance(key, list) or len(key) != parts or not all(isinstance(k, str) for k in key):
        raise InvalidInput("This cursor was not issued by this list.", ["after"])
    return key
