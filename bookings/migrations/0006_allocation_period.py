"""An allocation carries its own allowance year (``starts_on`` to ``ends_on``), the statement tier it
was approved under and the kinds of break it pays for.

Existing allocations were all April-to-March financial years: they get 1 April ``year`` to
31 March ``year + 1`` and pay for any service, as before.
"""

import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

from shortbreaks.migration_sql import StateOnly, dialect_sql

POSTGRES = [
    "ALTER TABLE bookings_allocation ADD COLUMN starts_on DATE",
    "ALTER TABLE bookings_allocation ADD COLUMN ends_on DATE",
    "UPDATE bookings_allocation SET starts_on = make_date(year, 4, 1), ends_on = make_date(year + 1, 3, 31)",
    "ALTER TABLE bookings_allocation ALTER COLUMN starts_on SET NOT NULL",
    "ALTER TABLE bookings_allocation ALTER COLUMN ends_on SET NOT NULL",
    "ALTER TABLE bookings_allocation ADD COLUMN tier_code VARCHAR(40) NOT NULL DEFAULT ''",
    "ALTER TABLE bookings_allocation ADD COLUMN service_kinds JSONB NOT NULL DEFAULT '[]'",
    "ALTER TABLE bookings_allocation ADD CONSTRAINT bookings_allocation_period CHECK (starts_on < ends_on)",
]
REVERSE_POSTGRES = [
    "ALTER TABLE bookings_allocation DROP CONSTRAINT bookings_allocation_period",
    "ALTER TABLE bookings_allocation DROP COLUMN service_kinds",
    "ALTER TABLE bookings_allocation DROP COLUMN tier_code",
    "ALTER TABLE bookings_allocation DROP COLUMN ends_on",
    "ALTER TABLE bookings_allocation DROP COLUMN starts_on",
]

# SQLite adds a NOT NULL column only with a default; every row is then filled from ``year``.
SQLITE = [
    "ALTER TABLE bookings_allocation ADD COLUMN starts_on DATE NOT NULL DEFAULT '1970-01-01'",
    "ALTER TABLE bookings_allocation ADD COLUMN ends_on DATE NOT NULL DEFAULT '1970-01-02'",
    "UPDATE bookings_allocation SET starts_on = printf('%04d-04-01', year), ends_on = printf('%04d-03-31', year + 1)",
    "ALTER TABLE bookings_allocation ADD COLUMN tier_code VARCHAR(40) NOT NULL DEFAULT ''",
    "ALTER TABLE bookings_allocation ADD COLUMN service_kinds JSON NOT NULL DEFAULT '[]'",
    "CREATE TRIGGER bookings_allocation_period_insert BEFORE INSERT ON bookings_allocation WHEN NOT (NEW.starts_on < NEW.ends_on) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bookings_allocation_period'); END",
    "CREATE TRIGGER bookings_allocation_period_update BEFORE UPDATE ON bookings_allocation WHEN NOT (NEW.starts_on < NEW.ends_on) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: bookings_allocation_period'); END",
]
REVERSE_SQLITE = [
    "DROP TRIGGER bookings_allocation_period_insert",
    "DROP TRIGGER bookings_allocation_period_update",
    "ALTER TABLE bookings_allocation DROP COLUMN service_kinds",
    "ALTER TABLE bookings_allocation DROP COLUMN tier_code",
    "ALTER TABLE bookings_allocation DROP COLUMN ends_on",
    "ALTER TABLE bookings_allocation DROP COLUMN starts_on",
]


class Migration(migrations.Migration):
    dependencies = [("bookings", "0005_overlap_trigger_names_constraint"), ("providers", "0005_response_target")]

    initial = False

    operations = [
        StateOnly(ops.AddField(model_name="Allocation", name="starts_on", field=fields.DateField())),
        StateOnly(ops.AddField(model_name="Allocation", name="ends_on", field=fields.DateField())),
        StateOnly(ops.AddField(model_name="Allocation", name="tier_code", field=fields.CharField(default="", max_length=40))),
        StateOnly(
            ops.AddField(
                model_name="Allocation",
                name="service_kinds",
                field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
            )
        ),
        dialect_sql(postgres=POSTGRES, sqlite=SQLITE, reverse_postgres=REVERSE_POSTGRES, reverse_sqlite=REVERSE_SQLITE),
        StateOnly(
            ops.AlterModelOptions(
                name="Allocation",
                options={
                    "table": "bookings_allocation",
                    "app": "bookings",
                    "constraints": [
                        UniqueConstraint(fields=("child_id", "year"), name="bookings_allocation_child_year"),
                        CheckConstraint(check="balance_minutes >= 0 AND balance_pence >= 0", name="bookings_allocation_balance_not_negative"),
                        CheckConstraint(check="starts_on < ends_on", name="bookings_allocation_period"),
                    ],
                    "pk_attr": "id",
                    "table_description": "A child's short-breaks allocation for one allowance year, ``starts_on`` to ``ends_on``.",
                },
            )
        ),
        ops.AddIndex(model_name="Allocation", index=Index(fields=["child_id", "starts_on", "ends_on"])),
    ]
