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
    with op.batch_alter_table("child") as batch:
        batch.add_column(sa.Column("field_office", sa.String(length=10), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_child_field_office_field_office"),
            "field_office",
            ["field_office"],
            ["code"],
        )
        batch.create_index(batch.f("ix_child_field_office"), ["field_office"], unique=False)
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("assigned_to", sa.String(length=100), nullable=True))
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("office", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("office")
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("assigned_to")
        batch.drop_column("due_at")
    with op.batch_alter_table("child") as batch:
        batch.drop_index(batch.f("ix_child_field_office"))
        batch.drop_constraint(batch.f("fk_child_field_office_field_office"), type_="foreignkey")
        batch.drop_column("field_office")
    op.drop_table("field_office")
