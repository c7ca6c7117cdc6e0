"""Merged records of one child, and the birth-date index possible duplicates are found by.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 01:50:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "child_merge",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("merged_child_id", sa.Uuid(), nullable=False),
        sa.Column("merged_a_number", sa.String(length=9), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "child_id <> merged_child_id", name=op.f("ck_child_merge_not_into_itself")
        ),
        sa.CheckConstraint(
            "length(merged_a_number) = 9", name=op.f("ck_child_merge_merged_a_number_nine_digits")
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_child_merge_child_id_child")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_merge")),
        sa.UniqueConstraint("merged_child_id", name=op.f("uq_child_merge_merged_child_id")),
    )
    op.create_index(op.f("ix_child_merge_child_id"), "child_merge", ["child_id"], unique=False)
    op.create_index("ix_child_date_of_birth", "child", ["date_of_birth"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_child_date_of_birth", table_name="child")
    op.drop_index(op.f("ix_child_merge_child_id"), table_name="child_merge")
    op.drop_table("child_merge")
