"""Create the account constraints that the models declare.

Tortoise 1.1.9's CreateModel records ``Meta.constraints`` in the migration state but does not
create them, on PostgreSQL or SQLite, so they are created here explicitly.
"""

from tortoise import migrations

from shortbreaks.migration_sql import dialect_sql


class Migration(migrations.Migration):
    dependencies = [("core", "0003_two_factor")]

    operations = [
        dialect_sql(
            postgres=[
                "ALTER TABLE core_user ADD CONSTRAINT core_user_email_lower CHECK (email = lower(email))",
                "ALTER TABLE core_membership ADD CONSTRAINT core_membership_unique UNIQUE (user_id, organisation_id, role)",
            ],
            sqlite=[
                "CREATE UNIQUE INDEX core_membership_unique ON core_membership (user_id, organisation_id, role)",
                """
                CREATE TRIGGER core_user_email_lower_insert BEFORE INSERT ON core_user
                WHEN NEW.email <> lower(NEW.email)
                BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: core_user_email_lower'); END
                """,
                """
                CREATE TRIGGER core_user_email_lower_update BEFORE UPDATE OF email ON core_user
                WHEN NEW.email <> lower(NEW.email)
                BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: core_user_email_lower'); END
                """,
            ],
            reverse_postgres=[
                "ALTER TABLE core_user DROP CONSTRAINT core_user_email_lower",
                "ALTER TABLE core_membership DROP CONSTRAINT core_membership_unique",
            ],
            reverse_sqlite=[
                "DROP INDEX core_membership_unique",
                "DROP TRIGGER core_user_email_lower_insert",
                "DROP TRIGGER core_user_email_lower_update",
            ],
        )
    ]
