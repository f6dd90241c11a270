"""A fund's target for deciding a submitted spend return (days); returns waiting longer are flagged."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("grants", "0007_drop_spendsummary")]

    initial = False

    operations = [
        ops.AddField(model_name="Fund", name="decision_target_days", field=fields.IntField(default=20)),
    ]
