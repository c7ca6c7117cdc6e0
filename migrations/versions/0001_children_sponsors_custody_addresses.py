"""Children, sponsors, custody events, addresses, contact attempts, notices, hearings,
representation, alerts and API tokens.

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 19:27:12.895147

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('api_token',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.Enum('OFFICER', 'SUPERVISOR', 'OVERSIGHT', 'INTEGRATION', 'ADMIN', name='role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('name', name=op.f('uq_api_token_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    op.create_table('sponsor',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('relationship', sa.Enum('PARENT', 'LEGAL_GUARDIAN', 'SIBLING', 'OTHER_RELATIVE', 'NON_RELATIVE', name='sponsor_relationship', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sponsor'))
    )
    op.create_table('child',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('a_number', sa.String(length=9), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('first_name_key', sa.String(length=100).with_variant(sa.String(length=100, collation='C'), 'postgresql'), nullable=False),
    sa.Column('last_name_key', sa.String(length=100).with_variant(sa.String(length=100, collation='C'), 'postgresql'), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('country_of_birth', sa.String(length=2), nullable=False),
    sa.Column('custody_status', sa.Enum('IN_DHS_CUSTODY', 'IN_HHS_CUSTODY', 'RELEASED_TO_SPONSOR', 'MISSING_FROM_HHS_CARE', 'TURNED_18', 'REMOVED_OR_DEPARTED', name='custody_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('location_status', sa.Enum('VERIFIED', 'UNVERIFIED', 'UNKNOWN', name='location_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sponsor_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('length(a_number) = 9', name=op.f('ck_child_a_number_nine_digits')),
    sa.CheckConstraint('length(country_of_birth) = 2', name=op.f('ck_child_country_alpha2')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_child_version_positive')),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsor.id'], name=op.f('fk_child_sponsor_id_sponsor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child')),
    sa.UniqueConstraint('a_number', name=op.f('uq_child_a_number'))
    )
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_custody_status'), ['custody_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_child_first_name_key'), ['first_name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_child_last_name_key'), ['last_name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_child_location_status'), ['location_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_child_sponsor_id'), ['sponsor_id'], unique=False)

    op.create_table('address',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('line1', sa.String(length=200), nullable=False),
    sa.Column('line2', sa.String(length=100), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('postal_code', sa.String(length=10), nullable=False),
    sa.Column('street_key', sa.String(length=320), nullable=False),
    sa.Column('address_key', sa.String(length=420), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('source', sa.Enum('SPONSOR_REPORTED', 'CHANGE_OF_ADDRESS_FORM', 'FIELD_VERIFICATION', 'COURT_RECORD', 'HHS_RECORD', 'OTHER', name='address_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('verification', sa.Enum('UNVERIFIED', 'VERIFIED', 'FAILED', name='verification_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undeliverable', sa.Boolean(), nullable=False),
    sa.CheckConstraint('effective_to IS NULL OR effective_to >= effective_from', name=op.f('ck_address_effective_range')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_address_child_id_child')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address'))
    )
    with op.batch_alter_table('address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_address_child_id'), ['child_id'], unique=False)
        batch_op.create_index('ix_address_current_address_key', ['address_key'], unique=False, sqlite_where=sa.text('effective_to IS NULL'), postgresql_where=sa.text('effective_to IS NULL'))
        batch_op.create_index(batch_op.f('ix_address_street_key'), ['street_key'], unique=False)
        batch_op.create_index('uq_address_current_per_child', ['child_id'], unique=True, sqlite_where=sa.text('effective_to IS NULL'), postgresql_where=sa.text('effective_to IS NULL'))

    op.create_table('alert',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('FAILED_TO_APPEAR', 'LOCATION_UNKNOWN', 'NOTICE_NOT_SERVED', 'ADDRESS_UNVERIFIED', 'ADDRESS_ISSUE', 'TRANSFER_OVERDUE', 'HEARING_WITHOUT_COUNSEL', name='alert_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status', sa.Enum('OPEN', 'ACKNOWLEDGED', 'RESOLVED', name='alert_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_alert_child_id_child')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_child_id'), ['child_id'], unique=False)
        batch_op.create_index('ix_alert_raised', ['raised_at', 'id'], unique=False)
        batch_op.create_index('ix_alert_status_kind', ['status', 'kind'], unique=False)
        batch_op.create_index('uq_alert_active_per_child_kind', ['child_id', 'kind'], unique=True, sqlite_where=sa.text("status <> 'RESOLVED'"), postgresql_where=sa.text("status <> 'RESOLVED'"))

    op.create_table('contact_attempt',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.Enum('PHONE', 'HOME_VISIT', 'SPONSOR_CONTACT', 'SCHOOL', 'OTHER', name='contact_method', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('outcome', sa.Enum('LOCATED_AT_ADDRESS', 'LOCATED_AT_NEW_ADDRESS', 'NOT_LOCATED', 'NO_RESPONSE', name='contact_outcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('notes', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_contact_attempt_child_id_child')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_attempt'))
    )
    with op.batch_alter_table('contact_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_contact_attempt_child_attempted', ['child_id', 'attempted_at'], unique=False)

    op.create_table('custody_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('APPREHENDED', 'TRANSFERRED_TO_HHS', 'RELEASED_TO_SPONSOR', 'RETURNED_TO_HHS', 'MISSING_FROM_HHS_CARE', 'TURNED_18', 'REMOVED_OR_DEPARTED', name='custody_event_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('facility', sa.String(length=200), nullable=True),
    sa.Column('sponsor_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_custody_event_child_id_child')),
    sa.ForeignKeyConstraint(['sponsor_id'], ['sponsor.id'], name=op.f('fk_custody_event_sponsor_id_sponsor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_event'))
    )
    with op.batch_alter_table('custody_event', schema=None) as batch_op:
        batch_op.create_index('ix_custody_event_child_occurred', ['child_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_custody_event_kind_occurred', ['kind', 'occurred_at', 'child_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_event_sponsor_id'), ['sponsor_id'], unique=False)

    op.create_table('hearing',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('court', sa.String(length=20), nullable=False),
    sa.Column('type', sa.Enum('MASTER_CALENDAR', 'INDIVIDUAL', name='hearing_type', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('SCHEDULED', 'OVERDUE', 'APPEARED', 'FAILED_TO_APPEAR', 'CONTINUED', 'CANCELLED', name='hearing_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('in_absentia_order', sa.Boolean(), nullable=False),
    sa.CheckConstraint("NOT in_absentia_order OR status = 'FAILED_TO_APPEAR'", name=op.f('ck_hearing_in_absentia_needs_fta')),
    sa.CheckConstraint("status <> 'OVERDUE'", name=op.f('ck_hearing_overdue_is_derived')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_hearing_child_id_child')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hearing'))
    )
    with op.batch_alter_table('hearing', schema=None) as batch_op:
        batch_op.create_index('ix_hearing_child_scheduled', ['child_id', 'scheduled_for'], unique=False)
        batch_op.create_index('ix_hearing_court_child', ['court', 'child_id'], unique=False)
        batch_op.create_index('ix_hearing_scheduled', ['scheduled_for', 'id'], unique=False)
        batch_op.create_index('ix_hearing_status_child', ['status', 'child_id'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('ISSUED', 'SERVED', 'FILED', 'REJECTED', 'CANCELLED', name='notice_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=True),
    sa.Column('service_method', sa.Enum('PERSONAL', 'MAIL', name='service_method', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('court', sa.String(length=20), nullable=False),
    sa.CheckConstraint('(served_on IS NULL) = (service_method IS NULL)', name=op.f('ck_notice_service_method_with_date')),
    sa.CheckConstraint('filed_on IS NULL OR filed_on >= issued_on', name=op.f('ck_notice_filed_after_issue')),
    sa.CheckConstraint('served_on IS NULL OR served_on >= issued_on', name=op.f('ck_notice_served_after_issue')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_notice_child_id_child')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_child_id'), ['child_id'], unique=False)
        batch_op.create_index('ix_notice_status_child', ['status', 'child_id'], unique=False)

    op.create_table('representation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('child_id', sa.Uuid(), nullable=False),
    sa.Column('attorney_name', sa.String(length=200), nullable=False),
    sa.Column('organization', sa.String(length=200), nullable=True),
    sa.Column('entered_on', sa.Date(), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.CheckConstraint('withdrawn_on IS NULL OR withdrawn_on >= entered_on', name=op.f('ck_representation_withdrawn_after_entered')),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], name=op.f('fk_representation_child_id_child')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_representation'))
    )
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.create_index('ix_representation_child_withdrawn', ['child_id', 'withdrawn_on'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('representation', schema=None) as batch_op:
        batch_op.drop_index('ix_representation_child_withdrawn')

    op.drop_table('representation')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_status_child')
        batch_op.drop_index(batch_op.f('ix_notice_child_id'))

    op.drop_table('notice')
    with op.batch_alter_table('hearing', schema=None) as batch_op:
        batch_op.drop_index('ix_hearing_status_child')
        batch_op.drop_index('ix_hearing_scheduled')
        batch_op.drop_index('ix_hearing_court_child')
        batch_op.drop_index('ix_hearing_child_scheduled')

    op.drop_table('hearing')
    with op.batch_alter_table('custody_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_event_sponsor_id'))
        batch_op.drop_index('ix_custody_event_kind_occurred')
        batch_op.drop_index('ix_custody_event_child_occurred')

    op.drop_table('custody_event')
    with op.batch_alter_table('contact_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_attempt_child_attempted')

    op.drop_table('contact_attempt')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('uq_alert_active_per_child_kind', sqlite_where=sa.text("status <> 'RESOLVED'"), postgresql_where=sa.text("status <> 'RESOLVED'"))
        batch_op.drop_index('ix_alert_status_kind')
        batch_op.drop_index('ix_alert_raised')
        batch_op.drop_index(batch_op.f('ix_alert_child_id'))

    op.drop_table('alert')
    with op.batch_alter_table('address', schema=None) as batch_op:
        batch_op.drop_index('uq_address_current_per_child', sqlite_where=sa.text('effective_to IS NULL'), postgresql_where=sa.text('effective_to IS NULL'))
        batch_op.drop_index(batch_op.f('ix_address_street_key'))
        batch_op.drop_index('ix_address_current_address_key', sqlite_where=sa.text('effective_to IS NULL'), postgresql_where=sa.text('effective_to IS NULL'))
        batch_op.drop_index(batch_op.f('ix_address_child_id'))

    op.drop_table('address')
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_sponsor_id'))
        batch_op.drop_index(batch_op.f('ix_child_location_status'))
        batch_op.drop_index(batch_op.f('ix_child_last_name_key'))
        batch_op.drop_index(batch_op.f('ix_child_first_name_key'))
        batch_op.drop_index(batch_op.f('ix_child_custody_status'))

    op.drop_table('child')
    op.drop_table('sponsor')
    op.drop_table('api_token')
