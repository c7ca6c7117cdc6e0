"""A cursor is the JSON list of its row's sort key in URL-safe base64: the same text for the
same key however it is made, so that a cursor issued before stays valid."""

import base64
import json

import pytest

from resolvers.pagination import decode_cursor, encode_cursor


@pytest.mark.parametrize(
    "key",
    [
        (),
        ("325000001",),
        ("325000001", "325000002"),
        ('quoted "and" back\\slash',),
        ("Ñandú, tab\t and line\n",),
        ("emoji 🦜 and line separator \u2028",),
    ],
)
def test_a_cursor_is_its_key_as_json_in_base64(key: tuple[str, ...]) -> None:
    # when
    cursor = encode_cursor(*key)

    # then
    as_json = base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")
    assert cursor == as_json
    assert decode_cursor(cursor, len(key)) == list(key)
