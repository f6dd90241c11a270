from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from grants.enums import AwardStatus, BudgetCategory, CostKind, ReturnStatus
from json import dumps, loads
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
            name='Fund',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('funder', fields.ForeignKeyField('core.Organisation', source_field='funder_id', db_constraint=True, to_field='id', related_name='funds', on_delete=OnDelete.RESTRICT)),
                ('total_pence', fields.BigIntField()),
                ('currency', fields.CharField(default='GBP', max_length=3)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('grant_id_prefix', fields.CharField(max_length=40)),
                ('allocated_pence', fields.BigIntField(default=0)),
                ('awarded_pence', fields.BigIntField(default=0)),
                ('line_tolerance_percent', fields.IntField(default=10)),
                ('disclosure_threshold', fields.IntField(default=5)),
            ],
            options={'table': 'grants_fund', 'app': 'grants', 'constraints': [CheckConstraint(check='total_pence > 0', name='grants_fund_total_positive'), CheckConstraint(check='starts_on < ends_on', name='grants_fund_dates'), CheckConstraint(check='allocated_pence >= 0 AND allocated_pence <= total_pence', name='grants_fund_allocated_within_total'), CheckConstraint(check='awarded_pence >= 0 AND awarded_pence <= total_pence', name='grants_fund_awarded_within_total'), CheckConstraint(check='line_tolerance_percent >= 0', name='grants_fund_tolerance'), CheckConstraint(check='disclosure_threshold >= 1', name='grants_fund_threshold')], 'pk_attr': 'id', 'table_description': 'A grant programme with a fixed total, run by a funder.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Round',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('fund', fields.ForeignKeyField('grants.Fund', source_field='fund_id', db_constraint=True, to_field='id', related_name='rounds', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=200)),
                ('code', fields.CharField(max_length=40)),
                ('budget_pence', fields.BigIntField()),
                ('awarded_pence', fields.BigIntField(default=0)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
            ],
            options={'table': 'grants_round', 'app': 'grants', 'constraints': [UniqueConstraint(fields=('fund_id', 'code'), name='grants_round_code_unique'), CheckConstraint(check='budget_pence > 0', name='grants_round_budget_positive'), CheckConstraint(check='awarded_pence >= 0 AND awarded_pence <= budget_pence', name='grants_round_awarded_within_budget'), CheckConstraint(check='starts_on < ends_on', name='grants_round_dates')], 'pk_attr': 'id', 'table_description': 'A funding round with its own budget, usually one per financial year.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Award',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('fund', fields.ForeignKeyField('grants.Fund', source_field='fund_id', db_constraint=True, to_field='id', related_name='awards', on_delete=OnDelete.RESTRICT)),
                ('round', fields.ForeignKeyField('grants.Round', source_field='round_id', db_constraint=True, to_field='id', related_name='awards', on_delete=OnDelete.RESTRICT)),
                ('recipient', fields.ForeignKeyField('core.Organisation', source_field='recipient_id', db_constraint=True, to_field='id', related_name='grant_awards', on_delete=OnDelete.RESTRICT)),
                ('local_authority', fields.ForeignKeyField('core.Organisation', source_field='local_authority_id', db_constraint=True, to_field='id', related_name='grant_awards_in_area', on_delete=OnDelete.RESTRICT)),
                ('reference', fields.CharField(max_length=40)),
                ('title', fields.CharField(max_length=200)),
                ('description', fields.TextField(unique=False)),
                ('amount_pence', fields.BigIntField()),
                ('awarded_on', fields.DateField()),
                ('planned_start', fields.DateField()),
                ('planned_end', fields.DateField()),
                ('region', fields.CharField(max_length=60)),
                ('status', fields.CharEnumField(default=AwardStatus.ACTIVE, description='ACTIVE: active\nCLOSED: closed', enum_type=AwardStatus, max_length=10)),
                ('paid_pence', fields.BigIntField(default=0)),
                ('approved_pence', fields.BigIntField(default=0)),
            ],
            options={'table': 'grants_award', 'app': 'grants', 'constraints': [UniqueConstraint(fields=('fund_id', 'reference'), name='grants_award_reference_unique'), CheckConstraint(check='amount_pence > 0', name='grants_award_amount_positive'), CheckConstraint(check='planned_start < planned_end', name='grants_award_dates'), CheckConstraint(check='paid_pence >= 0 AND paid_pence <= amount_pence', name='grants_award_paid_within_amount'), CheckConstraint(check='approved_pence >= 0 AND approved_pence <= amount_pence', name='grants_award_approved_within_amount')], 'indexes': [Index(fields=['fund_id', 'region']), Index(fields=['local_authority_id']), Index(fields=['recipient_id'])], 'pk_attr': 'id', 'table_description': 'A grant to one organisation. Its amount and dates change only through a Variation.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='AwardService',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('award', fields.ForeignKeyField('grants.Award', source_field='award_id', db_constraint=True, to_field='id', related_name='services', on_delete=OnDelete.CASCADE)),
                ('service_id', fields.UUIDField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'grants_awardservice', 'app': 'grants', 'constraints': [UniqueConstraint(fields=('award_id', 'service_id'), name='grants_awardservice_unique')], 'indexes': [Index(fields=['service_id'])], 'pk_attr': 'id', 'table_description': 'A service (providers package) that an award funds.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BudgetLine',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('award', fields.ForeignKeyField('grants.Award', source_field='award_id', db_constraint=True, to_field='id', related_name='budget_lines', on_delete=OnDelete.CASCADE)),
                ('category', fields.CharEnumField(description='STAFFING: staffing\nACTIVITIES: activities\nTRANSPORT: transport\nEQUIPMENT: equipment\nPREMISES: premises\nTRAINING: training\nEVALUATION: evaluation\nMANAGEMENT: management', enum_type=BudgetCategory, max_length=20)),
                ('financial_year', fields.IntField()),
                ('kind', fields.CharEnumField(default=CostKind.REVENUE, description='REVENUE: revenue\nCAPITAL: capital', enum_type=CostKind, max_length=10)),
                ('amount_pence', fields.BigIntField()),
            ],
            options={'table': 'grants_budgetline', 'app': 'grants', 'constraints': [UniqueConstraint(fields=('award_id', 'category', 'financial_year'), name='grants_budgetline_unique'), CheckConstraint(check='amount_pence >= 0', name='grants_budgetline_amount')], 'pk_attr': 'id', 'table_description': 'The planned spend of an award in one category and financial year (2025 means April 2025 to March 2026).'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='SpendReturn',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('award', fields.ForeignKeyField('grants.Award', source_field='award_id', db_constraint=True, to_field='id', related_name='returns', on_delete=OnDelete.RESTRICT)),
                ('financial_year', fields.IntField()),
                ('quarter', fields.IntField()),
                ('status', fields.CharEnumField(default=ReturnStatus.DRAFT, description='DRAFT: draft\nSUBMITTED: submitted\nQUERIED: queried\nRESUBMITTED: resubmitted\nAPPROVED: approved\nREJECTED: rejected', enum_type=ReturnStatus, max_length=12)),
                ('created_by_id', fields.UUIDField()),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('submitted_by_id', fields.UUIDField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by_id', fields.UUIDField(null=True)),
                ('decision_reason', fields.TextField(default='', unique=False)),
                ('over_budget_approved', fields.BooleanField(default=False)),
            ],
            options={'table': 'grants_spendreturn', 'app': 'grants', 'constraints': [UniqueConstraint(fields=('award_id', 'financial_year', 'quarter'), name='grants_spendreturn_period_unique'), CheckConstraint(check='quarter BETWEEN 1 AND 4', name='grants_spendreturn_quarter')], 'indexes': [Index(fields=['award_id', 'status']), Index(fields=['status'])], 'pk_attr': 'id', 'table_description': "A grantee's quarterly claim of what it spent. Quarter 1 is April to June."},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='ExpenditureLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('spend_return', fields.ForeignKeyField('grants.SpendReturn', source_field='spend_return_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('spent_on', fields.DateField()),
                ('amount_pence', fields.BigIntField()),
                ('category', fields.CharEnumField(description='STAFFING: staffing\nACTIVITIES: activities\nTRANSPORT: transport\nEQUIPMENT: equipment\nPREMISES: premises\nTRAINING: training\nEVALUATION: evaluation\nMANAGEMENT: management', enum_type=BudgetCategory, max_length=20)),
                ('description', fields.CharField(max_length=300)),
                ('evidence_reference', fields.CharField(default='', max_length=100)),
                ('financial_year', fields.IntField()),
                ('quarter', fields.IntField()),
                ('spent_month', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'grants_expenditureline', 'app': 'grants', 'constraints': [CheckConstraint(check='amount_pence > 0', name='grants_expenditureline_amount_positive'), CheckConstraint(check='quarter BETWEEN 1 AND 4', name='grants_expenditureline_quarter')], 'indexes': [Index(fields=['spend_return_id']), Index(fields=['category', 'spent_on']), Index(fields=['financial_year', 'quarter'])], 'pk_attr': 'id', 'table_description': 'One item of spend in a return. Financial year, quarter and month are derived from spent_on when written.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tranche',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('award', fields.ForeignKeyField('grants.Award', source_field='award_id', db_constraint=True, to_field='id', related_name='tranches', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('amount_pence', fields.BigIntField()),
                ('due_on', fields.DateField()),
                ('paid_on', fields.DateField(null=True)),
                ('paid_by_id', fields.UUIDField(null=True)),
            ],
            options={'table': 'grants_tranche', 'app': 'grants', 'constraints': [UniqueConstraint(fields=('award_id', 'number'), name='grants_tranche_number_unique'), CheckConstraint(check='amount_pence > 0', name='grants_tranche_amount_positive')], 'indexes': [Index(fields=['paid_on'])], 'pk_attr': 'id', 'table_description': 'A planned payment to the grantee, and when it was actually paid.'},
            bases=['TimestampedModel'],
        ),
        ops.CreateModel(
            name='Variation',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('award', fields.ForeignKeyField('grants.Award', source_field='award_id', db_constraint=True, to_field='id', related_name='variations', on_delete=OnDelete.RESTRICT)),
                ('reason', fields.TextField(unique=False)),
                ('before', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('approved_by_id', fields.UUIDField()),
                ('approved_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'grants_variation', 'app': 'grants', 'pk_attr': 'id', 'table_description': "A formal, funder-approved change to an award's amount, dates or budget, with what it was before."},
            bases=['Model'],
        ),
    ]
