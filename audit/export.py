"""Export of the history as JSON Lines: a header, every event in sequence order, then the
checkpoints. An event's line is its hashed document (canonical form) with "type" and "hash"
added, so `casetrail audit verify --file` checks it with no database."""

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from audit.canonical import canonical_bytes
from audit.verify import document_of, events_table, load_checkpoints

FORMAT = "casetrail-audit-export"


async def export(engine: AsyncEngine, path: Path) -> int:
    """Write the history to `path`; returns the number of events written."""
    count = 0
    with path.open("wb") as file:
        file.write(_line({"type": FORMAT, "version": 1}))
        async with engine.connect() as connection:
            result = await connection.stream(
                select(events_table)
                .order_by(events_table.c.sequence)
                .execution_options(yield_per=5000)
            )
            async for partition in result.mappings().partitions():
                for row in partition:
                    file.write(_line({"type": "event", **document_of(row), "hash": row["hash"]}))
                    count += 1
            for checkpoint in await load_checkpoints(connection):
                file.write(
                    _line(
                        {
                            "type": "checkpoint",
                            "size": checkpoint.size,
                            "head_hash": checkpoint.head_hash,
                            "key_id": checkpoint.key_id,
                            "signature": checkpoint.signature,
                        }
                    )
                )
    return count


def _line(document: dict[str, Any]) -> bytes:
    return canonical_bytes(document) + b"\n"
