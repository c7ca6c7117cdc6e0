"""Fixtures of the history's tests."""

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@pytest.fixture
async def unguarded(engine: AsyncEngine) -> None:
    """Drop the append-only triggers, as an attacker with the owner's rights can."""
    if engine.dialect.name == "postgresql":
        statements = [
            f"DROP TRIGGER {table}_{trigger} ON {table}"
            for table in ("audit_event", "audit_checkpoint")
            for trigger in ("no_update_or_delete", "no_truncate")
        ]
    else:
        statements = [
            f"DROP TRIGGER {table}_{trigger}"
            for table in ("audit_event", "audit_checkpoint")
            for trigger in ("no_update", "no_delete")
        ]
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))
