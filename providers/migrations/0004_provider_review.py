"""Review by the council: when a draft provider was sent for review, whether the council reviews a published
provider's new services (providers_authoritysetting), and whether a service still waits for that review."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('core', '0007_organisation_contact'), ('providers', '0003_declared_constraints')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuthoritySetting',
            fields=[
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('local_authority', fields.OneToOneField('core.Organisation', source_field='local_authority_id', db_constraint=True, to_field='id', related_name='provider_setting', on_delete=OnDelete.CASCADE)),
                ('review_new_services', fields.BooleanField(default=False)),
            ],
            options={'table': 'providers_authoritysetting', 'app': 'providers', 'pk_attr': 'id', 'table_description': "A council's choices about its providers. ``review_new_services``: a published provider's new"},
            bases=['TimestampedModel'],
        ),
        ops.AddField(
            model_name='Provider',
            name='submitted_for_review_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Service',
            name='awaiting_review',
            field=fields.BooleanField(default=False),
        ),
    ]
