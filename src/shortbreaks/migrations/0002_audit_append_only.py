"""The audit log is append-only: the database refuses UPDATE and DELETE on it."""

from tortoise import migrations

from shortbreaks.migration_sql import dialect_sql


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        dialect_sql(
            postgres=[
                """
                CREATE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION 'core_auditevent is append-only';
                END;
                $$ LANGUAGE plpgsql
                """,
                """
                CREATE TRIGGER core_auditevent_no_change BEFORE UPDATE OR DELETE ON core_auditevent
                FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only()
                """,
            ],
            sqlite=[
                """
                CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
                BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only'); END
                """,
                """
                CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
                BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only'); END
                """,
            ],
            reverse_postgres=[
                "DROP TRIGGER core_auditevent_no_change ON core_auditevent",
                "DROP FUNCTION core_auditevent_append_only()",
            ],
            reverse_sqlite=[
                "DROP TRIGGER core_auditevent_no_update",
                "DROP TRIGGER core_auditevent_no_delete",
            ],
        )
    ]
