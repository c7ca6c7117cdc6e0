"""Each child's case summary, for the oversight report, written from the records already there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 02:15:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS = (
    "released",
    "transferred",
    "notice_served",
    "heard",
    "failed_to_appear",
    "in_absentia",
    "appeared",
    "represented",
    "location_unknown",
)

# The summary as the records said at this revision; resolvers/case_summary.py keeps it from
# here on, and `casetrail report --check` compares the two.
BACKFILL = """
INSERT INTO case_summary (child_id, released, transferred, notice_served, heard,
                          failed_to_appear, in_absentia, appeared, represented, location_unknown)
SELECT c.id,
       EXISTS (SELECT 1 FROM custody_event e
               WHERE e.child_id = c.id AND e.kind = 'RELEASED_TO_SPONSOR'),
       EXISTS (SELECT 1 FROM custody_event e
               WHERE e.child_id = c.id AND e.kind = 'TRANSFERRED_TO_HHS'),
       EXISTS (SELECT 1 FROM notice n
               WHERE n.child_id = c.id AND n.status IN ('SERVED', 'FILED')),
       EXISTS (SELECT 1 FROM hearing h WHERE h.child_id = c.id),
       EXISTS (SELECT 1 FROM hearing h
               WHERE h.child_id = c.id AND h.status = 'FAILED_TO_APPEAR'),
       EXISTS (SELECT 1 FROM hearing h WHERE h.child_id = c.id AND h.in_absentia_order),
       EXISTS (SELECT 1 FROM hearing h WHERE h.child_id = c.id AND h.status = 'APPEARED'),
       EXISTS (SELECT 1 FROM representation r
               WHERE r.child_id = c.id AND r.withdrawn_on IS NULL),
       c.location_status = 'UNKNOWN'
FROM child c
"""


def upgrade() -> None:
    op.create_table(
        "case_summary",
        sa.Column("child_id", sa.Uuid(), nullable=False),
        *(sa.Column(name, sa.Boolean(), nullable=False) for name in FLAGS),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"]),
        sa.PrimaryKeyConstraint("child_id"),
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("case_summary")
