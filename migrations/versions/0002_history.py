"""The history: hash-chained audit events, signed checkpoints and the access log, append-only in the
database itself (triggers refuse UPDATE, DELETE and, on PostgreSQL, TRUNCATE).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 20:00:32.973771

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# Each append-only table, with the keys a row is identified by.
APPEND_ONLY = {
    "audit_event": ("sequence", "event_id", "hash"),
    "audit_checkpoint": ("size",),
    "access_log": ("id",),
}


def _guards(table: str, keys: tuple[str, ...]) -> list[str]:
    if op.get_bind().dialect.name == "postgresql":
        return [
            f"""CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END $$""",
            f"""CREATE TRIGGER {table}_no_update_or_delete BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()""",
        ]
    # SQLite's INSERT OR REPLACE deletes the row it conflicts with without firing DELETE
    # triggers, so an insert that would meet an existing key is refused too.
    clash = " OR ".join(f"{key} = NEW.{key}" for key in keys)
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END""",
        f"""CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table}
            WHEN EXISTS (SELECT 1 FROM {table} WHERE {clash})
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: REPLACE refused'); END""",
    ]


def _unguards(table: str) -> list[str]:
    if op.get_bind().dialect.name == "postgresql":
        return [
            f"DROP TRIGGER {table}_no_update_or_delete ON {table}",
            f"DROP TRIGGER {table}_no_truncate ON {table}",
            f"DROP FUNCTION {table}_append_only()",
        ]
    return [
        f"DROP TRIGGER {table}_no_update",
        f"DROP TRIGGER {table}_no_delete",
        f"DROP TRIGGER {table}_no_replace",
    ]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('access_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('operation', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_log'))
    )
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_child', ['child_id', 'id'], unique=False)

    op.create_table('audit_checkpoint',
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('size', name=op.f('pk_audit_checkpoint'))
    )
    op.create_table('audit_event',
    sa.Column('sequence', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('entity_version', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('sequence >= 1', name=op.f('ck_audit_event_sequence_positive')),
    sa.PrimaryKeyConstraint('sequence', name=op.f('pk_audit_event')),
    sa.UniqueConstraint('event_id', name=op.f('uq_audit_event_event_id')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_event_hash'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_actor', ['actor_name', 'sequence'], unique=False)
        batch_op.create_index('ix_audit_event_child', ['child_id', 'sequence'], unique=False)
        batch_op.create_index('ix_audit_event_entity', ['entity_type', 'entity_id', 'sequence'], unique=False)
        batch_op.create_index('ix_audit_event_recorded', ['recorded_at', 'sequence'], unique=False)

    for table, keys in APPEND_ONLY.items():
        for statement in _guards(table, keys):
            op.execute(statement)



def downgrade() -> None:
    """Downgrade schema."""
    for table in APPEND_ONLY:
        for statement in _unguards(table):
            op.execute(statement)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_recorded')
        batch_op.drop_index('ix_audit_event_entity')
        batch_op.drop_index('ix_audit_event_child')
        batch_op.drop_index('ix_audit_event_actor')

    op.drop_table('audit_event')
    op.drop_table('audit_checkpoint')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_child')

    op.drop_table('access_log')
