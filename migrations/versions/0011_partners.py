"""Partners that are sent alerts, their signing keys, and the outbox of those sends.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 22:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALERT_KINDS = (
    "FAILED_TO_APPEAR",
    "LOCATION_UNKNOWN",
    "NOTICE_NOT_SERVED",
    "ADDRESS_UNVERIFIED",
    "ADDRESS_ISSUE",
    "TRANSFER_OVERDUE",
    "HEARING_WITHOUT_COUNSEL",
)


def upgrade() -> None:
    op.create_table(
        "partner",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("endpoint", sa.String(length=2000), nullable=False),
        sa.Column("kinds", sa.String(length=500), nullable=False),
        sa.Column("fields", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner")),
        sa.UniqueConstraint("name", name=op.f("uq_partner_name")),
    )
    op.create_table(
        "partner_secret",
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_partner_secret_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_partner_secret")),
    )
    op.create_table(
        "partner_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*ALERT_KINDS, name="alert_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "DELIVERED",
                "FAILED",
                name="delivery_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_partner_delivery_alert_id_alert")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_partner_delivery_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_delivery")),
    )
    op.create_index(
        op.f("ix_partner_delivery_alert_id"), "partner_delivery", ["alert_id"], unique=False
    )
    op.create_index(
        op.f("ix_partner_delivery_partner_id"), "partner_delivery", ["partner_id"], unique=False
    )
    # The delivery loop's question: what is due now.
    op.create_index(
        "ix_partner_delivery_due", "partner_delivery", ["status", "next_attempt_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_partner_delivery_due", table_name="partner_delivery")
    op.drop_index(op.f("ix_partner_delivery_partner_id"), table_name="partner_delivery")
    op.drop_index(op.f("ix_partner_delivery_alert_id"), table_name="partner_delivery")
    op.drop_table("partner_delivery")
    op.drop_table("partner_secret")
    op.drop_table("partner")
