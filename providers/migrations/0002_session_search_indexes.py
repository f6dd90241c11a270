"""Constraints and the indexes search needs.

Tortoise 1.1.9's CreateModel creates none of ``Meta.constraints`` (on either database),
so they are made here: on PostgreSQL as real constraints; on SQLite (which cannot add a
constraint to an existing table) the unique ones as unique indexes and the places-taken
CHECK as triggers. The partial index ``providers_session_bookable`` serves search's
"next free session of a service" subquery.
"""

from tortoise import migrations

from shortbreaks.migration_sql import dialect_sql

_INDEXES = [
    "CREATE INDEX providers_session_bookable ON providers_session (service_id, starts_at)"
    " WHERE status = 'scheduled' AND blocked = FALSE",
    "CREATE INDEX providers_session_service_start ON providers_session (service_id, starts_at)",
    "CREATE INDEX providers_service_provider ON providers_service (provider_id)",
]
_DROP_INDEXES = [
    "DROP INDEX providers_session_bookable",
    "DROP INDEX providers_session_service_start",
    "DROP INDEX providers_service_provider",
]

# (table, constraint name, definition)
_CONSTRAINTS = [
    ("providers_provider", "providers_provider_one_per_organisation", "UNIQUE (organisation_id)"),
    ("providers_service", "providers_service_ages", "CHECK (min_age >= 0 AND max_age <= 25 AND min_age <= max_age)"),
    ("providers_service", "providers_service_price", "CHECK (price_pence >= 0)"),
    ("providers_service", "providers_service_refund_percent", "CHECK (late_cancellation_refund_percent BETWEEN 0 AND 100)"),
    ("providers_availabilityrule", "providers_availabilityrule_positive", "CHECK (duration_minutes > 0 AND staff_count > 0)"),
    ("providers_closure", "providers_closure_dates", "CHECK (starts_on <= ends_on)"),
    ("providers_session", "providers_session_rule_start", "UNIQUE (rule_id, starts_at)"),
    ("providers_session", "providers_session_capacity_positive", "CHECK (capacity > 0)"),
    ("providers_session", "providers_session_places_taken", "CHECK (places_taken >= 0 AND places_taken <= capacity)"),
    ("providers_session", "providers_session_times", "CHECK (ends_at > starts_at)"),
]
_POSTGRES = [f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for table, name, definition in _CONSTRAINTS]
_DROP_POSTGRES = [f"ALTER TABLE {table} DROP CONSTRAINT {name}" for table, name, _ in _CONSTRAINTS]

_SQLITE = [
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
_DROP_SQLITE = [
    "DROP INDEX providers_session_rule_start",
    "DROP INDEX providers_provider_one_per_organisation",
    "DROP TRIGGER providers_session_places_taken_insert",
    "DROP TRIGGER providers_session_places_taken_update",
]


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]

    operations = [
        dialect_sql(
            postgres=[*_INDEXES, *_POSTGRES],
            sqlite=[*_INDEXES, *_SQLITE],
            reverse_postgres=[*_DROP_POSTGRES, *_DROP_INDEXES],
            reverse_sqlite=[*_DROP_SQLITE, *_DROP_INDEXES],
        )
    ]
