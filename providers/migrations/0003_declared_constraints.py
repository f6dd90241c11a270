"""Create the constraints the models declare but no earlier migration made.

Tortoise's CreateModel records ``Meta.constraints`` without creating them; SQLite cannot add a
CHECK to an existing table, so there a CHECK becomes a pair of triggers with the same name.
``tests/core/test_schema_constraints.py`` checks that every declared constraint exists.
"""

from tortoise import migrations

from shortbreaks.migration_sql import dialect_sql

POSTGRES: list[str] = [
    ]

SQLITE = [
        "CREATE TRIGGER providers_availabilityrule_positive_insert BEFORE INSERT ON providers_availabilityrule WHEN NOT (NEW.duration_minutes > 0 AND NEW.staff_count > 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_availabilityrule_positive'); END",
        "CREATE TRIGGER providers_availabilityrule_positive_update BEFORE UPDATE ON providers_availabilityrule WHEN NOT (NEW.duration_minutes > 0 AND NEW.staff_count > 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_availabilityrule_positive'); END",
        "CREATE TRIGGER providers_closure_dates_insert BEFORE INSERT ON providers_closure WHEN NOT (NEW.starts_on <= NEW.ends_on) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_closure_dates'); END",
        "CREATE TRIGGER providers_closure_dates_update BEFORE UPDATE ON providers_closure WHEN NOT (NEW.starts_on <= NEW.ends_on) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_closure_dates'); END",
        "CREATE TRIGGER providers_service_ages_insert BEFORE INSERT ON providers_service WHEN NOT (NEW.min_age >= 0 AND NEW.max_age <= 25 AND NEW.min_age <= NEW.max_age) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_service_ages'); END",
        "CREATE TRIGGER providers_service_ages_update BEFORE UPDATE ON providers_service WHEN NOT (NEW.min_age >= 0 AND NEW.max_age <= 25 AND NEW.min_age <= NEW.max_age) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_service_ages'); END",
        "CREATE TRIGGER providers_service_price_insert BEFORE INSERT ON providers_service WHEN NOT (NEW.price_pence >= 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_service_price'); END",
        "CREATE TRIGGER providers_service_price_update BEFORE UPDATE ON providers_service WHEN NOT (NEW.price_pence >= 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_service_price'); END",
        "CREATE TRIGGER providers_service_refund_percent_insert BEFORE INSERT ON providers_service WHEN NOT (NEW.late_cancellation_refund_percent BETWEEN 0 AND 100) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_service_refund_percent'); END",
        "CREATE TRIGGER providers_service_refund_percent_update BEFORE UPDATE ON providers_service WHEN NOT (NEW.late_cancellation_refund_percent BETWEEN 0 AND 100) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_service_refund_percent'); END",
        "CREATE TRIGGER providers_session_capacity_positive_insert BEFORE INSERT ON providers_session WHEN NOT (NEW.capacity > 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_session_capacity_positive'); END",
        "CREATE TRIGGER providers_session_capacity_positive_update BEFORE UPDATE ON providers_session WHEN NOT (NEW.capacity > 0) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_session_capacity_positive'); END",
        "CREATE TRIGGER providers_session_times_insert BEFORE INSERT ON providers_session WHEN NOT (NEW.ends_at > NEW.starts_at) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_session_times'); END",
        "CREATE TRIGGER providers_session_times_update BEFORE UPDATE ON providers_session WHEN NOT (NEW.ends_at > NEW.starts_at) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: providers_session_times'); END",
    ]


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_session_search_indexes")]

    operations = [dialect_sql(postgres=POSTGRES, sqlite=SQLITE)]
