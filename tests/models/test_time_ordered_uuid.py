"""Time-ordered keys (UUID version 7): later keys sort after earlier ones."""

import time
import uuid

from models.base import time_ordered_uuid


def test_keys_are_version_7_and_follow_the_clock() -> None:
    # when
    earlier = [time_ordered_uuid() for _ in range(50)]
    time.sleep(0.002)
    later = time_ordered_uuid()

    # then
    assert {key.version for key in [*earlier, later]} == {7}
    assert {key.variant for key in [*earlier, later]} == {uuid.RFC_4122}
    assert len(set(earlier)) == 50
    assert all(key < later for key in earlier)
    assert abs((later.int >> 80) - time.time_ns() // 1_000_000) < 1000
