from tortoise import migrations
from tortoise.migrations import operations as ops
from grants.enums import BudgetCategory
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('core', '0001_initial'), ('core', '0002_audit_append_only'), ('grants', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SpendSummary',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('spend_return', fields.ForeignKeyField('grants.SpendReturn', source_field='spend_return_id', db_constraint=True, to_field='id', related_name='summaries', on_delete=OnDelete.CASCADE)),
                ('category', fields.CharEnumField(description='STAFFING: staffing\nACTIVITIES: activities\nTRANSPORT: transport\nEQUIPMENT: equipment\nPREMISES: premises\nTRAINING: training\nEVALUATION: evaluation\nMANAGEMENT: management', enum_type=BudgetCategory, max_length=20)),
                ('spent_month', fields.DateField()),
                ('financial_year', fields.IntField()),
                ('quarter', fields.IntField()),
                ('amount_pence', fields.BigIntField()),
                ('line_count', fields.IntField()),
            ],
            options={'table': 'grants_spendsummary', 'app': 'grants', 'indexes': [Index(fields=['financial_year', 'quarter']), Index(fields=['category', 'financial_year'])], 'pk_attr': 'id', 'table_description': 'Spend per return, category and month, kept by database triggers on grants_expenditureline.'},
            bases=['Model'],
        ),
        ops.AddConstraint(model_name='SpendSummary', constraint=UniqueConstraint(fields=('spend_return_id', 'category', 'spent_month'), name='grants_spendsummary_unique')),
    ]
