from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from entitlements.enums import StatementStatus, TierKind
from json import dumps, loads
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint
from shortbreaks.migration_sql import dialect_sql

UNIQUE = [
    'CREATE UNIQUE INDEX entitlements_statement_number_unique ON entitlements_statement (council_id, number)',
    "CREATE UNIQUE INDEX entitlements_statement_one_open ON entitlements_statement (council_id, status) WHERE status IN ('draft', 'published')",
    'CREATE UNIQUE INDEX entitlements_tier_code_unique ON entitlements_tier (statement_id, code)',
]

POSTGRES = [
    'ALTER TABLE entitlements_councilprofile ADD CONSTRAINT entitlements_councilprofile_year_start CHECK (allowance_year_start_month BETWEEN 1 AND 12 AND allowance_year_start_day BETWEEN 1 AND 31)',
    'ALTER TABLE entitlements_statement ADD CONSTRAINT entitlements_statement_number_positive CHECK (number >= 1)',
    "ALTER TABLE entitlements_statement ADD CONSTRAINT entitlements_statement_published_at CHECK ((status = 'draft') = (published_at IS NULL))",
    "ALTER TABLE entitlements_tier ADD CONSTRAINT entitlements_tier_how_to_apply CHECK (kind = 'universal' OR length(trim(how_to_apply)) > 0)",
    'ALTER TABLE entitlements_tier ADD CONSTRAINT entitlements_tier_amounts CHECK ((hours_per_year IS NULL OR hours_per_year > 0) AND (pence_per_year IS NULL OR pence_per_year > 0))',
    *UNIQUE,
]

# SQLite cannot add a CHECK to an existing table: each CHECK is a pair of triggers raising its name.
SQLITE = [
    *UNIQUE,
    "CREATE TRIGGER entitlements_councilprofile_year_start_insert BEFORE INSERT ON entitlements_councilprofile WHEN NOT (NEW.allowance_year_start_month BETWEEN 1 AND 12 AND NEW.allowance_year_start_day BETWEEN 1 AND 31) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_councilprofile_year_start'); END",
    "CREATE TRIGGER entitlements_councilprofile_year_start_update BEFORE UPDATE ON entitlements_councilprofile WHEN NOT (NEW.allowance_year_start_month BETWEEN 1 AND 12 AND NEW.allowance_year_start_day BETWEEN 1 AND 31) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_councilprofile_year_start'); END",
    "CREATE TRIGGER entitlements_statement_number_positive_insert BEFORE INSERT ON entitlements_statement WHEN NOT (NEW.number >= 1) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_statement_number_positive'); END",
    "CREATE TRIGGER entitlements_statement_number_positive_update BEFORE UPDATE ON entitlements_statement WHEN NOT (NEW.number >= 1) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_statement_number_positive'); END",
    "CREATE TRIGGER entitlements_statement_published_at_insert BEFORE INSERT ON entitlements_statement WHEN NOT ((NEW.status = 'draft') = (NEW.published_at IS NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_statement_published_at'); END",
    "CREATE TRIGGER entitlements_statement_published_at_update BEFORE UPDATE ON entitlements_statement WHEN NOT ((NEW.status = 'draft') = (NEW.published_at IS NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_statement_published_at'); END",
    "CREATE TRIGGER entitlements_tier_how_to_apply_insert BEFORE INSERT ON entitlements_tier WHEN NOT (NEW.kind = 'universal' OR length(trim(NEW.how_to_apply)) > 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_tier_how_to_apply'); END",
    "CREATE TRIGGER entitlements_tier_how_to_apply_update BEFORE UPDATE ON entitlements_tier WHEN NOT (NEW.kind = 'universal' OR length(trim(NEW.how_to_apply)) > 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_tier_how_to_apply'); END",
    "CREATE TRIGGER entitlements_tier_amounts_insert BEFORE INSERT ON entitlements_tier WHEN NOT ((NEW.hours_per_year IS NULL OR NEW.hours_per_year > 0) AND (NEW.pence_per_year IS NULL OR NEW.pence_per_year > 0)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_tier_amounts'); END",
    "CREATE TRIGGER entitlements_tier_amounts_update BEFORE UPDATE ON entitlements_tier WHEN NOT ((NEW.hours_per_year IS NULL OR NEW.hours_per_year > 0) AND (NEW.pence_per_year IS NULL OR NEW.pence_per_year > 0)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: entitlements_tier_amounts'); END",
]


