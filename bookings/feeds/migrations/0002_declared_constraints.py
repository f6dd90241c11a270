"""Create the constraints the models declare but no earlier migration made.

Tortoise's CreateModel records ``Meta.constraints`` without creating them; SQLite cannot add a
CHECK to an existing table, so there a CHECK becomes a pair of triggers with the same name.
``tests/core/test_schema_constraints.py`` checks that every declared constraint exists.
"""

from tortoise import migrations

from shortbreaks.migration_sql import dialect_sql

POSTGRES = [
        "ALTER TABLE feeds_feedtoken ADD CONSTRAINT feeds_feedtoken_one_owner CHECK ((kind = 'family' AND family_id IS NOT NULL AND provider_id IS NULL) OR (kind = 'provider' AND provider_id IS NOT NULL AND family_id IS NULL AND child_id IS NULL))",
        'ALTER TABLE feeds_importblock ADD CONSTRAINT feeds_importblock_once UNIQUE (calendar_import_id, session_id)',
    ]

SQLITE = [
        "CREATE TRIGGER feeds_feedtoken_one_owner_insert BEFORE INSERT ON feeds_feedtoken WHEN NOT ((NEW.kind = 'family' AND NEW.family_id IS NOT NULL AND NEW.provider_id IS NULL) OR (NEW.kind = 'provider' AND NEW.provider_id IS NOT NULL AND NEW.family_id IS NULL AND NEW.child_id IS NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: feeds_feedtoken_one_owner'); END",
        "CREATE TRIGGER feeds_feedtoken_one_owner_update BEFORE UPDATE ON feeds_feedtoken WHEN NOT ((NEW.kind = 'family' AND NEW.family_id IS NOT NULL AND NEW.provider_id IS NULL) OR (NEW.kind = 'provider' AND NEW.provider_id IS NOT NULL AND NEW.family_id IS NULL AND NEW.child_id IS NULL)) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: feeds_feedtoken_one_owner'); END",
        'CREATE UNIQUE INDEX feeds_importblock_once ON feeds_importblock (calendar_import_id, session_id)',
    ]


class Migration(migrations.Migration):
    dependencies = [("feeds", "0001_initial")]

    operations = [dialect_sql(postgres=POSTGRES, sqlite=SQLITE)]
