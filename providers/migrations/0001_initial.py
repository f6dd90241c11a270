from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from providers.enums import BookingMode, ProviderStatus, ServiceKind, SessionStatus, StaffRatio
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('core', '0002_audit_append_only')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Provider',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('organisation', fields.ForeignKeyField('core.Organisation', source_field='organisation_id', db_constraint=True, to_field='id', related_name='provider_profiles', on_delete=OnDelete.RESTRICT)),
                ('local_authority', fields.ForeignKeyField('core.Organisation', source_field='local_authority_id', db_constraint=True, to_field='id', related_name='area_providers', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', unique=False)),
                ('ofsted_urn', fields.CharField(null=True, max_length=8)),
                ('address', fields.CharField(default='', max_length=300)),
                ('postcode', fields.CharField(max_length=8)),
                ('latitude', fields.FloatField()),
                ('longitude', fields.FloatField()),
                ('contact_email', fields.CharField(default='', max_length=254)),
                ('contact_phone', fields.CharField(default='', max_length=30)),
                ('website', fields.CharField(default='', max_length=300)),
                ('accessibility_mask', fields.IntField(default=0)),
                ('languages', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=ProviderStatus.DRAFT, description='DRAFT: draft\nPUBLISHED: published\nSUSPENDED: suspended', enum_type=ProviderStatus, max_length=10)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'providers_provider', 'app': 'providers', 'constraints': [UniqueConstraint(fields=('organisation_id',), name='providers_provider_one_per_organisation')], 'indexes': [Index(fields=['status', 'latitude', 'longitude']), Index(fields=['local_authority_id', 'status'])], 'pk_attr': 'id', 'table_description': 'The directory profile of an organisation that runs short breaks.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Service',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('provider', fields.ForeignKeyField('providers.Provider', source_field='provider_id', db_constraint=True, to_field='id', related_name='services', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('kind', fields.CharEnumField(description='DAY_CARE_AWAY: day_care_away\nDAY_CARE_HOME: day_care_home\nOVERNIGHT_AWAY: overnight_away\nOVERNIGHT_HOME: overnight_home\nACTIVITY: activity\nHOLIDAY_SCHEME: holiday_scheme\nFAMILY_BASED: family_based', enum_type=ServiceKind, max_length=20)),
                ('description', fields.TextField(default='', unique=False)),
                ('min_age', fields.SmallIntField()),
                ('max_age', fields.SmallIntField()),
                ('needs_mask', fields.IntField(default=0)),
                ('staff_ratio', fields.CharEnumField(description='ONE_TO_ONE: 1:1\nONE_TO_TWO: 1:2\nONE_TO_THREE: 1:3\nONE_TO_FOUR: 1:4\nGROUP: group', enum_type=StaffRatio, max_length=5)),
                ('group_size', fields.SmallIntField(null=True)),
                ('price_pence', fields.IntField(default=0)),
                ('funding_mask', fields.IntField(default=0)),
                ('booking_mode', fields.CharEnumField(default=BookingMode.INSTANT, description='INSTANT: instant\nAPPROVAL: approval', enum_type=BookingMode, max_length=10)),
                ('cancellation_notice_hours', fields.IntField(default=48)),
                ('booking_window_days', fields.IntField(default=56)),
                ('waiting_list_offer_hours', fields.IntField(default=24)),
                ('late_cancellation_refund_percent', fields.SmallIntField(default=0)),
                ('what_to_bring', fields.TextField(default='', unique=False)),
                ('closed_on_bank_holidays', fields.BooleanField(default=True)),
            ],
            options={'table': 'providers_service', 'app': 'providers', 'constraints': [CheckConstraint(check='min_age >= 0 AND max_age <= 25 AND min_age <= max_age', name='providers_service_ages'), CheckConstraint(check='price_pence >= 0', name='providers_service_price'), CheckConstraint(check='late_cancellation_refund_percent BETWEEN 0 AND 100', name='providers_service_refund_percent')], 'indexes': [Index(fields=['provider_id', 'name'])], 'pk_attr': 'id', 'table_description': 'What a family books: capacity per session is staff on shift × children per staff member, or the group size.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='AvailabilityRule',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('service', fields.ForeignKeyField('providers.Service', source_field='service_id', db_constraint=True, to_field='id', related_name='rules', on_delete=OnDelete.CASCADE)),
                ('rrule', fields.CharField(max_length=300)),
                ('start_time', fields.CharField(max_length=5)),
                ('duration_minutes', fields.IntField()),
                ('staff_count', fields.SmallIntField()),
                ('valid_from', fields.DateField()),
                ('valid_until', fields.DateField(null=True)),
            ],
            options={'table': 'providers_availabilityrule', 'app': 'providers', 'constraints': [CheckConstraint(check='duration_minutes > 0 AND staff_count > 0', name='providers_availabilityrule_positive')], 'pk_attr': 'id', 'table_description': 'When a service runs: an RFC 5545 RRULE over London dates, a local start time and a duration.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Closure',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('service', fields.ForeignKeyField('providers.Service', source_field='service_id', db_constraint=True, to_field='id', related_name='closures', on_delete=OnDelete.CASCADE)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('reason', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'providers_closure', 'app': 'providers', 'constraints': [CheckConstraint(check='starts_on <= ends_on', name='providers_closure_dates')], 'indexes': [Index(fields=['service_id', 'starts_on'])], 'pk_attr': 'id', 'table_description': 'Dates (inclusive, London) on which a service does not run.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Session',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('service', fields.ForeignKeyField('providers.Service', source_field='service_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('rule', fields.ForeignKeyField('providers.AvailabilityRule', source_field='rule_id', null=True, db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.SET_NULL)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('local_date', fields.DateField()),
                ('local_weekday', fields.SmallIntField()),
                ('capacity', fields.IntField()),
                ('places_taken', fields.IntField(default=0)),
                ('status', fields.CharEnumField(default=SessionStatus.SCHEDULED, description='SCHEDULED: scheduled\nCANCELLED: cancelled', enum_type=SessionStatus, max_length=10)),
                ('blocked', fields.BooleanField(default=False)),
                ('sequence', fields.IntField(default=0)),
            ],
            options={'table': 'providers_session', 'app': 'providers', 'constraints': [UniqueConstraint(fields=('rule_id', 'starts_at'), name='providers_session_rule_start'), CheckConstraint(check='capacity > 0', name='providers_session_capacity_positive'), CheckConstraint(check='places_taken >= 0 AND places_taken <= capacity', name='providers_session_places_taken'), CheckConstraint(check='ends_at > starts_at', name='providers_session_times')], 'pk_attr': 'id', 'table_description': 'One bookable occurrence. The database keeps places_taken between 0 and capacity.'},
            bases=['TimestampedModel'],
        ),
    ]
