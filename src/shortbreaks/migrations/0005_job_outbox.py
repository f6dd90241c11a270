from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from uuid import uuid4
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('core', '0004_account_constraints')]

    initial = False

    operations = [
        ops.CreateModel(
            name='JobOutbox',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('function', fields.CharField(max_length=100)),
                ('job_id', fields.CharField(unique=True, max_length=200)),
                ('kwargs', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('run_after', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.CharField(default='', max_length=200)),
            ],
            options={'table': 'core_joboutbox', 'app': 'core', 'indexes': [Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': "A job that could not be put on Redis when it was enqueued. A sweeper in the app moves it to Redis once Redis answers."},
            bases=['Model'],
        ),
    ]
