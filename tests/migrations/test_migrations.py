"""The migrations build exactly the tables the models describe, and can be undone."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import migrations


async def test_a_migrated_database_matches_the_models(engine: AsyncEngine) -> None:
    # given a database migrated to head (the fixture's)
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    # when
    async with engine.connect() as connection:
        found = await connection.run_sync(differences)

    # then
    assert found == []
    assert await migrations.current_revision(engine) == migrations.head_revision()


async def test_downgrade_to_base_removes_every_table(engine: AsyncEngine) -> None:
    # when
    await migrations.downgrade(engine, "base")

    # then
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    assert set(tables) <= {"alembic_version"}
