"""When a draft provider's staff sent the profile to the council for review."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("providers", "0003_declared_constraints")]

    initial = False

    operations = [
        ops.AddField(model_name="Provider", name="submitted_for_review_at", field=fields.DatetimeField(null=True)),
    ]
