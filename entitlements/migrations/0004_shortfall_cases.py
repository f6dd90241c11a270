"""Shortfall cases (issue #21): a case the nightly job opens when a child's agreed package falls behind,
its history, and the council's thresholds and manager for them.

Tortoise's CreateModel records ``Meta.constraints`` without creating them, and SQLite cannot add a
CHECK to an existing table (there each CHECK is a pair of triggers raising its name): the SQL below
makes them, as ``0002_applications`` does.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from entitlements.enums import ShortfallAction, ShortfallEventKind, ShortfallStatus, ShortfallTrigger
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from shortbreaks.migration_sql import StateOnly, dialect_sql

UNIQUE = ["CREATE UNIQUE INDEX entitlements_shortfallcase_one_open ON entitlements_shortfallcase (package_id) WHERE status <> 'closed'"]
POSTGRES = [
    *UNIQUE,
    'ALTER TABLE entitlements_councilprofile ADD CONSTRAINT entitlements_councilprofile_shortfall CHECK (shortfall_percent BETWEEN 1 AND 100 AND shortfall_idle_weeks BETWEEN 1 AND 52 AND shortfall_escalate_days BETWEEN 1 AND 60)',
    "ALTER TABLE entitlements_shortfallcase ADD CONSTRAINT entitlements_shortfallcase_closed CHECK ((status = 'closed') = (closed_at IS NOT NULL))",
    "ALTER TABLE entitlements_shortfallcase ADD CONSTRAINT entitlements_shortfallcase_escalated CHECK (status <> 'escalated' OR escalated_at IS NOT NULL)",
    "ALTER TABLE entitlements_shortfallevent ADD CONSTRAINT entitlements_shortfallevent_action CHECK ((kind = 'action') = (action IS NOT NULL))",
]
SQLITE = [
    *UNIQUE,
    "CREATE TRIGGER entitlements_councilprofile_shortfall_insert BEFORE INSERT ON entitlements_councilprofile WHEN NOT (NEW.shortfall_percent BETWEEN 1 AND 100 AND NEW.shortfall_idle_weeks BETWEEN 1 AND 52 AND NEW.shortfall_escalate_days BETWEEN 1 AND 60) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_councilprofile_shortfall'); END",
    "CREATE TRIGGER entitlements_councilprofile_shortfall_update BEFORE UPDATE ON entitlements_councilprofile WHEN NOT (NEW.shortfall_percent BETWEEN 1 AND 100 AND NEW.shortfall_idle_weeks BETWEEN 1 AND 52 AND NEW.shortfall_escalate_days BETWEEN 1 AND 60) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_councilprofile_shortfall'); END",
    "CREATE TRIGGER entitlements_shortfallcase_closed_insert BEFORE INSERT ON entitlements_shortfallcase WHEN NOT ((NEW.status = 'closed') = (NEW.closed_at IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_shortfallcase_closed'); END",
    "CREATE TRIGGER entitlements_shortfallcase_closed_update BEFORE UPDATE ON entitlements_shortfallcase WHEN NOT ((NEW.status = 'closed') = (NEW.closed_at IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_shortfallcase_closed'); END",
    "CREATE TRIGGER entitlements_shortfallcase_escalated_insert BEFORE INSERT ON entitlements_shortfallcase WHEN NOT (NEW.status <> 'escalated' OR NEW.escalated_at IS NOT NULL) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_shortfallcase_escalated'); END",
    "CREATE TRIGGER entitlements_shortfallcase_escalated_update BEFORE UPDATE ON entitlements_shortfallcase WHEN NOT (NEW.status <> 'escalated' OR NEW.escalated_at IS NOT NULL) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_shortfallcase_escalated'); END",
    "CREATE TRIGGER entitlements_shortfallevent_action_insert BEFORE INSERT ON entitlements_shortfallevent WHEN NOT ((NEW.kind = 'action') = (NEW.action IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_shortfallevent_action'); END",
    "CREATE TRIGGER entitlements_shortfallevent_action_update BEFORE UPDATE ON entitlements_shortfallevent WHEN NOT ((NEW.kind = 'action') = (NEW.action IS NOT NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_shortfallevent_action'); END",
]


class Migration(migrations.Migration):
    dependencies = [('bookings', '0001_initial'), ('bookings', '0002_booking_rules'), ('bookings', '0003_declared_constraints'), ('bookings', '0004_booking_held_released'), ('bookings', '0005_overlap_trigger_names_constraint'), ('bookings', '0006_allocation_period'), ('core', '0001_initial'), ('core', '0002_audit_append_only'), ('core', '0003_two_factor'), ('core', '0004_account_constraints'), ('core', '0005_job_outbox'), ('core', '0006_password_reset'), ('core', '0007_organisation_contact'), ('entitlements', '0003_agreed_packages')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ShortfallCase',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('entitlements.CouncilProfile', source_field='council_id', db_constraint=True, to_field='id', related_name='shortfall_cases', on_delete=OnDelete.RESTRICT)),
                ('package', fields.ForeignKeyField('entitlements.AgreedPackage', source_field='package_id', db_constraint=True, to_field='id', related_name='shortfall_cases', on_delete=OnDelete.RESTRICT)),
                ('child', fields.ForeignKeyField('bookings.Child', source_field='child_id', db_constraint=True, to_field='id', related_name='shortfall_cases', on_delete=OnDelete.RESTRICT)),
                ('officer', fields.ForeignKeyField('core.User', source_field='officer_id', null=True, db_constraint=True, to_field='id', related_name='shortfall_cases', on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=ShortfallStatus.OPEN, description='OPEN: open\nESCALATED: escalated\nCLOSED: closed', enum_type=ShortfallStatus, max_length=10)),
                ('trigger', fields.CharEnumField(description='BEHIND: behind\nIDLE: idle', enum_type=ShortfallTrigger, max_length=8)),
                ('opened_on', fields.DateField()),
                ('opened_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('period_starts', fields.DateField()),
                ('period_ends', fields.DateField()),
                ('in_minutes', fields.BooleanField()),
                ('agreed', fields.BigIntField()),
                ('delivered', fields.BigIntField()),
                ('shortfall', fields.BigIntField()),
                ('percent_behind', fields.SmallIntField()),
                ('escalated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('escalated_to', fields.ForeignKeyField('core.User', source_field='escalated_to_id', null=True, db_constraint=True, to_field='id', related_name='shortfall_cases_escalated', on_delete=OnDelete.SET_NULL)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_by', fields.ForeignKeyField('core.User', source_field='closed_by_id', null=True, db_constraint=True, to_field='id', related_name='shortfall_cases_closed', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'entitlements_shortfallcase', 'app': 'entitlements', 'constraints': [UniqueConstraint(fields=('package_id',), name='entitlements_shortfallcase_one_open', condition="status <> 'closed'"), CheckConstraint(check="(status = 'closed') = (closed_at IS NOT NULL)", name='entitlements_shortfallcase_closed'), CheckConstraint(check="status <> 'escalated' OR escalated_at IS NOT NULL", name='entitlements_shortfallcase_escalated')], 'indexes': [Index(fields=['council_id', 'status', 'opened_on']), Index(fields=['child_id', 'opened_at'])], 'pk_attr': 'id', 'table_description': "A child's package that fell behind: opened by the nightly job, worked by the child's officer."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ShortfallEvent',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('entitlements.ShortfallCase', source_field='case_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='OPENED: opened\nFAMILY_TOLD: family_told\nOFFICER_TOLD: officer_told\nESCALATED: escalated\nACTION: action\nCLOSED: closed', enum_type=ShortfallEventKind, max_length=16)),
                ('action', fields.CharEnumField(null=True, description='ALTERNATIVE_OFFERED: alternative_offered\nDIRECT_PAYMENT: direct_payment\nNEW_PROVIDER: new_provider\nFAMILY_DECLINED: family_declined\nOTHER: other', enum_type=ShortfallAction, max_length=24)),
                ('note', fields.TextField(default='', unique=False)),
                ('actor', fields.ForeignKeyField('core.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='shortfall_events', on_delete=OnDelete.SET_NULL)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'entitlements_shortfallevent', 'app': 'entitlements', 'constraints': [CheckConstraint(check="(kind = 'action') = (action IS NOT NULL)", name='entitlements_shortfallevent_action')], 'indexes': [Index(fields=['case_id', 'at'])], 'pk_attr': 'id', 'table_description': 'One step of a shortfall case (append-only): opened, who was told, escalated, each action, closed.'},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='CouncilProfile',
            name='shortfall_escalate_days',
            field=fields.SmallIntField(default=10),
        ),
        ops.AddField(
            model_name='CouncilProfile',
            name='shortfall_idle_weeks',
            field=fields.SmallIntField(default=4),
        ),
        ops.AddField(
            model_name='CouncilProfile',
            name='shortfall_manager',
            field=fields.ForeignKeyField('core.User', source_field='shortfall_manager_id', null=True, db_constraint=True, to_field='id', related_name='shortfall_councils', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='CouncilProfile',
            name='shortfall_percent',
            field=fields.SmallIntField(default=25),
        ),
        StateOnly(
            ops.AddConstraint(
                model_name='CouncilProfile',
                constraint=CheckConstraint(check='shortfall_percent BETWEEN 1 AND 100 AND shortfall_idle_weeks BETWEEN 1 AND 52 AND shortfall_escalate_days BETWEEN 1 AND 60', name='entitlements_councilprofile_shortfall'),
            )
        ),
        dialect_sql(postgres=POSTGRES, sqlite=SQLITE),
    ]
