"""Agreed packages (issue #21): what a council has agreed each child gets, where it comes from, and its
amounts over time. The constraints are made by SQL, as in ``0001_initial``.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from entitlements.enums import PackagePeriod, PackageSource
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from shortbreaks.migration_sql import dialect_sql

UNIQUE = ['CREATE UNIQUE INDEX entitlements_packageamount_once_a_day ON entitlements_packageamount (package_id, effective_from)']
POSTGRES = [*UNIQUE, 'ALTER TABLE entitlements_agreedpackage ADD CONSTRAINT entitlements_agreedpackage_dates CHECK (starts_on <= ends_on)', 'ALTER TABLE entitlements_packageamount ADD CONSTRAINT entitlements_packageamount_positive CHECK ((minutes IS NULL OR minutes > 0) AND (pence IS NULL OR pence > 0) AND (minutes IS NOT NULL OR pence IS NOT NULL))']
SQLITE = [*UNIQUE, "CREATE TRIGGER entitlements_agreedpackage_dates_insert BEFORE INSERT ON entitlements_agreedpackage WHEN NOT (NEW.starts_on <= NEW.ends_on) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_agreedpackage_dates'); END", "CREATE TRIGGER entitlements_agreedpackage_dates_update BEFORE UPDATE ON entitlements_agreedpackage WHEN NOT (NEW.starts_on <= NEW.ends_on) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_agreedpackage_dates'); END", "CREATE TRIGGER entitlements_packageamount_positive_insert BEFORE INSERT ON entitlements_packageamount WHEN NOT ((NEW.minutes IS NULL OR NEW.minutes > 0) AND (NEW.pence IS NULL OR NEW.pence > 0) AND (NEW.minutes IS NOT NULL OR NEW.pence IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_packageamount_positive'); END", "CREATE TRIGGER entitlements_packageamount_positive_update BEFORE UPDATE ON entitlements_packageamount WHEN NOT ((NEW.minutes IS NULL OR NEW.minutes > 0) AND (NEW.pence IS NULL OR NEW.pence > 0) AND (NEW.minutes IS NOT NULL OR NEW.pence IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_packageamount_positive'); END"]

class Migration(migrations.Migration):
    dependencies = [('bookings', '0001_initial'), ('bookings', '0002_booking_rules'), ('bookings', '0003_declared_constraints'), ('bookings', '0004_booking_held_released'), ('bookings', '0005_overlap_trigger_names_constraint'), ('bookings', '0006_allocation_period'), ('core', '0001_initial'), ('core', '0002_audit_append_only'), ('core', '0003_two_factor'), ('core', '0004_account_constraints'), ('core', '0005_job_outbox'), ('core', '0006_password_reset'), ('core', '0007_organisation_contact'), ('entitlements', '0002_applications')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AgreedPackage',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('entitlements.CouncilProfile', source_field='council_id', db_constraint=True, to_field='id', related_name='packages', on_delete=OnDelete.RESTRICT)),
                ('child', fields.ForeignKeyField('bookings.Child', source_field='child_id', db_constraint=True, to_field='id', related_name='packages', on_delete=OnDelete.RESTRICT)),
                ('source', fields.CharEnumField(description='TIER_DECISION: tier_decision\nEHC_PLAN_H1: ehc_plan_h1\nEHC_PLAN_H2: ehc_plan_h2\nCHILD_IN_NEED: child_in_need', enum_type=PackageSource, max_length=16)),
                ('application', fields.ForeignKeyField('entitlements.Application', source_field='application_id', null=True, db_constraint=True, to_field='id', related_name='packages', on_delete=OnDelete.SET_NULL)),
                ('source_reference', fields.CharField(default='', max_length=100)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('pattern', fields.CharField(default='', max_length=200)),
                ('officer', fields.ForeignKeyField('core.User', source_field='officer_id', null=True, db_constraint=True, to_field='id', related_name='packages_held', on_delete=OnDelete.SET_NULL)),
                ('recorded_by', fields.ForeignKeyField('core.User', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name='packages_recorded', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'entitlements_agreedpackage', 'app': 'entitlements', 'constraints': [CheckConstraint(check='starts_on <= ends_on', name='entitlements_agreedpackage_dates')], 'indexes': [Index(fields=['council_id', 'starts_on', 'ends_on']), Index(fields=['child_id'])], 'pk_attr': 'id', 'table_description': 'What a council has agreed a child gets, from ``starts_on`` to ``ends_on``, and where it comes from.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='PackageAmount',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('package', fields.ForeignKeyField('entitlements.AgreedPackage', source_field='package_id', db_constraint=True, to_field='id', related_name='amounts', on_delete=OnDelete.CASCADE)),
                ('effective_from', fields.DateField()),
                ('minutes', fields.IntField(null=True)),
                ('pence', fields.BigIntField(null=True)),
                ('per', fields.CharEnumField(description='WEEK: week\nMONTH: month\nYEAR: year', enum_type=PackagePeriod, max_length=8)),
                ('reason', fields.TextField(default='', unique=False)),
                ('recorded_by', fields.ForeignKeyField('core.User', source_field='recorded_by_id', null=True, db_constraint=True, to_field='id', related_name='package_amounts_recorded', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'entitlements_packageamount', 'app': 'entitlements', 'constraints': [UniqueConstraint(fields=('package_id', 'effective_from'), name='entitlements_packageamount_once_a_day'), CheckConstraint(check='(minutes IS NULL OR minutes > 0) AND (pence IS NULL OR pence > 0) AND (minutes IS NOT NULL OR pence IS NOT NULL)', name='entitlements_packageamount_positive')], 'pk_attr': 'id', 'table_description': "An agreed package's amount from ``effective_from``: hours (as minutes) or pence, per week, month or year."},
            bases=['TimestampedModel'],
        ),
        dialect_sql(postgres=POSTGRES, sqlite=SQLITE),
    ]
