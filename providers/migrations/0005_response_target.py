"""How soon a provider aims to answer a booking request to a service that approves each booking."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('providers', '0004_provider_review')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Service',
            name='response_target_hours',
            field=fields.IntField(default=48),
        ),
    ]
