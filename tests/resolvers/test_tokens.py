"""Authentication by token: found by its hash, then decided by a comparison whose time does not
depend on how much of the hash matches."""

import hmac

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import autocommitting
from models.enums import Role
from resolvers.tokens import authenticate, token_hash
from resolvers.unit import Actor
from tests.conftest import Clock


async def test_a_token_is_decided_by_a_constant_time_comparison_of_its_hash(
    engine: AsyncEngine, tokens: dict[Role, str], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    compare = hmac.compare_digest
    compared: list[tuple[str, str]] = []

    def spy(stored: str, presented: str) -> bool:
        compared.append((stored, presented))
        return compare(stored, presented)

    monkeypatch.setattr(hmac, "compare_digest", spy)

    # when
    actor = await authenticate(autocommitting(engine), tokens[Role.OFFICER], now=clock())

    # then
    assert actor == Actor(name="test-officer", role=Role.OFFICER)
    assert compared == [(token_hash(tokens[Role.OFFICER]),) * 2]
