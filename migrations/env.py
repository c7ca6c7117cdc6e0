"""Alembic environment: runs revisions on the async engine of the configured URL."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import audit.tables  # noqa: F401  (registers the history's tables on the metadata)
import models  # noqa: F401  (registers every table on the metadata)
from models.db import create_engine

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no database URL configured for migrations")
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def _run_with_connection(connection: Connection) -> None:
    _run(connection)


existing = context.config.attributes.get("connection")
if existing is not None:
    _run_with_connection(existing)
else:
    asyncio.run(_run_online())
