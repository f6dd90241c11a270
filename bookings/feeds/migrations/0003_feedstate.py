"""Feed state: when each feed's content last changed, for an exact Last-Modified."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("feeds", "0002_declared_constraints")]

    initial = False

    operations = [
        ops.CreateModel(
            name="FeedState",
            fields=[
                ("key", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=80)),
                ("etag", fields.CharField(max_length=80)),
                ("changed_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "feeds_feedstate",
                "app": "feeds",
                "pk_attr": "key",
                "table_description": "When a feed's content last changed, for an exact ``Last-Modified``.",
            },
            bases=["Model"],
        ),
    ]
