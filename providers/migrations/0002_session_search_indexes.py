"""Partial indexes for search and the calendar: the next free session of a service, by start.

Tortoise's SQLite schema editor skips ``Meta.constraints``, so on SQLite the unique
constraints become unique indexes here and the places-taken CHECK becomes triggers.
"""

from tortoise import migrations

from shortbreaks.migration_sql import dialect_sql

_INDEXES = [
    "CREATE INDEX providers_session_bookable ON providers_session (service_id, starts_at)"
    " WHERE status = 'scheduled' AND blocked = FALSE",
    "CREATE INDEX providers_session_service_start ON providers_session (service_id, starts_at)",
    "CREATE INDEX providers_service_provider ON providers_service (provider_id)",
]
_SQLITE_ONLY = [
    "CREATE UNIQUE INDEX providers_session_rule_start ON providers_session (rule_id, starts_at)",
    "CREATE UNIQUE INDEX providers_provider_one_per_organisation ON providers_provider (organisation_id)",
    """
    CREATE TRIGGER providers_session_places_taken_insert BEFORE INSERT ON providers_session
    WHEN NEW.places_taken < 0 OR NEW.places_taken > NEW.capacity OR NEW.capacity <= 0
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_session_places_taken'); END
    """,
    """
    CREATE TRIGGER providers_session_places_taken_update BEFORE UPDATE ON providers_session
    WHEN NEW.places_taken < 0 OR NEW.places_taken > NEW.capacity OR NEW.capacity <= 0
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_session_places_taken'); END
    """,
]
_DROP_SQLITE_ONLY = [
    "DROP INDEX providers_session_rule_start",
    "DROP INDEX providers_provider_one_per_organisation",
    "DROP TRIGGER providers_session_places_taken_insert",
    "DROP TRIGGER providers_session_places_taken_update",
]
_DROP = [
    "DROP INDEX providers_session_bookable",
    "DROP INDEX providers_session_service_start",
    "DROP INDEX providers_service_provider",
]


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]

    operations = [
        dialect_sql(
            postgres=_INDEXES,
            sqlite=[*_INDEXES, *_SQLITE_ONLY],
            reverse_postgres=_DROP,
            reverse_sqlite=[*_DROP_SQLITE_ONLY, *_DROP],
        )
    ]
