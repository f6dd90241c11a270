from tortoise import migrations
from tortoise.migrations import operations as ops
from grants.enums import ReturnStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('core', '0005_job_outbox'), ('grants', '0004_declared_constraints')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SpendMonth',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('spend_return', fields.ForeignKeyField('grants.SpendReturn', source_field='spend_return_id', db_constraint=True, to_field='id', related_name='months', on_delete=OnDelete.CASCADE)),
                ('award', fields.ForeignKeyField('grants.Award', source_field='award_id', db_constraint=True, to_field='id', related_name='spend_months', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(description='DRAFT: draft\nSUBMITTED: submitted\nQUERIED: queried\nRESUBMITTED: resubmitted\nAPPROVED: approved\nREJECTED: rejected', enum_type=ReturnStatus, max_length=12)),
                ('financial_year', fields.IntField()),
                ('quarter', fields.IntField()),
                ('spent_month', fields.DateField()),
                ('staffing_pence', fields.BigIntField(default=0)),
                ('activities_pence', fields.BigIntField(default=0)),
                ('transport_pence', fields.BigIntField(default=0)),
                ('equipment_pence', fields.BigIntField(default=0)),
                ('premises_pence', fields.BigIntField(default=0)),
                ('training_pence', fields.BigIntField(default=0)),
                ('evaluation_pence', fields.BigIntField(default=0)),
                ('management_pence', fields.BigIntField(default=0)),
                ('amount_pence', fields.BigIntField()),
                ('line_count', fields.IntField()),
            ],
            options={'table': 'grants_spendmonth', 'app': 'grants', 'constraints': [UniqueConstraint(fields=('spend_return_id', 'financial_year', 'quarter', 'spent_month'), name='grants_spendmonth_unique')], 'pk_attr': 'id', 'table_description': 'Spend per return and month, one column per category, kept by database triggers on grants_expenditureline.'},
            bases=['Model'],
        ),
    ]
