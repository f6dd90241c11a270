"""The council's sufficiency report (issue #21): each active package's figures as at the last nightly refresh
with the report's dimensions, the counts behind its other tables, each month's figures for the trend,
and when each council was last refreshed (:mod:`entitlements.sufficiency`).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('bookings', '0001_initial'), ('bookings', '0002_booking_rules'), ('bookings', '0003_declared_constraints'), ('bookings', '0004_booking_held_released'), ('bookings', '0005_overlap_trigger_names_constraint'), ('bookings', '0006_allocation_period'), ('core', '0001_initial'), ('core', '0002_audit_append_only'), ('core', '0003_two_factor'), ('core', '0004_account_constraints'), ('core', '0005_job_outbox'), ('core', '0006_password_reset'), ('core', '0007_organisation_contact'), ('entitlements', '0003_agreed_packages'), ('entitlements', '0004_shortfall_cases')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SufficiencyItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council_id', fields.UUIDField()),
                ('child', fields.ForeignKeyField('bookings.Child', source_field='child_id', null=True, db_constraint=True, to_field='id', related_name='sufficiency_items', on_delete=OnDelete.CASCADE)),
                ('tier_key', fields.CharField(null=True, max_length=40)),
                ('need', fields.CharField(null=True, max_length=8)),
                ('age_band', fields.CharField(null=True, max_length=8)),
                ('area', fields.CharField(null=True, max_length=8)),
                ('child_first', fields.BooleanField(null=True)),
                ('section', fields.CharField(max_length=12)),
                ('key', fields.CharField(max_length=300)),
                ('places', fields.BigIntField()),
            ],
            options={'table': 'entitlements_sufficiencyitem', 'app': 'entitlements', 'indexes': [Index(fields=['council_id', 'section']), Index(fields=['child_id'])], 'pk_attr': 'id', 'table_description': "A count behind the report's other tables, for one child of the last refresh (``child_id``) or the council's"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SufficiencyMonth',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('council_id', fields.UUIDField()),
                ('month', fields.DateField()),
                ('tier_key', fields.CharField(max_length=40)),
                ('need', fields.CharField(max_length=8)),
                ('age_band', fields.CharField(max_length=8)),
                ('area', fields.CharField(max_length=8)),
                ('packages', fields.IntField()),
                ('children', fields.IntField()),
                ('children_tier', fields.IntField()),
                ('children_behind', fields.IntField()),
                ('children_tier_behind', fields.IntField()),
                ('minutes_agreed', fields.BigIntField()),
                ('minutes_attended', fields.BigIntField()),
                ('minutes_booked', fields.BigIntField()),
                ('minutes_shortfall', fields.BigIntField()),
                ('pence_agreed', fields.BigIntField()),
                ('pence_attended', fields.BigIntField()),
                ('pence_booked', fields.BigIntField()),
                ('pence_shortfall', fields.BigIntField()),
            ],
            options={'table': 'entitlements_sufficiencymonth', 'app': 'entitlements', 'indexes': [Index(fields=['council_id', 'month'])], 'pk_attr': 'id', 'table_description': "A month's figures (as at the last refresh in it) for each mix of dimensions, for the trend."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SufficiencyPackage',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('council_id', fields.UUIDField()),
                ('child', fields.ForeignKeyField('bookings.Child', source_field='child_id', db_constraint=True, to_field='id', related_name='sufficiency_packages', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('tier_key', fields.CharField(max_length=40)),
                ('need', fields.CharField(max_length=8)),
                ('age_band', fields.CharField(max_length=8)),
                ('area', fields.CharField(max_length=8)),
                ('child_first', fields.BooleanField()),
                ('child_tier_first', fields.BooleanField()),
                ('child_behind', fields.BooleanField()),
                ('child_tier_behind', fields.BooleanField()),
                ('in_minutes', fields.BooleanField()),
                ('minutes_agreed', fields.BigIntField()),
                ('minutes_attended', fields.BigIntField()),
                ('minutes_booked', fields.BigIntField()),
                ('minutes_shortfall', fields.BigIntField()),
                ('pence_agreed', fields.BigIntField()),
                ('pence_attended', fields.BigIntField()),
                ('pence_booked', fields.BigIntField()),
                ('pence_shortfall', fields.BigIntField()),
                ('waiting_since', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('waiting_band', fields.CharField(max_length=8)),
            ],
            options={'table': 'entitlements_sufficiencypackage', 'app': 'entitlements', 'indexes': [Index(fields=['council_id', 'tier_key']), Index(fields=['council_id', 'need']), Index(fields=['council_id', 'age_band']), Index(fields=['council_id', 'area']), Index(fields=['child_id'])], 'pk_attr': 'id', 'table_description': "One active package's figures on the day of the council's last refresh, with the report's dimensions"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SufficiencyRefresh',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('council', fields.OneToOneField('entitlements.CouncilProfile', source_field='council_id', db_constraint=True, to_field='id', related_name='sufficiency_refresh', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('year_starts', fields.DateField()),
                ('year_ends', fields.DateField()),
                ('packages', fields.IntField(default=0)),
                ('tier_keys', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('areas', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'entitlements_sufficiencyrefresh', 'app': 'entitlements', 'pk_attr': 'id', 'table_description': "When a council's sufficiency figures were last worked out (:mod:`entitlements.sufficiency`), and for which day."},
            bases=['TimestampedModel'],
        ),
    ]