class Migration(migrations.Migration):
    dependencies = [('core', '0005_job_outbox')]

    initial = True

    operations = [
        ops.CreateModel(
            name='CouncilProfile',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('local_authority', fields.OneToOneField('core.Organisation', source_field='local_authority_id', db_constraint=True, to_field='id', related_name='council_profile', on_delete=OnDelete.RESTRICT)),
                ('slug', fields.CharField(unique=True, max_length=60)),
                ('allowance_year_start_month', fields.SmallIntField(default=4)),
                ('allowance_year_start_day', fields.SmallIntField(default=1)),
                ('postcode_districts', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'entitlements_councilprofile', 'app': 'entitlements', 'constraints': [CheckConstraint(check='allowance_year_start_month BETWEEN 1 AND 12 AND allowance_year_start_day BETWEEN 1 AND 31', name='entitlements_councilprofile_year_start')], 'pk_attr': 'id', 'table_description': 'What a local authority publishes under: its address (``slug``), allowance year and area.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Statement',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('council', fields.ForeignKeyField('entitlements.CouncilProfile', source_field='council_id', db_constraint=True, to_field='id', related_name='statements', on_delete=OnDelete.RESTRICT)),
                ('number', fields.IntField()),
                ('status', fields.CharEnumField(default=StatementStatus.DRAFT, description='DRAFT: draft\nPUBLISHED: published\nSUPERSEDED: superseded', enum_type=StatementStatus, max_length=12)),
                ('introduction', fields.TextField(default='', unique=False)),
                ('local_needs', fields.TextField(default='', unique=False)),
                ('contact_email', fields.CharField(default='', max_length=254)),
                ('contact_phone', fields.CharField(default='', max_length=40)),
                ('contact_details', fields.TextField(default='', unique=False)),
                ('created_by', fields.ForeignKeyField('core.User', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='statements_created', on_delete=OnDelete.SET_NULL)),
                ('published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('published_by', fields.ForeignKeyField('core.User', source_field='published_by_id', null=True, db_constraint=True, to_field='id', related_name='statements_published', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'entitlements_statement', 'app': 'entitlements', 'constraints': [UniqueConstraint(fields=('council_id', 'number'), name='entitlements_statement_number_unique'), UniqueConstraint(fields=('council_id', 'status'), name='entitlements_statement_one_open', condition="status IN ('draft', 'published')"), CheckConstraint(check='number >= 1', name='entitlements_statement_number_positive'), CheckConstraint(check="(status = 'draft') = (published_at IS NULL)", name='entitlements_statement_published_at')], 'pk_attr': 'id', 'table_description': "One version of a council's short breaks services statement (the Breaks for Carers Regulations 2011)."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Tier',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('statement', fields.ForeignKeyField('entitlements.Statement', source_field='statement_id', db_constraint=True, to_field='id', related_name='tiers', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=40)),
                ('kind', fields.CharEnumField(description='UNIVERSAL: universal\nTARGETED: targeted\nSPECIALIST: specialist', enum_type=TierKind, max_length=12)),
                ('name', fields.CharField(max_length=120)),
                ('position', fields.SmallIntField(default=0)),
                ('criteria', fields.TextField(default='', unique=False)),
                ('rules', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('hours_per_year', fields.IntField(null=True)),
                ('pence_per_year', fields.BigIntField(null=True)),
                ('gives', fields.TextField(default='', unique=False)),
                ('service_kinds', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('how_to_apply', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'entitlements_tier', 'app': 'entitlements', 'constraints': [UniqueConstraint(fields=('statement_id', 'code'), name='entitlements_tier_code_unique'), CheckConstraint(check="kind = 'universal' OR length(trim(how_to_apply)) > 0", name='entitlements_tier_how_to_apply'), CheckConstraint(check='(hours_per_year IS NULL OR hours_per_year > 0) AND (pence_per_year IS NULL OR pence_per_year > 0)', name='entitlements_tier_amounts')], 'pk_attr': 'id', 'table_description': 'A universal, targeted or specialist offer in one statement version: who it is for, what it gives, how to apply.'},
            bases=['TimestampedModel'],
        ),
        # CreateModel records Meta.constraints without creating them on PostgreSQL (SQLite gets the
        # CHECKs inline, but not the unique ones): create what each database lacks, by name.
        dialect_sql(postgres=POSTGRES, sqlite=SQLITE),
    ]
