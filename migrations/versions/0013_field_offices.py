"""Field offices, the office each child belongs to, alerts' due times and assignees, and the
office an officer's token carries.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 02:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "field_office",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("courts", sa.String(length=500), nullable=False),
        sa.Column("zip_prefixes", sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_office")),
        sa.UniqueConstraint("code", name=op.f("uq_field_office_code")),
    )
    # Existing children, alerts and tokens get null: no office yet, no due time kept, nobody
    # assigned. The history agrees (a column added later is null in a record's history).
    # Plain ADD COLUMN on both engines: no table is rebuilt, whatever its size.
    op.add_column("child", sa.Column("field_office", sa.String(length=10), nullable=True))
    op.create_index(op.f("ix_child_field_office"), "child", ["field_office"], unique=False)
    op.add_column("alert", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("alert", sa.Column("assigned_to", sa.String(length=100), nullable=True))
    op.add_column("api_token", sa.Column("office", sa.String(length=10), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35 and later): rebuilding a table that others reference
    # fails on SQLite while its rows are referenced.
    op.drop_column("api_token", "office")
    op.drop_column("alert", "assigned_to")
    op.drop_column("alert", "due_at")
    op.drop_index(op.f("ix_child_field_office"), table_name="child")
    op.drop_column("child", "field_office")
    op.drop_table("field_office")
