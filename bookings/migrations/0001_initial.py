from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from bookings.enums import Attendance, BookingStatus, FundingSource, LedgerKind, WaitingStatus
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial'), ('core', '0002_audit_append_only'), ('providers', '0002_session_search_indexes')]

    initial = True

    operations = [
        ops.CreateModel(
            name='AuthoritySetting',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('local_authority', fields.OneToOneField('core.Organisation', source_field='local_authority_id', db_constraint=True, to_field='id', related_name='booking_setting', on_delete=OnDelete.CASCADE)),
                ('late_cancellation_credit', fields.BooleanField(default=False)),
            ],
            options={'table': 'bookings_authoritysetting', 'app': 'bookings', 'pk_attr': 'id', 'table_description': 'Per local authority rules. ``late_cancellation_credit``: late cancellations still get the allocation back.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Booking',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('reference', fields.CharField(unique=True, max_length=12)),
                ('family', fields.ForeignKeyField('core.User', source_field='family_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.RESTRICT)),
                ('session', fields.ForeignKeyField('providers.Session', source_field='session_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.RESTRICT)),
                ('service', fields.ForeignKeyField('providers.Service', source_field='service_id', db_constraint=True, to_field='id', related_name='bookings', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(description='REQUESTED: requested\nCONFIRMED: confirmed\nATTENDED: attended\nNO_SHOW: no_show\nDECLINED: declined\nCANCELLED_BY_FAMILY: cancelled_by_family\nCANCELLED_BY_PROVIDER: cancelled_by_provider', enum_type=BookingStatus, max_length=24)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('minutes', fields.IntField()),
                ('price_pence', fields.IntField(default=0)),
                ('late_cancellation', fields.BooleanField(default=False)),
                ('reason', fields.CharField(default='', max_length=300)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminder_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bookings_booking', 'app': 'bookings', 'constraints': [CheckConstraint(check='ends_at > starts_at AND minutes > 0', name='bookings_booking_times')], 'indexes': [Index(fields=['family_id', 'starts_at']), Index(fields=['session_id', 'status']), Index(fields=['status', 'starts_at'])], 'pk_attr': 'id', 'table_description': "A family's booking of one or more children onto one session, with a short human reference."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Child',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('family', fields.ForeignKeyField('core.User', source_field='family_id', db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.RESTRICT)),
                ('local_authority', fields.ForeignKeyField('core.Organisation', source_field='local_authority_id', db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.RESTRICT)),
                ('first_name', fields.CharField(max_length=100)),
                ('last_name', fields.CharField(default='', max_length=100)),
                ('date_of_birth', fields.DateField(null=True)),
                ('needs', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('erased_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bookings_child', 'app': 'bookings', 'indexes': [Index(fields=['family_id', 'first_name']), Index(fields=['local_authority_id'])], 'pk_attr': 'id', 'table_description': 'A child a family account looks after. ``needs`` holds DfE primary need codes.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Allocation',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('child', fields.ForeignKeyField('bookings.Child', source_field='child_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.RESTRICT)),
                ('local_authority', fields.ForeignKeyField('core.Organisation', source_field='local_authority_id', db_constraint=True, to_field='id', related_name='allocations', on_delete=OnDelete.RESTRICT)),
                ('year', fields.SmallIntField()),
                ('in_minutes', fields.BooleanField(default=False)),
                ('in_pence', fields.BooleanField(default=False)),
                ('balance_minutes', fields.IntField(default=0)),
                ('balance_pence', fields.IntField(default=0)),
            ],
            options={'table': 'bookings_allocation', 'app': 'bookings', 'constraints': [UniqueConstraint(fields=('child_id', 'year'), name='bookings_allocation_child_year'), CheckConstraint(check='balance_minutes >= 0 AND balance_pence >= 0', name='bookings_allocation_balance_not_negative')], 'pk_attr': 'id', 'table_description': "A child's short-breaks allocation for one financial year (``year`` 2026 is April 2026 to March 2027)."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='AllocationEntry',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('allocation', fields.ForeignKeyField('bookings.Allocation', source_field='allocation_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='GRANT: grant\nDEBIT: debit\nCREDIT: credit\nADJUSTMENT: adjustment', enum_type=LedgerKind, max_length=12)),
                ('minutes', fields.IntField(default=0)),
                ('pence', fields.IntField(default=0)),
                ('booking', fields.ForeignKeyField('bookings.Booking', source_field='booking_id', null=True, db_constraint=True, to_field='id', related_name='ledger_entries', on_delete=OnDelete.SET_NULL)),
                ('reason', fields.CharField(default='', max_length=300)),
                ('actor_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bookings_allocationentry', 'app': 'bookings', 'indexes': [Index(fields=['allocation_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "One line of an allocation's ledger: signed minutes and pence."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BookingChild',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('booking', fields.ForeignKeyField('bookings.Booking', source_field='booking_id', db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.CASCADE)),
                ('child', fields.ForeignKeyField('bookings.Child', source_field='child_id', db_constraint=True, to_field='id', related_name='places', on_delete=OnDelete.RESTRICT)),
                ('session_id', fields.UUIDField()),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('active', fields.BooleanField(default=True)),
                ('funding_source', fields.CharEnumField(description='ALLOCATION: allocation\nFAMILY: family', enum_type=FundingSource, max_length=12)),
                ('allocation', fields.ForeignKeyField('bookings.Allocation', source_field='allocation_id', null=True, db_constraint=True, to_field='id', related_name='places', on_delete=OnDelete.RESTRICT)),
                ('debited_minutes', fields.IntField(default=0)),
                ('debited_pence', fields.IntField(default=0)),
                ('age_override', fields.BooleanField(default=False)),
                ('attendance', fields.CharEnumField(null=True, description='ATTENDED: attended\nNO_SHOW: no_show', enum_type=Attendance, max_length=10)),
            ],
            options={'table': 'bookings_bookingchild', 'app': 'bookings', 'constraints': [UniqueConstraint(fields=('booking_id', 'child_id'), name='bookings_bookingchild_once_per_booking'), UniqueConstraint(fields=('child_id', 'session_id'), name='bookings_bookingchild_one_active_per_session', condition='active')], 'indexes': [Index(fields=['child_id', 'starts_at']), Index(fields=['session_id', 'active'])], 'pk_attr': 'id', 'table_description': "One child's place on a booking, how it is paid for, and the attendance the provider recorded."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='CareProfile',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('child', fields.OneToOneField('bookings.Child', source_field='child_id', db_constraint=True, to_field='id', related_name='care_profile', on_delete=OnDelete.CASCADE)),
                ('communication', fields.TextField(default='', unique=False)),
                ('medical', fields.TextField(default='', unique=False)),
                ('dietary', fields.TextField(default='', unique=False)),
                ('behaviour_support', fields.TextField(default='', unique=False)),
                ('emergency_contact_name', fields.CharField(default='', max_length=100)),
                ('emergency_contact_phone', fields.CharField(default='', max_length=30)),
            ],
            options={'table': 'bookings_careprofile', 'app': 'bookings', 'pk_attr': 'id', 'table_description': 'Special-category data about a child: shown only to those who need it, never audited.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='WaitingListEntry',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('providers.Session', source_field='session_id', db_constraint=True, to_field='id', related_name='waiting_list', on_delete=OnDelete.CASCADE)),
                ('family', fields.ForeignKeyField('core.User', source_field='family_id', db_constraint=True, to_field='id', related_name='waiting_list_entries', on_delete=OnDelete.RESTRICT)),
                ('child', fields.ForeignKeyField('bookings.Child', source_field='child_id', db_constraint=True, to_field='id', related_name='waiting_list_entries', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=WaitingStatus.WAITING, description='WAITING: waiting\nOFFERED: offered\nACCEPTED: accepted\nEXPIRED: expired\nWITHDRAWN: withdrawn\nCLEARED: cleared', enum_type=WaitingStatus, max_length=10)),
                ('priority', fields.SmallIntField(default=0)),
                ('joined_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('offered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('offer_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('booking', fields.ForeignKeyField('bookings.Booking', source_field='booking_id', null=True, db_constraint=True, to_field='id', related_name='from_waiting_list', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'bookings_waitinglistentry', 'app': 'bookings', 'constraints': [UniqueConstraint(fields=('session_id', 'child_id'), name='bookings_waitinglistentry_once_per_session', condition="status IN ('waiting', 'offered')")], 'indexes': [Index(fields=['session_id', 'status', 'priority', 'joined_at']), Index(fields=['status', 'offer_expires_at'])], 'pk_attr': 'id', 'table_description': 'A child waiting for a place on a full session, first in line first (higher ``priority`` first).'},
            bases=['TimestampedModel'],
        ),
    ]
