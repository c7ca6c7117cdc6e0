"""Each case summary keeps its child's first and last release, so that the report finds the
children released in a window from the summaries.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:45:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (column, aggregate, custody event kind)
INSTANTS = (
    ("first_released_at", "min", "RELEASED_TO_SPONSOR"),
    ("last_released_at", "max", "RELEASED_TO_SPONSOR"),
)


def upgrade() -> None:
    with op.batch_alter_table("case_summary") as batch:
        for name, _aggregate, _kind in INSTANTS:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
    # The instants as the records say at this revision; resolvers/case_summary.py keeps them
    # from here on, and `casetrail report --check` compares the two.
    assignments = ",\n".join(
        f"{name} = (SELECT {aggregate}(e.occurred_at) FROM custody_event e"
        f" WHERE e.child_id = case_summary.child_id AND e.kind = '{kind}')"
        for name, aggregate, kind in INSTANTS
    )
    op.execute(f"UPDATE case_summary SET {assignments}")  # noqa: S608 - constants above


def downgrade() -> None:
    with op.batch_alter_table("case_summary") as batch:
        for name, _aggregate, _kind in reversed(INSTANTS):
            batch.drop_column(name)
